package io.synod.raft.lock;

import java.util.List;

/**
 * The result of applying one {@link LockCommand}, handed back to its proposer. Every variant is an
 * immutable value; a {@link Refused} command changed nothing.
 *
 * @since 1.0
 */
public sealed interface LockResult
    permits LockGrant,
        LockResult.Queued,
        LockResult.Released,
        LockResult.WaitCancelled,
        LockResult.SessionOpened,
        LockResult.SessionKeptAlive,
        LockResult.SessionClosed,
        LockResult.SessionsExpired,
        LockResult.WaitsExpired,
        LockResult.GraceGranted,
        LockResult.Refused {

  /** Whether the command was refused. */
  default boolean refused() {
    return this instanceof Refused;
  }

  /**
   * The acquire was queued; a later {@link LockGrant} or {@link LockEvent.WaitEnded} event with the
   * same request id settles it.
   *
   * @param requestId the proposer's request id
   * @param resource the resource
   * @param holder the holder waiting
   * @param mode the mode asked for
   * @param position zero-based position in the FIFO queue when queued
   * @param deadlineMillis replicated time after which an {@link LockCommand.ExpireWaits} times the
   *     wait out ({@link Long#MAX_VALUE} for none)
   * @param index the log index of the acquire
   */
  record Queued(
      long requestId,
      String resource,
      HolderId holder,
      LockMode mode,
      int position,
      long deadlineMillis,
      long index)
      implements LockResult {}

  /**
   * One count of a hold was released.
   *
   * @param resource the resource
   * @param holder the holder
   * @param remainingCount holds left after this release (0: the holder no longer holds it)
   * @param index the log index of the release
   */
  record Released(String resource, HolderId holder, int remainingCount, long index)
      implements LockResult {}

  /**
   * A release by a waiting owner cancelled its wait.
   *
   * @param requestId the request id of the cancelled acquire
   * @param resource the resource
   * @param holder the owner that waited
   * @param index the log index of the release
   */
  record WaitCancelled(long requestId, String resource, HolderId holder, long index)
      implements LockResult {}

  /**
   * A session was opened.
   *
   * @param sessionId the new session id (the log index of the open)
   * @param ttlMillis its lease length
   * @param expiresAtMillis replicated time at which it may be expired unless kept alive
   * @param sessionToken the secret every later command of the session must present; give it only
   *     to the session's holder
   */
  record SessionOpened(long sessionId, long ttlMillis, long expiresAtMillis, String sessionToken)
      implements LockResult {
    @Override
    public String toString() {
      return "SessionOpened[sessionId=" + sessionId + ", ttlMillis=" + ttlMillis
          + ", expiresAtMillis=" + expiresAtMillis + "]";
    }
  }

  /**
   * A session's lease was extended.
   *
   * @param sessionId the session
   * @param expiresAtMillis the new end of its lease
   */
  record SessionKeptAlive(long sessionId, long expiresAtMillis) implements LockResult {}

  /**
   * A session was closed and its holds and waits freed.
   *
   * @param sessionId the session
   * @param freedHolds how many holds it had
   */
  record SessionClosed(long sessionId, int freedHolds) implements LockResult {}

  /**
   * Sessions whose lease ended were expired.
   *
   * @param sessionIds the expired sessions, ascending
   */
  record SessionsExpired(List<Long> sessionIds) implements LockResult {
    /** Copies the list. */
    public SessionsExpired {
      sessionIds = List.copyOf(sessionIds);
    }
  }

  /**
   * Queued requests whose deadline passed were timed out.
   *
   * @param count how many
   */
  record WaitsExpired(int count) implements LockResult {}

  /**
   * A new leader's grace period was granted.
   *
   * @param sessions how many live sessions it extended
   */
  record GraceGranted(int sessions) implements LockResult {}

  /**
   * The command was refused and changed nothing.
   *
   * @param error the reason
   * @param detail a human-readable explanation
   */
  record Refused(LockError error, String detail) implements LockResult {}
}
