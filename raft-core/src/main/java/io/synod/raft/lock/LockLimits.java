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
 * @param maxHoldersPerResource most holders of one resource at once (shared holds); a request
 *     that would be granted beyond it is refused, and queued requests wait until one leaves
 * @param maxHoldsPerSession most holds and queued requests of one session's holders together
 *     (owner-only holders have no session; {@code maxHoldersPerResource} and {@code
 *     maxResources} bound them)
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
    long maxTtlMillis,
    int maxHoldersPerResource,
    int maxHoldsPerSession) {

  /** Default of {@link #maxHoldersPerResource()}. */
  public static final int DEFAULT_MAX_HOLDERS_PER_RESOURCE = 10_000;

  /** Default of {@link #maxHoldsPerSession()}. */
  public static final int DEFAULT_MAX_HOLDS_PER_SESSION = 10_000;

  /** Defaults sized for a lock service in one Raft group. */
  public static final LockLimits DEFAULT =
      new LockLimits(1_000_000, 100_000, 10_000, 1_000_000, 1_000_000, 1024, 100, 3_600_000,
          DEFAULT_MAX_HOLDERS_PER_RESOURCE, DEFAULT_MAX_HOLDS_PER_SESSION);

  /**
   * Limits with the default {@link #maxHoldersPerResource()} and {@link #maxHoldsPerSession()}.
   *
   * @param maxResources most resources with holders or waiters at once
   * @param maxSessions most open sessions at once
   * @param maxWaitersPerResource longest FIFO queue of one resource
   * @param maxWaiters most queued requests over all resources
   * @param maxHoldCount highest reentrancy count of one hold
   * @param maxNameBytes longest resource or owner name, in UTF-8 bytes
   * @param minTtlMillis shortest session lease
   * @param maxTtlMillis longest session lease
   */
  public LockLimits(int maxResources, int maxSessions, int maxWaitersPerResource, int maxWaiters,
      int maxHoldCount, int maxNameBytes, long minTtlMillis, long maxTtlMillis) {
    this(maxResources, maxSessions, maxWaitersPerResource, maxWaiters, maxHoldCount,
        maxNameBytes, minTtlMillis, maxTtlMillis, DEFAULT_MAX_HOLDERS_PER_RESOURCE,
        DEFAULT_MAX_HOLDS_PER_SESSION);
  }

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
            && maxTtlMillis >= minTtlMillis
            && maxHoldersPerResource > 0
            && maxHoldsPerSession > 0,
        "lock limits must be positive with minTtl <= maxTtl");
  }
}
