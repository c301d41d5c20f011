package io.synod.raft.lock;

/**
 * Bounds of the lock table. Every replica of one group must use equal limits, since they decide
 * which commands are refused.
 *
 * @param maxResources most resources with holders or waiters at once
 * @param maxSessions most open sessions at once
 * @param maxWaitersPerResource longest FIFO queue of one resource
 * @param maxWaiters most queued requests over all resources
 * @param maxHoldCount highest reentrancy count of one hold
 * @param maxNameBytes longest resource or owner name, in UTF-8 bytes
 * @param minTtlMillis shortest session lease
 * @param maxTtlMillis longest session lease
 * @since 1.0
 */
public record LockLimits(
    int maxResources,
    int maxSessions,
    int maxWaitersPerResource,
    int maxWaiters,
    int maxHoldCount,
    int maxNameBytes,
    long minTtlMillis,
    long maxTtlMillis) {

  /** Defaults sized for a lock service in one Raft group. */
  public static final LockLimits DEFAULT =
      new LockLimits(1_000_000, 100_000, 10_000, 1_000_000, 1_000_000, 1024, 100, 3_600_000);

  /** Checks every bound is positive and the TTL range is not empty. */
  public LockLimits {
    LockChecks.check(
        maxResources > 0
            && maxSessions > 0
            && maxWaitersPerResource > 0
            && maxWaiters > 0
            && maxHoldCount > 0
            && maxNameBytes > 0
            && minTtlMillis > 0
            && maxTtlMillis >= minTtlMillis,
        "lock limits must be positive with minTtl <= maxTtl");
  }
}
