package io.synod.queue;

import io.synod.queue.memory.InMemoryStreamStore;
import io.synod.queue.memory.StoreOp;
import io.synod.queue.memory.TopicSnapshot;
import io.synod.queue.ring.HashRing;
import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.QueueRequestHandler;
import io.synod.queue.spi.QueueScheduler;
import io.synod.queue.spi.QueueTransport;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import io.synod.queue.spi.StreamStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One queue node: the API node-server's REST layer calls. Any node accepts any request; the
 * topic's owner on the ring serves it, and a non-owner forwards it once through the {@link
 * QueueTransport}.
 *
 * <p>With the embedded {@link InMemoryStreamStore} the node replicates: every change of a topic is
 * shipped to the topic's next {@code replicationFactor - 1} ring successors before the caller's
 * stage completes, so an acknowledged publish (and an acknowledged ack) survives the loss of one
 * node. When the ring changes, the new owner of a topic first fetches every member's copy, keeps
 * the newest, pushes it to its replicas, and only then serves the topic; a node that lost a topic
 * refuses to change its copy. With a shared store (Redis) there is no replication: the owner
 * serves the topic straight from the store.
 *
 * <p>Thread-safe. The owner of the ring must call {@link #onRingChange} after every change.
 */
public final class QueueNode implements QueueRequestHandler {
  private static final Logger LOG = LoggerFactory.getLogger(QueueNode.class);
  private static final int MAX_RETRIES = 40;
  /**
   * How long a replicated change that arrived ahead of its predecessors waits for them before
   * the replica asks for a snapshot instead. Concurrent changes of one topic travel on several
   * connections and overtake each other; waiting a little keeps a snapshot (a copy of the whole
   * topic) for real gaps.
   */
  static final long PARK_MILLIS = 200;
  /** Changes parked per topic at most; beyond it the replica asks for a snapshot at once. */
  static final int MAX_PARKED_PER_TOPIC = 4096;

  private final String self;
  private final QueueConfig config;
  private final Supplier<HashRing> ring;
  private final StreamStore store;
  private final InMemoryStreamStore replicated;
  private final QueueTransport transport;
  private final QueueScheduler scheduler;
  private final QueueCore core;
  /** Topic -> ring epoch at which this node finished taking the topic over. */
  private final Map<String, Long> readyEpoch = new TreeMap<>();
  private final Map<String, Sync> syncing = new TreeMap<>();
  /** Replicated changes waiting for their predecessors, by topic then version; guarded by it. */
  private final Map<String, TreeMap<Long, Parked>> parked = new TreeMap<>();

  private record Parked(StoreOp op, CompletableFuture<Long> answer) {}

  private record Sync(long epoch, CompletableFuture<Void> done) {}

  /**
   * A node.
   *
   * @param self this node's id, as on the ring
   * @param config settings
   * @param ring the current ring (for example {@code RingView::current})
   * @param store this node's store; an {@link InMemoryStreamStore} turns replication on when
   *     {@code replicationFactor > 1}
   * @param transport the way to the other nodes
   * @param scheduler timers
   * @param clock milliseconds
   */
  public QueueNode(String self, QueueConfig config, Supplier<HashRing> ring, StreamStore store,
      QueueTransport transport, QueueScheduler scheduler, LongSupplier clock) {
    this.self = Objects.requireNonNull(self, "self");
    this.config = Objects.requireNonNull(config, "config");
    this.ring = Objects.requireNonNull(ring, "ring");
    this.store = Objects.requireNonNull(store, "store");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.replicated = store instanceof InMemoryStreamStore m && config.replicationFactor() > 1
        ? m : null;
    if (replicated != null) {
      replicated.setReplicator(this::replicate);
      replicated.setWriteGuard(this::owns);
    }
    this.core = new QueueCore(config, store, scheduler, clock,
        (topic, rec) -> handle(new QueueRequest.Publish(topic, List.of(rec), 0))
            .thenApply(ids -> ids.get(0)));
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
   * The core serving this node's topics (for metrics).
   *
   * @return the core
   */
  public QueueCore core() {
    return core;
  }

  /**
   * The owner of a topic on the current ring.
   *
   * @param topic the topic
   * @return the owner's id
   */
  public String ownerOf(String topic) {
    return ring.get().ownerOf(topic);
  }

  private boolean owns(String topic) {
    HashRing r = ring.get();
    return !r.isEmpty() && r.ownerOf(topic).equals(self);
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
  @SuppressWarnings("unchecked")
  public <R> CompletionStage<R> handle(QueueRequest<R> request) {
    try {
      Objects.requireNonNull(request, "request");
      if (request instanceof QueueRequest.Replicate r) {
        return (CompletionStage<R>) onReplicate(r);
      }
      if (request instanceof QueueRequest.InstallSnapshot s) {
        return (CompletionStage<R>) onInstall(s);
      }
      if (request instanceof QueueRequest.FetchSnapshot f) {
        return (CompletionStage<R>) onFetch(f);
      }
      QueueCore.checkName("topic", request.topic(), config.maxNameLength());
      HashRing r = ring.get();
      if (r.isEmpty()) {
        throw new QueueException(QueueException.Code.UNAVAILABLE, "the ring has no nodes");
      }
      String owner = r.ownerOf(request.topic());
      if (owner.equals(self)) {
        return ready(request.topic()).thenCompose(v -> local(request));
      }
      if (request.hops() >= QueueRequest.MAX_HOPS) {
        throw new QueueException(QueueException.Code.NOT_OWNER, "node " + self
            + " does not own topic '" + request.topic() + "' (owner: " + owner + ")");
      }
      return transport.send(owner, request.forwarded());
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
    } else {
      throw new IllegalStateException("unexpected request " + request);
    }
    return (CompletionStage<R>) out;
  }

  // ------------------------------------------------------------------ takeover

  /**
   * Tells the node the ring changed: it takes over, in the background, every topic it holds a
   * copy of and now owns, and forgets cached state of topics it lost.
   *
   * @param newRing the new ring
   */
  public void onRingChange(HashRing newRing) {
    if (replicated == null) {
      return;
    }
    for (String topic : replicated.streams()) {
      if (!newRing.isEmpty() && newRing.ownerOf(topic).equals(self)) {
        ready(topic).whenComplete((v, t) -> {
          if (t != null) {
            LOG.debug("takeover of {} on {} not done yet: {}", topic, self, t.getMessage());
          }
        });
      } else {
        core.forget(topic);
      }
    }
  }

  /** Completes when this node has taken the topic over at the current ring epoch. */
  private CompletionStage<Void> ready(String topic) {
    if (replicated == null) {
      return CompletableFuture.completedFuture(null);
    }
    HashRing r = ring.get();
    CompletableFuture<Void> f;
    synchronized (this) {
      Long at = readyEpoch.get(topic);
      if (at != null && at == r.epoch()) {
        return CompletableFuture.completedFuture(null);
      }
      Sync s = syncing.get(topic);
      if (s != null && s.epoch == r.epoch()) {
        return s.done;
      }
      f = new CompletableFuture<>();
      syncing.put(topic, new Sync(r.epoch(), f));
    }
    core.forget(topic);
    takeOver(topic, r, f, 0);
    return f;
  }

  private void takeOver(String topic, HashRing r, CompletableFuture<Void> done, int attempt) {
    if (ring.get().epoch() != r.epoch() || !owns(topic)) {
      finishSync(topic, r.epoch(), done, new QueueException(QueueException.Code.UNAVAILABLE,
          "the ring changed while node " + self + " was taking over '" + topic + "'"));
      return;
    }
    List<CompletableFuture<Boolean>> fetches = new ArrayList<>();
    for (String node : r.nodes()) {
      if (node.equals(self)) {
        continue;
      }
      fetches.add(transport.send(node, new QueueRequest.FetchSnapshot(topic, self))
          .thenApply(s -> replicated.install(s))
          .exceptionally(t -> false).toCompletableFuture());
    }
    CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new))
        .thenCompose(v -> {
          boolean all = fetches.stream().allMatch(CompletableFuture::join);
          if (!all) {
            return CompletableFuture.completedFuture(false);
          }
          return pushToReplicas(topic, r);
        })
        .whenComplete((ok, t) -> {
          if (t == null && Boolean.TRUE.equals(ok)) {
            finishSync(topic, r.epoch(), done, null);
          } else if (attempt + 1 >= MAX_RETRIES) {
            finishSync(topic, r.epoch(), done, new QueueException(QueueException.Code.UNAVAILABLE,
                "node " + self + " could not collect the copies of topic '" + topic + "'"));
          } else {
            scheduler.schedule(backoff(attempt), () -> takeOver(topic, r, done, attempt + 1));
          }
        });
  }

  private void finishSync(String topic, long epoch, CompletableFuture<Void> done,
      Throwable failure) {
    synchronized (this) {
      Sync s = syncing.get(topic);
      if (s != null && s.done == done) {
        syncing.remove(topic);
      }
      if (failure == null) {
        readyEpoch.put(topic, epoch);
      }
    }
    if (failure == null) {
      done.complete(null);
    } else {
      done.completeExceptionally(failure);
    }
  }

  private CompletionStage<Boolean> pushToReplicas(String topic, HashRing r) {
    List<String> targets = replicaTargets(topic, r);
    if (targets.isEmpty()) {
      return CompletableFuture.completedFuture(true);
    }
    TopicSnapshot snap = replicated.snapshot(topic);
    List<CompletableFuture<Boolean>> sends = new ArrayList<>();
    for (String t : targets) {
      sends.add(transport.send(t, new QueueRequest.InstallSnapshot(topic, self, snap))
          .thenApply(v -> v >= snap.version()).exceptionally(x -> false).toCompletableFuture());
    }
    return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
        .thenApply(v -> sends.stream().allMatch(CompletableFuture::join));
  }

  private List<String> replicaTargets(String topic, HashRing r) {
    List<String> out = new ArrayList<>(r.successors(topic, config.replicationFactor()));
    out.remove(self);
    return out;
  }

  private long backoff(int attempt) {
    return Math.min(500, 10L << Math.min(attempt, 6));
  }

  // ------------------------------------------------------------------ replication, owner side

  private CompletionStage<Void> replicate(String topic, long version, StoreOp op) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    replicateAttempt(topic, version, op, done, 0);
    return done;
  }

  private void replicateAttempt(String topic, long version, StoreOp op,
      CompletableFuture<Void> done, int attempt) {
    HashRing r = ring.get();
    if (!owns(topic)) {
      done.completeExceptionally(new QueueException(QueueException.Code.UNAVAILABLE,
          "node " + self + " lost topic '" + topic + "' before its replicas confirmed a change"));
      return;
    }
    List<String> targets = replicaTargets(topic, r);
    if (targets.isEmpty()) {
      done.complete(null);
      return;
    }
    List<CompletableFuture<Boolean>> sends = new ArrayList<>();
    for (String t : targets) {
      sends.add(transport.send(t, new QueueRequest.Replicate(topic, self, version, op))
          .thenCompose(v -> {
            if (v >= version) {
              return CompletableFuture.completedFuture(true);
            }
            if (v == QueueRequest.NEEDS_SNAPSHOT) {
              TopicSnapshot snap = replicated.snapshot(topic);
              return transport.send(t, new QueueRequest.InstallSnapshot(topic, self, snap))
                  .thenApply(w -> w >= version);
            }
            return CompletableFuture.completedFuture(false);
          })
          .exceptionally(x -> false).toCompletableFuture());
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> {
      if (sends.stream().allMatch(CompletableFuture::join)) {
        done.complete(null);
      } else if (attempt + 1 >= MAX_RETRIES) {
        done.completeExceptionally(new QueueException(QueueException.Code.UNAVAILABLE,
            "replicas of topic '" + topic + "' did not confirm a change"));
      } else {
        scheduler.schedule(backoff(attempt),
            () -> replicateAttempt(topic, version, op, done, attempt + 1));
      }
    });
  }

  // ------------------------------------------------------------------ replication, replica side

  private boolean acceptsFrom(String topic, String from) {
    HashRing r = ring.get();
    return !r.isEmpty() && r.ownerOf(topic).equals(from) && !from.equals(self);
  }

  private CompletionStage<Long> onReplicate(QueueRequest.Replicate r) {
    if (replicated == null || !acceptsFrom(r.topic(), r.from())) {
      return CompletableFuture.completedFuture(QueueRequest.REFUSED);
    }
    List<Runnable> answers = new ArrayList<>();
    CompletableFuture<Long> answer;
    synchronized (parked) {
      if (replicated.applyReplicated(r.topic(), r.version(), r.op())) {
        drainParked(r.topic(), answers);
        answer = CompletableFuture.completedFuture(replicated.version(r.topic()));
      } else {
        // ahead of this copy: its predecessors are most likely still on their way
        TreeMap<Long, Parked> waiting = parked.computeIfAbsent(r.topic(), k -> new TreeMap<>());
        if (waiting.size() >= MAX_PARKED_PER_TOPIC) {
          answer = CompletableFuture.completedFuture(QueueRequest.NEEDS_SNAPSHOT);
        } else {
          answer = new CompletableFuture<>();
          Parked old = waiting.put(r.version(), new Parked(r.op(), answer));
          if (old != null) {
            // a resend of the same change: the newer request waits in its place
            old.answer().completeExceptionally(new QueueException(
                QueueException.Code.UNAVAILABLE, "replaced by a resend"));
          }
          long version = r.version();
          scheduler.schedule(PARK_MILLIS, () -> expireParked(r.topic(), version));
        }
      }
    }
    answers.forEach(Runnable::run);
    return answer;
  }

  /** Applies parked changes that have become next in line; answers them outside the lock. */
  private void drainParked(String topic, List<Runnable> answers) {
    TreeMap<Long, Parked> waiting = parked.get(topic);
    while (waiting != null && !waiting.isEmpty()) {
      Map.Entry<Long, Parked> first = waiting.firstEntry();
      long have = replicated.version(topic);
      if (first.getKey() > have + 1) {
        break;
      }
      waiting.pollFirstEntry();
      replicated.applyReplicated(topic, first.getKey(), first.getValue().op());
      long now = replicated.version(topic);
      CompletableFuture<Long> a = first.getValue().answer();
      answers.add(() -> a.complete(now));
    }
    if (waiting != null && waiting.isEmpty()) {
      parked.remove(topic);
    }
  }

  private void expireParked(String topic, long version) {
    Parked p;
    synchronized (parked) {
      TreeMap<Long, Parked> waiting = parked.get(topic);
      p = waiting == null ? null : waiting.remove(version);
      if (waiting != null && waiting.isEmpty()) {
        parked.remove(topic);
      }
    }
    if (p != null) {
      // the gap did not fill: the owner sends a snapshot
      p.answer().complete(QueueRequest.NEEDS_SNAPSHOT);
    }
  }

  private CompletionStage<Long> onInstall(QueueRequest.InstallSnapshot s) {
    if (replicated == null || !acceptsFrom(s.topic(), s.from())) {
      return CompletableFuture.completedFuture(QueueRequest.REFUSED);
    }
    List<Runnable> answers = new ArrayList<>();
    synchronized (parked) {
      replicated.install(s.snapshot());
      drainParked(s.topic(), answers);
    }
    answers.forEach(Runnable::run);
    return CompletableFuture.completedFuture(replicated.version(s.topic()));
  }

  private CompletionStage<TopicSnapshot> onFetch(QueueRequest.FetchSnapshot f) {
    if (replicated == null) {
      return CompletableFuture.failedFuture(new QueueException(QueueException.Code.UNAVAILABLE,
          "node " + self + " keeps no embedded copies"));
    }
    return CompletableFuture.completedFuture(replicated.snapshot(f.topic()));
  }
}
