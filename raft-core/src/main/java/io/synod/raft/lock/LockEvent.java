package io.synod.raft.lock;

/**
 * A change of the lock table, reported to the {@link LockListener} of every replica in apply
 * order. A service completes the callers of queued requests from these events; a mirror (such as
 * the node server's Redis {@code lock:<resource>} hashes) updates from them.
 *
 * @since 1.0
 */
public sealed interface LockEvent
    permits LockGrant,
        LockEvent.Queued,
        LockEvent.HoldReleased,
        LockEvent.WaitEnded,
        LockEvent.SessionOpened,
        LockEvent.SessionEnded {

  /** Why a hold or wait ended. */
  enum Reason {
    /** The owner released it. */
    RELEASED,
    /** The owner cancelled its wait. */
    CANCELLED,
    /** The wait's deadline passed. */
    TIMED_OUT,
    /** The owner's session was closed. */
    SESSION_CLOSED,
    /** The owner's session lease expired. */
    SESSION_EXPIRED
  }

  /**
   * A request was queued.
   *
   * @param requestId the proposer's request id
   * @param resource the resource
   * @param holder the waiting owner
   * @param mode the mode asked for
   * @param deadlineMillis the wait's deadline ({@link Long#MAX_VALUE} for none)
   * @param index the log index
   */
  record Queued(
      long requestId,
      String resource,
      HolderId holder,
      LockMode mode,
      long deadlineMillis,
      long index)
      implements LockEvent {}

  /**
   * A hold lost a count or ended.
   *
   * @param resource the resource
   * @param holder the holder
   * @param fencingToken the token of the hold
   * @param remainingCount counts left (0: ended)
   * @param reason why
   * @param index the log index
   */
  record HoldReleased(
      String resource,
      HolderId holder,
      long fencingToken,
      int remainingCount,
      Reason reason,
      long index)
      implements LockEvent {}

  /**
   * A queued request ended without a grant.
   *
   * @param requestId the proposer's request id
   * @param resource the resource
   * @param holder the owner that waited
   * @param reason why
   * @param index the log index
   */
  record WaitEnded(long requestId, String resource, HolderId holder, Reason reason, long index)
      implements LockEvent {}

  /**
   * A session was opened.
   *
   * @param sessionId the session id
   * @param expiresAtMillis end of its first lease
   * @param index the log index
   */
  record SessionOpened(long sessionId, long expiresAtMillis, long index) implements LockEvent {}

  /**
   * A session ended.
   *
   * @param sessionId the session id
   * @param reason {@link Reason#SESSION_CLOSED} or {@link Reason#SESSION_EXPIRED}
   * @param index the log index
   */
  record SessionEnded(long sessionId, Reason reason, long index) implements LockEvent {}
}
