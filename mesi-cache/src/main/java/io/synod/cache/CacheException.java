package io.synod.cache;

/**
 * Fails a cache operation: main memory failed, a queue bound was reached, the key's home was
 * declared down, a write was refused, or the node stopped. {@link #mayHaveApplied()} says
 * whether a write may still take effect (the caller must then not assume it did not).
 */
public class CacheException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean mayHaveApplied;

  /**
   * Creates the exception.
   *
   * @param message what failed
   */
  public CacheException(String message) {
    this(message, true);
  }

  /**
   * Creates the exception, saying whether the operation may still take effect.
   *
   * @param message what failed
   * @param mayHaveApplied false only when the operation surely changed nothing
   */
  public CacheException(String message, boolean mayHaveApplied) {
    super(message);
    this.mayHaveApplied = mayHaveApplied;
  }

  /**
   * Whether the operation may have taken effect, or may still (a write whose reply did not
   * come); false when it surely changed nothing.
   *
   * @return true unless the failure is known to have changed nothing
   */
  public boolean mayHaveApplied() {
    return mayHaveApplied;
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed
   * @param cause the cause
   */
  public CacheException(String message, Throwable cause) {
    super(message, cause);
    this.mayHaveApplied = true;
  }
}
