package io.synod.raft.lock;

/**
 * The rules of {@link LockStateMachine} that simulations may break on purpose to show their
 * checkers catch it (package-private: reached only through {@link LockTestKit}).
 */
enum Rule {
  /** No bug. */
  CORRECT,
  /** Grants exclusive requests while shared holds exist (breaks mutual exclusion). */
  EXCLUSIVE_OVER_SHARED,
  /** Gives grants the token of the previous grant (breaks fencing monotonicity). */
  REUSE_TOKEN,
  /** Skips the deadlock check (lets cycles form). */
  NO_DEADLOCK_CHECK,
  /** Forgets to free a session's holds when it expires (leaves holds forever). */
  KEEP_HOLDS_ON_EXPIRY
}
