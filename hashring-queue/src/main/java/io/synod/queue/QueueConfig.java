package io.synod.queue;

/**
 * Queue settings. Use {@link #defaults()} and the {@code with...} methods.
 *
 * @param visibilityTimeoutMillis how long a delivered message stays invisible to other consumers
 *     of its group before it is delivered again, must be positive (default 30 s)
 * @param maxDeliveries deliveries before a message moves to {@code <topic>.dlq}, must be positive
 *     (default 5)
 * @param maxBatch most messages per publish or consume, must be positive (default 1000)
 * @param maxWaitMillis longest long poll, must be at least 0 (default 30 s)
 * @param longPollRecheckMillis how often a waiting long poll looks again for redeliveries, must be
 *     positive (default 1 s)
 * @param maxNameLength longest topic, group or consumer name (default 255)
 * @param maxPayloadBytes largest payload (default 1 MiB)
 * @param retentionMaxLength entries a topic holds at most (its depth limit); an entry leaves the
 *     topic as soon as every consumer group has acknowledged it (work-queue retention), so this
 *     counts only what some group still needs; a publish past it is refused with {@code
 *     QUEUE_FULL} naming the counts (default 1,000,000)
 * @param retentionMaxAgeMillis the age limit: entries older than this leave the topic even when a
 *     group has not read them, except one a consumer holds ({@code Long.MAX_VALUE}: no limit, the
 *     default)
 * @param replicationFactor copies of each topic with the embedded store, owner included, must be
 *     positive (default 2)
 * @param maxWaitersPerTopic long polls parked per topic at most (default 10,000)
 * @param limits bounds on topics, groups, consumers and pending messages
 */
public record QueueConfig(long visibilityTimeoutMillis, int maxDeliveries, int maxBatch,
    long maxWaitMillis, long longPollRecheckMillis, int maxNameLength, int maxPayloadBytes,
    long retentionMaxLength, long retentionMaxAgeMillis, int replicationFactor,
    int maxWaitersPerTopic, QueueLimits limits) {

  /** Checks every value. */
  public QueueConfig {
    positive(visibilityTimeoutMillis, "visibilityTimeoutMillis");
    positive(maxDeliveries, "maxDeliveries");
    positive(maxBatch, "maxBatch");
    if (maxWaitMillis < 0) {
      throw new IllegalArgumentException("maxWaitMillis must be >= 0");
    }
    positive(longPollRecheckMillis, "longPollRecheckMillis");
    positive(maxNameLength, "maxNameLength");
    positive(maxPayloadBytes, "maxPayloadBytes");
    positive(retentionMaxLength, "retentionMaxLength");
    positive(retentionMaxAgeMillis, "retentionMaxAgeMillis");
    positive(replicationFactor, "replicationFactor");
    positive(maxWaitersPerTopic, "maxWaitersPerTopic");
    java.util.Objects.requireNonNull(limits, "limits");
  }

  private static void positive(long v, String name) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + v);
    }
  }

  /**
   * The defaults.
   *
   * @return the default config
   */
  public static QueueConfig defaults() {
    return new QueueConfig(30_000, 5, 1000, 30_000, 1000, 255, 1 << 20, 1_000_000,
        Long.MAX_VALUE, 2, 10_000, QueueLimits.defaults());
  }

  /**
   * With another visibility timeout.
   *
   * @param millis positive
   * @return a new config
   */
  public QueueConfig withVisibilityTimeoutMillis(long millis) {
    return new QueueConfig(millis, maxDeliveries, maxBatch, maxWaitMillis, longPollRecheckMillis,
        maxNameLength, maxPayloadBytes, retentionMaxLength, retentionMaxAgeMillis,
        replicationFactor, maxWaitersPerTopic, limits);
  }

  /**
   * With another delivery limit.
   *
   * @param n positive
   * @return a new config
   */
  public QueueConfig withMaxDeliveries(int n) {
    return new QueueConfig(visibilityTimeoutMillis, n, maxBatch, maxWaitMillis,
        longPollRecheckMillis, maxNameLength, maxPayloadBytes, retentionMaxLength,
        retentionMaxAgeMillis, replicationFactor, maxWaitersPerTopic, limits);
  }

  /**
   * With other retention limits.
   *
   * @param maxLength positive
   * @param maxAgeMillis positive
   * @return a new config
   */
  public QueueConfig withRetention(long maxLength, long maxAgeMillis) {
    return new QueueConfig(visibilityTimeoutMillis, maxDeliveries, maxBatch, maxWaitMillis,
        longPollRecheckMillis, maxNameLength, maxPayloadBytes, maxLength, maxAgeMillis,
        replicationFactor, maxWaitersPerTopic, limits);
  }

  /**
   * With another replication factor.
   *
   * @param r positive
   * @return a new config
   */
  public QueueConfig withReplicationFactor(int r) {
    return new QueueConfig(visibilityTimeoutMillis, maxDeliveries, maxBatch, maxWaitMillis,
        longPollRecheckMillis, maxNameLength, maxPayloadBytes, retentionMaxLength,
        retentionMaxAgeMillis, r, maxWaitersPerTopic, limits);
  }

  /**
   * With another long-poll recheck period.
   *
   * @param millis positive
   * @return a new config
   */
  public QueueConfig withLongPollRecheckMillis(long millis) {
    return new QueueConfig(visibilityTimeoutMillis, maxDeliveries, maxBatch, maxWaitMillis,
        millis, maxNameLength, maxPayloadBytes, retentionMaxLength, retentionMaxAgeMillis,
        replicationFactor, maxWaitersPerTopic, limits);
  }

  /**
   * With other bounds.
   *
   * @param l the limits
   * @return a new config
   */
  public QueueConfig withLimits(QueueLimits l) {
    return new QueueConfig(visibilityTimeoutMillis, maxDeliveries, maxBatch, maxWaitMillis,
        longPollRecheckMillis, maxNameLength, maxPayloadBytes, retentionMaxLength,
        retentionMaxAgeMillis, replicationFactor, maxWaitersPerTopic, l);
  }
}
