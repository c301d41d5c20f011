package io.synod.raft.lock;

/**
 * Why the lock state machine refused a command. A refused command changes nothing.
 *
 * @since 1.0
 */
public enum LockError {
  /** The command bytes could not be decoded. */
  MALFORMED_COMMAND,
  /** The resource name is empty. */
  EMPTY_RESOURCE,
  /** The resource name or owner is longer than the configured limit. */
  NAME_TOO_LONG,
  /** The owner name is empty. */
  EMPTY_OWNER,
  /** The requested mode is neither shared nor exclusive. */
  UNKNOWN_MODE,
  /** The session does not exist (never opened, closed or expired). */
  UNKNOWN_SESSION,
  /**
   * A keep-alive, close, or acquire or release in a session, without the session's token or with
   * a wrong one.
   */
  SESSION_TOKEN_MISMATCH,
  /** A release by an owner that neither holds nor waits for the resource. */
  NOT_HOLDER,
  /** A negative wait time. */
  BAD_TIMEOUT,
  /** A session TTL outside the configured bounds. */
  BAD_TTL,
  /** A try-lock (or zero wait) found the lock busy. */
  WOULD_BLOCK,
  /** A shared holder asked for exclusive while other holders share the lock. */
  UPGRADE_CONFLICT,
  /** The owner already waits for this resource. */
  ALREADY_WAITING,
  /** Waiting would close a cycle in the wait-for graph; the request was not queued. */
  DEADLOCK,
  /** A configured bound (resources, sessions, waiters, reentrancy) would be exceeded. */
  LIMIT_EXCEEDED,
  /**
   * Not a refusal of the machine: a queued acquire reached its deadline and was timed out by a
   * replicated {@link LockCommand.ExpireWaits} (reported by the lock service).
   */
  TIMED_OUT,
  /**
   * Not a refusal of the machine: a queued acquire ended because its session was closed or
   * expired, or its owner cancelled it (reported by the lock service).
   */
  WAIT_ENDED
}
