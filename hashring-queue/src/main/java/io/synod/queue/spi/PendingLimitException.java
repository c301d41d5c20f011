package io.synod.queue.spi;

/**
 * A bounded read found the group at its bound on pending entries (see {@link
 * StreamStore#readNew(String, String, String, int, long)}); nothing was read.
 */
public final class PendingLimitException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long pending;

  /**
   * Creates it.
   *
   * @param stream the stream
   * @param group the group
   * @param pending the group's pending entries
   */
  public PendingLimitException(String stream, String group, long pending) {
    super("group '" + group + "' of '" + stream + "' holds " + pending + " pending entries");
    this.pending = pending;
  }

  /** @return the group's pending entries when it was refused */
  public long pending() {
    return pending;
  }
}
