package io.synod.queue.spi;

/**
 * A consumer group as the store sees it.
 *
 * @param name the group name
 * @param consumers consumers known to the group
 * @param pending entries delivered and not acknowledged
 * @param lastDeliveredId the last id handed out by a read of new entries ({@link StreamId#MIN}
 *     when none)
 * @param oldestPendingId the smallest pending id, or null when nothing is pending
 * @param lag entries after {@code lastDeliveredId} not yet delivered; -1 when the store cannot
 *     tell
 * @param idleMillis time since the group was last handed a message (a read or claim that
 *     returned entries, a nack or extend, a consumer's registration, the group's creation); on
 *     Redis the least idle time of its consumers, {@code Long.MAX_VALUE} for a group without
 *     consumers; -1 when the store cannot tell
 */
public record GroupInfo(String name, long consumers, long pending, StreamId lastDeliveredId,
    StreamId oldestPendingId, long lag, long idleMillis) {
  /**
   * Without an idle time (unknown: never expired as idle).
   *
   * @param name the group name
   * @param consumers consumers
   * @param pending pending entries
   * @param lastDeliveredId last delivered id
   * @param oldestPendingId oldest pending id or null
   * @param lag undelivered entries or -1
   */
  public GroupInfo(String name, long consumers, long pending, StreamId lastDeliveredId,
      StreamId oldestPendingId, long lag) {
    this(name, consumers, pending, lastDeliveredId, oldestPendingId, lag, -1);
  }
}
