package io.synod.queue;

/**
 * Bounds on the tables a client can grow, so no client can exhaust a node's memory by naming new
 * topics, groups or consumers or by reading without acknowledging. A request that would pass one
 * is refused with {@link QueueException.Code#LIMIT_REACHED} and changes nothing. The memory each
 * unit costs is listed in node-server's README.
 *
 * @param maxTopics topics (dead-letter topics included) one queue state holds: one Raft group's
 *     machine on embedded storage; not enforced on Redis, where topics live in Redis (default
 *     100,000)
 * @param maxGroupsPerTopic consumer groups per topic (default 100)
 * @param maxConsumersPerGroup consumers registered in one group (default 1,000)
 * @param maxPendingPerGroup messages delivered and not acknowledged in one group; new messages
 *     are not delivered past it (default 100,000)
 */
public record QueueLimits(int maxTopics, int maxGroupsPerTopic, int maxConsumersPerGroup,
    int maxPendingPerGroup) {
  /** Checks every value. */
  public QueueLimits {
    if (maxTopics < 1 || maxGroupsPerTopic < 1 || maxConsumersPerGroup < 1
        || maxPendingPerGroup < 1) {
      throw new IllegalArgumentException("every queue limit must be positive");
    }
  }

  /**
   * The defaults.
   *
   * @return the default limits
   */
  public static QueueLimits defaults() {
    return new QueueLimits(100_000, 100, 1_000, 100_000);
  }
}
