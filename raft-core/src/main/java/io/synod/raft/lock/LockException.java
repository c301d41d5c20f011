package io.synod.raft.lock;

import java.util.Objects;

/**
 * A lock operation that did not succeed, with the machine's reason.
 *
 * @since 1.0
 */
public final class LockException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final LockError error;

  /**
   * Creates the exception.
   *
   * @param error the reason
   * @param detail a human-readable explanation
   */
  public LockException(LockError error, String detail) {
    super(error + ": " + detail);
    this.error = Objects.requireNonNull(error, "error");
  }

  /** The reason. */
  public LockError error() {
    return error;
  }
}
