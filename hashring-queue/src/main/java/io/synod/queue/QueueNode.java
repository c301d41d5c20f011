package io.synod.queue;

import io.synod.queue.ring.HashRing;
import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.QueueRequestHandler;
import io.synod.queue.spi.QueueScheduler;
import io.synod.queue.spi.QueueTransport;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import io.synod.queue.spi.StreamStore;
import io.synod.queue.spi.TopicServers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One queue node: the API node-server's REST layer calls. Any node accepts any request; the node
 * that serves the topic ({@link TopicServers#serverOf}) answers it, and any other node forwards it
 * once through the {@link QueueTransport}.
 *
 * <p>Who serves a topic is pluggable. Over a store every node shares (Redis Streams), the topic's
 * owner on the ring serves it straight from the store ({@link #QueueNode(String, QueueConfig,
 * Supplier, StreamStore, QueueTransport, QueueScheduler, LongSupplier)}). On embedded storage
 * node-server places each topic in a Raft group and the group's leader serves it by proposing the
 * request to the group's {@link QueueMachine} ({@link #QueueNode(String, QueueConfig,
 * TopicServers, QueueTransport)}); nothing is replicated by this class.
 *
 * <p>Thread-safe.
 */
public final class QueueNode implements QueueRequestHandler {
  private final String self;
  private final QueueConfig config;
  private final TopicServers servers;
  private final QueueTransport transport;
  private final QueueCore core;

  /**
   * A node over a store shared by every node: the ring owner of a topic serves it.
   *
   * @param self this node's id, as on the ring
   * @param config settings
   * @param ring the current ring (for example {@code RingView::current})
   * @param store the shared store
   * @param transport the way to the other nodes
   * @param scheduler timers (long polls)
   * @param clock milliseconds
   */
  public QueueNode(String self, QueueConfig config, Supplier<HashRing> ring, StreamStore store,
      QueueTransport transport, QueueScheduler scheduler, LongSupplier clock) {
    this.self = Objects.requireNonNull(self, "self");
    this.config = Objects.requireNonNull(config, "config");
    this.transport = Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(ring, "ring");
    Objects.requireNonNull(store, "store");
    this.core = new QueueCore(config, store, scheduler, clock,
        (topic, rec) -> handle(new QueueRequest.Publish(topic, List.of(rec), 0))
            .thenApply(ids -> ids.get(0)));
    this.servers = new TopicServers() {
      @Override
      public String serverOf(String topic) {
        HashRing r = ring.get();
        return r.isEmpty() ? null : r.ownerOf(topic);
      }

      @Override
      public <R> CompletionStage<R> serve(QueueRequest<R> request) {
        return local(request);
      }
    };
  }

  /**
   * A node whose topics are served where {@code servers} says (node-server's Raft groups).
   *
   * @param self this node's id
   * @param config settings (names and sizes are checked with them)
   * @param servers who serves a topic, and how this node serves one
   * @param transport the way to the other nodes
   */
  public QueueNode(String self, QueueConfig config, TopicServers servers,
      QueueTransport transport) {
    this.self = Objects.requireNonNull(self, "self");
    this.config = Objects.requireNonNull(config, "config");
    this.servers = Objects.requireNonNull(servers, "servers");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.core = null;
  }

  /**
   * This node's id.
   *
   * @return the id
   */
  public String id() {
    return self;
  }

  /**
   * How many vanished consumer groups this node created again (ring-routed nodes over a shared
   * store; 0 otherwise).
   *
   * @return the count
   */
  public long groupsRecreated() {
    return core == null ? 0 : core.groupsRecreated();
  }

  /**
   * The node that serves a topic now.
   *
   * @param topic the topic
   * @return its id, or {@code null} when none is known
   */
  public String ownerOf(String topic) {
    return servers.serverOf(topic);
  }

  // ------------------------------------------------------------------ public API

  /**
   * Publishes one message.
   *
   * @param topic the topic
   * @param payload the bytes
   * @return its id once stored (and replicated)
   */
  public CompletionStage<StreamId> publish(String topic, byte[] payload) {
    return publishBatch(topic, List.of(StreamRecord.of(payload))).thenApply(ids -> ids.get(0));
  }

