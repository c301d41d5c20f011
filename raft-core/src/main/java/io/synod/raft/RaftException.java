package io.synod.raft;

/**
 * Base of the exceptions the Raft API reports to callers (proposals, reads, transfers).
 *
 * @since 1.0
 */
public class RaftException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message. */
  public RaftException(String message) {
    super(message);
  }
}
