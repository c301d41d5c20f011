package io.synod.raft;

/**
 * A proposal or read that was accepted by a leader but can no longer take effect: the leader lost
 * its role before the entry committed and a different entry took its index, a transfer is in
 * progress, or a queue is full. The caller may retry.
 *
 * @since 1.0
 */
public final class ProposalDroppedException extends RaftException {
  private static final long serialVersionUID = 1L;

  /** An exception with a reason. */
  public ProposalDroppedException(String message) {
    super(message);
  }
}
