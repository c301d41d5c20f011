package io.synod.queue;

import java.util.List;

/**
 * Figures of one topic.
 *
 * @param topic the topic
 * @param length entries stored
 * @param groups one entry per consumer group, sorted by name
 */
public record TopicStats(String topic, long length, List<GroupStats> groups) {
  /** Copies. */
  public TopicStats {
    groups = List.copyOf(groups);
  }

  /**
   * Figures of one consumer group.
   *
   * @param group the group
   * @param consumers consumers seen
   * @param pending delivered, not acknowledged
   * @param oldestPendingAgeMillis age of the oldest pending message since it was published (0
   *     when none)
   * @param lag messages not yet delivered to the group (-1 when the store cannot tell)
   * @param redeliveries deliveries after the first, made by this node since it started serving
   *     the topic
   * @param deadLettered messages moved to the dead-letter topic by this node
   */
  public record GroupStats(String group, long consumers, long pending,
      long oldestPendingAgeMillis, long lag, long redeliveries, long deadLettered) {}
}
