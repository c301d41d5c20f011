package io.synod.queue.spi;

/** A group operation named a group (or stream) that does not exist (Redis: NOGROUP). */
public final class NoSuchGroupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates it.
   *
   * @param stream the stream
   * @param group the missing group
   */
  public NoSuchGroupException(String stream, String group) {
    super("no group '" + group + "' on stream '" + stream + "'");
  }
}
