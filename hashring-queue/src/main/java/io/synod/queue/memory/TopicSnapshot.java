package io.synod.queue.memory;

import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.util.List;

/**
 * A full copy of one stream of the in-memory store, sent to a replica that fell behind or to a
 * node that takes a stream over. Immutable.
 *
 * @param stream the stream key
 * @param version how many operations produced this state
 * @param lastId the last id ever appended, or null
 * @param entries the entries in id order
 * @param groups the groups in name order
 */
public record TopicSnapshot(String stream, long version, StreamId lastId, List<Entry> entries,
    List<Group> groups) {
  /** Copies. */
  public TopicSnapshot {
    entries = List.copyOf(entries);
    groups = List.copyOf(groups);
  }

  /**
   * A stored entry.
   *
   * @param id the id
   * @param record the record
   */
  public record Entry(StreamId id, StreamRecord record) {}

  /**
   * A group.
   *
   * @param name the name
   * @param lastDelivered last id delivered by a read of new entries
   * @param consumers known consumers, sorted
   * @param pending the pending list in id order
   * @param lastActive store time of the group's last read, claim, ack, nack or extend (or its
   *     creation); idle-group expiry measures from it ({@code Long.MAX_VALUE}: unknown, never
   *     idle until used again)
   */
  public record Group(String name, StreamId lastDelivered, List<String> consumers,
      List<Pending> pending, long lastActive) {
    /** Copies. */
    public Group {
      consumers = List.copyOf(consumers);
      pending = List.copyOf(pending);
    }

    /**
     * A group without an activity time (an old snapshot).
     *
     * @param name the name
     * @param lastDelivered last id delivered
     * @param consumers consumers
     * @param pending pending list
     */
    public Group(String name, StreamId lastDelivered, List<String> consumers,
        List<Pending> pending) {
      this(name, lastDelivered, consumers, pending, Long.MAX_VALUE);
    }
  }

  /**
   * A pending entry.
   *
   * @param id the id
   * @param consumer its consumer
   * @param deliveryTime last delivery time (store clock)
   * @param deliveryCount deliveries so far
   */
  public record Pending(StreamId id, String consumer, long deliveryTime, long deliveryCount) {}
}
