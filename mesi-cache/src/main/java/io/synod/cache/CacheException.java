package io.synod.cache;

/** Fails a cache operation: main memory failed, a queue bound was reached, or the node stopped. */
public class CacheException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed
   */
  public CacheException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed
   * @param cause the cause
   */
  public CacheException(String message, Throwable cause) {
    super(message, cause);
  }
}
