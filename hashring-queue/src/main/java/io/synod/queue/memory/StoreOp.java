package io.synod.queue.memory;

import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.util.List;

/**
 * One state change of a stream in the in-memory store, with every choice already made (ids,
 * times), so that applying it is deterministic: the owner applies it and ships it unchanged to
 * the replicas, which apply it to their copies.
 */
public sealed interface StoreOp {
  /**
   * Creates a group at the start of the stream.
   *
   * @param group the group
   */
  record CreateGroup(String group) implements StoreOp {}

  /**
   * Appends entries with given ids.
   *
   * @param ids the ids, strictly increasing and above the stream's last id
   * @param records the records, parallel to ids
   */
  record Append(List<StreamId> ids, List<StreamRecord> records) implements StoreOp {
    /** Copies. */
    public Append {
      ids = List.copyOf(ids);
      records = List.copyOf(records);
    }
  }

  /**
   * First delivery of new entries to a consumer.
   *
   * @param group the group
   * @param consumer the consumer
   * @param ids the delivered ids, in order
   * @param now the delivery time
   */
  record Deliver(String group, String consumer, List<StreamId> ids, long now) implements StoreOp {
    /** Copies. */
    public Deliver {
      ids = List.copyOf(ids);
    }
  }

  /**
   * Redelivery of idle pending entries, and removal of pending ids whose entries are gone.
   *
   * @param group the group
   * @param consumer the new owner
   * @param claimed the claimed ids
   * @param deleted pending ids to drop
   * @param now the delivery time
   */
  record Claim(String group, String consumer, List<StreamId> claimed, List<StreamId> deleted,
      long now) implements StoreOp {
    /** Copies. */
    public Claim {
      claimed = List.copyOf(claimed);
      deleted = List.copyOf(deleted);
    }
  }

  /**
   * Sets the last delivery time of pending entries without counting a delivery.
   *
   * @param group the group
   * @param consumer the consumer that holds them afterwards
   * @param ids the pending ids
   * @param deliveryTime the new last delivery time
   */
  record SetIdle(String group, String consumer, List<StreamId> ids, long deliveryTime)
      implements StoreOp {
    /** Copies. */
    public SetIdle {
      ids = List.copyOf(ids);
    }
  }

  /**
   * Acknowledges pending entries.
   *
   * @param group the group
   * @param ids the ids
   */
  record Ack(String group, List<StreamId> ids) implements StoreOp {
    /** Copies. */
    public Ack {
      ids = List.copyOf(ids);
    }
  }

  /**
   * Removes entries (delete or trim).
   *
   * @param ids the ids
   */
  record Remove(List<StreamId> ids) implements StoreOp {
    /** Copies. */
    public Remove {
      ids = List.copyOf(ids);
    }
  }

  /**
   * A group deleted.
   *
   * @param group the group
   */
  record DeleteGroup(String group) implements StoreOp {}

  /**
   * A consumer without pending entries deleted from a group.
   *
   * @param group the group
   * @param consumer the consumer
   */
  record DeleteConsumer(String group, String consumer) implements StoreOp {}
}
