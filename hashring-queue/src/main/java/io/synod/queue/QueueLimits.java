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
 * @param groupIdleExpiryMillis a consumer group that holds no message and was handed none for
 *     this long is deleted when a publish finds its topic at the depth limit, so a stray group
 *     cannot pin a topic full; 0 for never (the default)
 */
public record QueueLimits(int maxTopics, int maxGroupsPerTopic, int maxConsumersPerGroup,
    int maxPendingPerGroup, long groupIdleExpiryMillis) {
  /** Checks every value. */
  public QueueLimits {
    if (maxTopics < 1 || maxGroupsPerTopic < 1 || maxConsumersPerGroup < 1
        || maxPendingPerGroup < 1 || groupIdleExpiryMillis < 0) {
      throw new IllegalArgumentException("every queue limit must be positive");
    }
  }

  /**
   * Bounds without idle-group expiry.
   *
   * @param maxTopics topics
   * @param maxGroupsPerTopic groups per topic
   * @param maxConsumersPerGroup consumers per group
   * @param maxPendingPerGroup pending per group
   */
  public QueueLimits(int maxTopics, int maxGroupsPerTopic, int maxConsumersPerGroup,
      int maxPendingPerGroup) {
    this(maxTopics, maxGroupsPerTopic, maxConsumersPerGroup, maxPendingPerGroup, 0);
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
