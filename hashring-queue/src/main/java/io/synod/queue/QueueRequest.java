package io.synod.queue;

import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.util.List;

/**
 * A request between queue nodes, typed by its answer. Client requests carry a hop count: a node
 * that does not own the topic forwards a request with 0 hops once, with 1 hop, and refuses a
 * request that has been forwarded already ({@code NOT_OWNER}), so nothing is forwarded twice.
 *
 * @param <R> the answer type
 */
public sealed interface QueueRequest<R> {
  /** Most hops a request may have made. */
  int MAX_HOPS = 1;

  /**
   * The topic it is about.
   *
   * @return the topic
   */
  String topic();

  /**
   * How many times it was forwarded.
   *
   * @return hops
   */
  int hops();

  /**
   * The same request one hop further.
   *
   * @return the forwarded copy
   */
  QueueRequest<R> forwarded();

  /**
   * Publish a batch.
   *
   * @param topic the topic
   * @param records the messages
   * @param hops hops so far
   */
  record Publish(String topic, List<StreamRecord> records, int hops)
      implements QueueRequest<List<StreamId>> {
    /** Copies. */
    public Publish {
      records = List.copyOf(records);
    }

    @Override
    public Publish forwarded() {
      return new Publish(topic, records, hops + 1);
    }
  }

  /**
   * Consume.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the consumer
   * @param max most messages
   * @param waitMillis long-poll time
   * @param hops hops so far
   */
  record Consume(String topic, String group, String consumer, int max, long waitMillis, int hops)
      implements QueueRequest<List<Delivery>> {
    @Override
    public Consume forwarded() {
      return new Consume(topic, group, consumer, max, waitMillis, hops + 1);
    }
  }

  /**
   * Acknowledge.
   *
   * @param topic the topic
   * @param group the group
   * @param ids message ids
   * @param hops hops so far
   */
  record Ack(String topic, String group, List<String> ids, int hops) implements QueueRequest<Long> {
    /** Copies. */
    public Ack {
      ids = List.copyOf(ids);
    }

    @Override
    public Ack forwarded() {
      return new Ack(topic, group, ids, hops + 1);
    }
  }

  /**
   * Give a message back.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the holder
   * @param id the message id
   * @param hops hops so far
   */
  record Nack(String topic, String group, String consumer, String id, int hops)
      implements QueueRequest<Void> {
    @Override
    public Nack forwarded() {
      return new Nack(topic, group, consumer, id, hops + 1);
    }
  }

  /**
   * Extend visibility.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the holder
   * @param id the message id
   * @param millis how long from now
   * @param hops hops so far
   */
  record Extend(String topic, String group, String consumer, String id, long millis, int hops)
      implements QueueRequest<Void> {
    @Override
    public Extend forwarded() {
      return new Extend(topic, group, consumer, id, millis, hops + 1);
    }
  }

  /**
   * Topic statistics.
   *
   * @param topic the topic
   * @param hops hops so far
   */
  record Stats(String topic, int hops) implements QueueRequest<TopicStats> {
    @Override
    public Stats forwarded() {
      return new Stats(topic, hops + 1);
    }
  }

  /**
   * Read entries without a group.
   *
   * @param topic the topic
   * @param from first id
   * @param max most entries
   * @param hops hops so far
   */
  record Browse(String topic, String from, int max, int hops)
      implements QueueRequest<List<StreamEntry>> {
    @Override
    public Browse forwarded() {
      return new Browse(topic, from, max, hops + 1);
    }
  }

  /**
   * Pending list of a group.
   *
   * @param topic the topic
   * @param group the group
   * @param max most entries
   * @param hops hops so far
   */
  record Pending(String topic, String group, int max, int hops)
      implements QueueRequest<List<PendingEntry>> {
    @Override
    public Pending forwarded() {
      return new Pending(topic, group, max, hops + 1);
    }
  }

  /**
   * Acknowledge by receipt handles (only current deliveries are acknowledged).
   *
   * @param topic the topic
   * @param group the group
   * @param receipts receipt handles
   * @param hops hops so far
   */
  record AckReceipts(String topic, String group, List<String> receipts, int hops)
      implements QueueRequest<Long> {
    /** Copies. */
    public AckReceipts {
      receipts = List.copyOf(receipts);
    }

    @Override
    public AckReceipts forwarded() {
      return new AckReceipts(topic, group, receipts, hops + 1);
    }
  }

  /**
   * Give a delivery back by receipt handle.
   *
   * @param topic the topic
   * @param group the group
   * @param receipt the receipt handle
   * @param hops hops so far
   */
  record NackReceipt(String topic, String group, String receipt, int hops)
      implements QueueRequest<Void> {
    @Override
    public NackReceipt forwarded() {
      return new NackReceipt(topic, group, receipt, hops + 1);
    }
  }

  /**
   * Extend a delivery's visibility by receipt handle.
   *
   * @param topic the topic
   * @param group the group
   * @param receipt the receipt handle
   * @param millis how long from now
   * @param hops hops so far
   */
  record ExtendReceipt(String topic, String group, String receipt, long millis, int hops)
      implements QueueRequest<Void> {
    @Override
    public ExtendReceipt forwarded() {
      return new ExtendReceipt(topic, group, receipt, millis, hops + 1);
    }
  }

  /**
   * Delete a consumer group.
   *
   * @param topic the topic
   * @param group the group
   * @param hops hops so far
   */
  record DeleteGroup(String topic, String group, int hops) implements QueueRequest<Long> {
    @Override
    public DeleteGroup forwarded() {
      return new DeleteGroup(topic, group, hops + 1);
    }
  }

  /**
   * Delete a consumer that holds no message.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the consumer
   * @param hops hops so far
   */
  record DeleteConsumer(String topic, String group, String consumer, int hops)
      implements QueueRequest<Void> {
    @Override
    public DeleteConsumer forwarded() {
      return new DeleteConsumer(topic, group, consumer, hops + 1);
    }
  }
}