  /**
   * Publishes one text message (UTF-8).
   *
   * @param topic the topic
   * @param text the text
   * @return its id once stored (and replicated)
   */
  public CompletionStage<StreamId> publish(String topic, String text) {
    return publish(topic, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Publishes a batch, in order.
   *
   * @param topic the topic
   * @param records 1 to {@code maxBatch} messages
   * @return their ids once stored (and replicated)
   */
  public CompletionStage<List<StreamId>> publishBatch(String topic, List<StreamRecord> records) {
    return handle(new QueueRequest.Publish(topic, records == null ? List.of() : records, 0));
  }

  /**
   * Consumes, see {@link QueueCore#consume}.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the consumer
   * @param max most messages
   * @param waitMillis long-poll time, 0 for none
   * @return the deliveries
   */
  public CompletionStage<List<Delivery>> consume(String topic, String group, String consumer,
      int max, long waitMillis) {
    return handle(new QueueRequest.Consume(topic, group, consumer, max, waitMillis, 0));
  }

  /**
   * Acknowledges one message.
   *
   * @param topic the topic
   * @param group the group
   * @param messageId the id
   * @return completes when acknowledged; {@code NOT_FOUND} when it was not pending
   */
  public CompletionStage<Void> ack(String topic, String group, String messageId) {
    return handle(new QueueRequest.Ack(topic, group, List.of(messageId == null ? "" : messageId),
        0)).thenApply(n -> null);
  }

  /**
   * Acknowledges messages.
   *
   * @param topic the topic
   * @param group the group
   * @param ids the ids
   * @return how many were pending
   */
  public CompletionStage<Long> ackAll(String topic, String group, List<String> ids) {
    return handle(new QueueRequest.Ack(topic, group, ids == null ? List.of() : ids, 0));
  }

  /**
   * Gives a message back at once, see {@link QueueCore#nack}.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the holder
   * @param messageId the id
   * @return completes when done
   */
  public CompletionStage<Void> nack(String topic, String group, String consumer,
      String messageId) {
    return handle(new QueueRequest.Nack(topic, group, consumer, messageId, 0));
  }

  /**
   * Extends visibility, see {@link QueueCore#extend}.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the holder
   * @param messageId the id
   * @param millis how long from now
   * @return completes when done
   */
  public CompletionStage<Void> extend(String topic, String group, String consumer,
      String messageId, long millis) {
    return handle(new QueueRequest.Extend(topic, group, consumer, messageId, millis, 0));
  }

  /**
   * Acknowledges deliveries by receipt handle, see {@link QueueCore#ackReceipts}.
   *
   * @param topic the topic
   * @param group the group
   * @param receipts the receipt handles
   * @return how many were current and are now acknowledged
   */
  public CompletionStage<Long> ackReceipts(String topic, String group, List<String> receipts) {
    return handle(new QueueRequest.AckReceipts(topic, group,
        receipts == null ? List.of() : receipts, 0));
  }

  /**
   * Gives a delivery back by receipt handle, see {@link QueueCore#nackReceipt}.
   *
   * @param topic the topic
   * @param group the group
   * @param receipt the receipt handle
   * @return completes when done
   */
  public CompletionStage<Void> nackReceipt(String topic, String group, String receipt) {
    return handle(new QueueRequest.NackReceipt(topic, group, receipt, 0));
  }

  /**
   * Extends a delivery's visibility by receipt handle, see {@link QueueCore#extendReceipt}.
   *
   * @param topic the topic
   * @param group the group
   * @param receipt the receipt handle
   * @param millis how long from now
   * @return completes when done
   */
  public CompletionStage<Void> extendReceipt(String topic, String group, String receipt,
      long millis) {
    return handle(new QueueRequest.ExtendReceipt(topic, group, receipt, millis, 0));
  }

  /**
   * Deletes a consumer group, see {@link QueueCore#deleteGroup}.
   *
   * @param topic the topic
   * @param group the group
   * @return how many messages left the topic with it
   */
  public CompletionStage<Long> deleteGroup(String topic, String group) {
    return handle(new QueueRequest.DeleteGroup(topic, group, 0));
  }

  /**
   * Deletes a consumer that holds no message, see {@link QueueCore#deleteConsumer}.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the consumer
   * @return completes when deleted
   */
  public CompletionStage<Void> deleteConsumer(String topic, String group, String consumer) {
    return handle(new QueueRequest.DeleteConsumer(topic, group, consumer, 0));
  }

  /**
   * Statistics of a topic.
   *
   * @param topic the topic
   * @return the stats
   */
  public CompletionStage<TopicStats> stats(String topic) {
    return handle(new QueueRequest.Stats(topic, 0));
  }

  /**
   * Reads a topic without a group (dead letters: {@code browse(topic + ".dlq", "0-0", n)}).
   *
   * @param topic the topic
   * @param from first id
   * @param max most entries
   * @return the entries
   */
  public CompletionStage<List<StreamEntry>> browse(String topic, String from, int max) {
    return handle(new QueueRequest.Browse(topic, from, max, 0));
  }

  /**
   * Pending list of a group.
   *
   * @param topic the topic
   * @param group the group
   * @param max most entries
   * @return the entries
   */
  public CompletionStage<List<PendingEntry>> pending(String topic, String group, int max) {
    return handle(new QueueRequest.Pending(topic, group, max, 0));
  }

  // ------------------------------------------------------------------ routing

  @Override
  public <R> CompletionStage<R> handle(QueueRequest<R> request) {
    try {
      Objects.requireNonNull(request, "request");
      QueueCore.checkName("topic", request.topic(), config.maxNameLength());
      String server = servers.serverOf(request.topic());
      if (server == null) {
        throw new QueueException(QueueException.Code.UNAVAILABLE,
            "no node serves topic '" + request.topic() + "' right now");
      }
      if (server.equals(self)) {
        return servers.serve(request);
      }
      if (request.hops() >= QueueRequest.MAX_HOPS) {
        throw new QueueException(QueueException.Code.NOT_OWNER, "node " + self
            + " does not serve topic '" + request.topic() + "' (it is " + server + ")");
      }
      return transport.send(server, request.forwarded());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(QueueException.of(e));
    }
  }

  @SuppressWarnings("unchecked")
  private <R> CompletionStage<R> local(QueueRequest<R> request) {
    Object out;
    if (request instanceof QueueRequest.Publish p) {
      out = core.publish(p.topic(), p.records());
    } else if (request instanceof QueueRequest.Consume c) {
      out = core.consume(c.topic(), c.group(), c.consumer(), c.max(), c.waitMillis());
    } else if (request instanceof QueueRequest.Ack a) {
      out = core.ack(a.topic(), a.group(), a.ids());
    } else if (request instanceof QueueRequest.Nack n) {
      out = core.nack(n.topic(), n.group(), n.consumer(), n.id());
    } else if (request instanceof QueueRequest.Extend e) {
      out = core.extend(e.topic(), e.group(), e.consumer(), e.id(), e.millis());
    } else if (request instanceof QueueRequest.Stats s) {
      out = core.stats(s.topic());
    } else if (request instanceof QueueRequest.Browse b) {
      out = core.browse(b.topic(), b.from(), b.max());
    } else if (request instanceof QueueRequest.Pending p) {
      out = core.pending(p.topic(), p.group(), p.max());
    } else if (request instanceof QueueRequest.AckReceipts a) {
      out = core.ackReceipts(a.topic(), a.group(), a.receipts());
    } else if (request instanceof QueueRequest.NackReceipt n) {
      out = core.nackReceipt(n.topic(), n.group(), n.receipt());
    } else if (request instanceof QueueRequest.ExtendReceipt e) {
      out = core.extendReceipt(e.topic(), e.group(), e.receipt(), e.millis());
    } else if (request instanceof QueueRequest.DeleteGroup d) {
      out = core.deleteGroup(d.topic(), d.group());
    } else if (request instanceof QueueRequest.DeleteConsumer d) {
      out = core.deleteConsumer(d.topic(), d.group(), d.consumer());
    } else {
      throw new IllegalStateException("unexpected request " + request);
    }
    return (CompletionStage<R>) out;
  }

  /**
   * Tells a ring-routed node the ring changed: it forgets what it cached about topics (group
   * names, lengths), which another node may have changed while it did not serve them.
   *
   * @param newRing the new ring
   */
  public void onRingChange(HashRing newRing) {
    if (core != null) {
      core.forgetAll();
    }
  }
}
