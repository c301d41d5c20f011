package io.synod.queue;

import io.synod.queue.spi.AckResult;
import io.synod.queue.spi.ClaimResult;
import io.synod.queue.spi.GroupInfo;
import io.synod.queue.spi.LeaseChange;
import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.QueueScheduler;
import io.synod.queue.spi.Receipt;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamInfo;
import io.synod.queue.spi.StreamRecord;
import io.synod.queue.spi.StreamStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue semantics of the topics one node serves, over any {@link StreamStore}: consumer groups
 * created on first use, visibility timeout and redelivery, delivery counts, dead letters after
 * {@code maxDeliveries}, nack, extend, long polls, batch publish, retention that never drops an
 * unacknowledged message, and statistics. Routing is not its business: {@link QueueNode} calls it
 * only for topics this node owns.
 *
 * <p>Thread-safe. Time comes from the injected clock and timers from the injected scheduler, so a
 * simulation replays a seed exactly. Every request is validated first; a refused request changes
 * nothing.
 */
public final class QueueCore {
  /** Suffix of dead-letter topics. */
  public static final String DLQ_SUFFIX = ".dlq";
  /** Header names written on dead letters, with the history of the message. */
  public static final String H_TOPIC = "x-dlq-topic";
  /** Group the message died in. */
  public static final String H_GROUP = "x-dlq-group";
  /** Original message id. */
  public static final String H_ORIGINAL_ID = "x-dlq-original-id";
  /** Deliveries made. */
  public static final String H_DELIVERIES = "x-dlq-deliveries";
  /** The consumer whose consume found it over the delivery limit. */
  public static final String H_FOUND_BY = "x-dlq-found-by";
  /** Publish time (ms). */
  public static final String H_PUBLISHED_AT = "x-dlq-published-at";
  /** Time of the move (ms). */
  public static final String H_DEAD_AT = "x-dlq-dead-at";
  /** Why it moved. */
  public static final String H_REASON = "x-dlq-reason";

  private static final Logger LOG = LoggerFactory.getLogger(QueueCore.class);
  private static final int CLAIM_ROUNDS = 16;

  private final QueueConfig config;
  private final StreamStore store;
  private final QueueScheduler scheduler;
  private final LongSupplier clock;
  private final BiFunction<String, StreamRecord, CompletionStage<StreamId>> deadLetterSink;
  private final TreeSet<String> knownGroups = new TreeSet<>();
  private final TreeSet<String> knownConsumers = new TreeSet<>();
  private final Map<String, List<Runnable>> waiters = new TreeMap<>();
  private final Map<String, Counters> counters = new TreeMap<>();
  private final Map<String, Long> knownLength = new TreeMap<>();
  /** When the age limit must next look at a topic (its head's id time plus the age limit). */
  private final Map<String, Long> ageCheckAt = new TreeMap<>();
  private final java.util.concurrent.atomic.AtomicLong groupsRecreated =
      new java.util.concurrent.atomic.AtomicLong();
  private long expiredCount;
  private long groupsExpired;

  private static final class Counters {
    long redeliveries;
    long deadLettered;
  }

  /**
   * A core.
   *
   * @param config settings
   * @param store where messages live
   * @param scheduler timers for long polls
   * @param clock milliseconds
   * @param deadLetterSink appends a dead letter to a dead-letter topic, wherever that topic lives
   *     (a node routes it to its owner); null to append to {@code store} directly
   */
  public QueueCore(QueueConfig config, StreamStore store, QueueScheduler scheduler,
      LongSupplier clock, BiFunction<String, StreamRecord, CompletionStage<StreamId>>
      deadLetterSink) {
    this.config = Objects.requireNonNull(config, "config");
    this.store = Objects.requireNonNull(store, "store");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.deadLetterSink = deadLetterSink != null ? deadLetterSink
        : (topic, rec) -> store.append(topic, List.of(rec)).thenApply(ids -> ids.get(0));
  }

  /**
   * The settings.
   *
   * @return the config
   */
  public QueueConfig config() {
    return config;
  }

  // ------------------------------------------------------------------ validation

  /**
   * Checks a topic, group or consumer name.
   *
   * @param what what the name is, for the message
   * @param name the name
   * @param maxLength the limit
   * @throws QueueException with {@code INVALID_ARGUMENT} when empty, too long or with control
   *     characters
   */
  public static void checkName(String what, String name, int maxLength) {
    if (name == null || name.isEmpty()) {
      throw new QueueException(QueueException.Code.INVALID_ARGUMENT, what + " must not be empty");
    }
    if (name.length() > maxLength) {
      throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
          what + " longer than " + maxLength + " characters");
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
            what + " must not contain control characters");
      }
    }
  }

  private void name(String what, String name) {
    checkName(what, name, config.maxNameLength());
  }

  /**
   * Parses a message id.
   *
   * @param id the text
   * @return the id
   * @throws QueueException with {@code INVALID_ARGUMENT} when malformed
   */
  public static StreamId parseId(String id) {
    try {
      return StreamId.parse(id);
    } catch (IllegalArgumentException e) {
      throw new QueueException(QueueException.Code.INVALID_ARGUMENT, e.getMessage());
    }
  }

  private static <T> CompletionStage<T> fail(Throwable t) {
    return CompletableFuture.failedFuture(QueueException.of(t));
  }

  private static <T> CompletionStage<T> guard(java.util.function.Supplier<CompletionStage<T>> s) {
    try {
      return s.get().handle((v, t) -> {
        if (t != null) {
          throw QueueException.of(t);
        }
        return v;
      });
    } catch (RuntimeException e) {
      return fail(e);
    }
  }

  private synchronized Counters counters(String topic, String group) {
    return counters.computeIfAbsent(topic + '\u0000' + group, k -> new Counters());
  }

  // ------------------------------------------------------------------ publish

  /**
   * Publishes messages in order; the stage completes once the store holds them (replicated
   * where the store replicates) and gives their ids in order.
   *
   * @param topic the topic
   * @param records one to {@code maxBatch} records
   * @return the ids
   */
  public CompletionStage<List<StreamId>> publish(String topic, List<StreamRecord> records) {
    return guard(() -> {
      name("topic", topic);
      if (records == null || records.isEmpty() || records.size() > config.maxBatch()) {
        throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
            "a publish carries 1 to " + config.maxBatch() + " messages");
      }
      for (StreamRecord r : records) {
        if (r == null || r.payload().length > config.maxPayloadBytes()) {
          throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
              "message larger than " + config.maxPayloadBytes() + " bytes");
        }
      }
      return makeRoom(topic, records.size())
          .thenCompose(v -> store.append(topic, records))
          .thenApply(ids -> {
            synchronized (this) {
              knownLength.merge(topic, (long) ids.size(), Long::sum);
            }
            wake(topic);
            return ids;
          });
    });
  }

  /** Trims acknowledged entries when the topic is at its limits; refuses when it cannot. */
  private CompletionStage<Void> makeRoom(String topic, int incoming) {
    long known;
    synchronized (this) {
      known = knownLength.getOrDefault(topic, -1L);
    }
    boolean ageCheck;
    synchronized (this) {
      ageCheck = config.retentionMaxAgeMillis() != Long.MAX_VALUE
          && (known < 0 || clock.getAsLong() >= ageCheckAt.getOrDefault(topic, Long.MIN_VALUE));
    }
    if (known >= 0 && known + incoming <= config.retentionMaxLength() && !ageCheck) {
      return CompletableFuture.completedFuture(null);
    }
    if (known >= 0 && !ageCheck && hasKnownGroup(topic)) {
      // fast path: trim acknowledged entries without reading the stream's info
      long keep = Math.max(0, config.retentionMaxLength() - incoming);
      return store.trim(topic, keep, StreamId.MIN).thenCompose(removed -> {
        long now;
        synchronized (this) {
          now = knownLength.merge(topic, -removed, Long::sum);
        }
        return now + incoming <= config.retentionMaxLength()
            ? CompletableFuture.<Void>completedFuture(null) : checkRoom(topic, incoming);
      });
    }
    return checkRoom(topic, incoming);
  }

  private synchronized boolean hasKnownGroup(String topic) {
    String prefix = topic + '\u0000';
    String next = knownGroups.ceiling(prefix);
    return next != null && next.startsWith(prefix);
  }

  private CompletionStage<Void> checkRoom(String topic, int incoming) {
    return store.info(topic).thenCompose(info -> {
      long minAgeId = config.retentionMaxAgeMillis() == Long.MAX_VALUE ? 0
          : Math.max(0, clock.getAsLong() - config.retentionMaxAgeMillis());
      boolean overLength = info.length() + incoming > config.retentionMaxLength();
      boolean tooOld = info.firstId() != null && info.firstId().ms() < minAgeId;
      if (config.retentionMaxAgeMillis() != Long.MAX_VALUE) {
        long now = clock.getAsLong();
        long age = config.retentionMaxAgeMillis();
        // look again when the head turns too old; after an expiry (the head may be leased)
        // within a second, not on every publish
        long next = tooOld ? now + Math.min(age, 1000)
            : info.firstId() == null ? now + age : info.firstId().ms() + age;
        synchronized (this) {
          ageCheckAt.put(topic, next);
        }
      }
      CompletionStage<Long> expired = !tooOld ? CompletableFuture.completedFuture(0L)
          : store.expire(topic, new StreamId(minAgeId, 0)).thenApply(n -> {
            if (n > 0) {
              synchronized (this) {
                expiredCount += n;
              }
              LOG.info("expired {} messages of topic '{}' older than {} ms", n, topic,
                  config.retentionMaxAgeMillis());
            }
            return n;
          });
      return expired.thenCompose(gone -> {
        long before = info.length() - gone;
        if (before + incoming <= config.retentionMaxLength() || info.groups().isEmpty()) {
          return CompletableFuture.completedFuture(before);
        }
        return expireIdleGroups(topic, info).thenApply(freed -> before - freed);
      }).thenCompose(length -> {
        if (length + incoming <= config.retentionMaxLength() || info.groups().isEmpty()) {
          // without a group nothing has been consumed yet: every entry is still needed
          return finishRoom(topic, length, incoming);
        }
        // acknowledged entries leave at their ack (settle); this catches those a deleted
        // group had pinned, at the head
        long keep = Math.max(0, config.retentionMaxLength() - incoming);
        return store.trim(topic, keep, StreamId.MIN)
            .thenCompose(removed -> finishRoom(topic, length - removed, incoming));
      });
    });
  }

  /**
   * Idle-group expiry: at the depth limit, groups that hold no message and were handed none for
   * {@code groupIdleExpiryMillis} are deleted (and what only they needed swept), so a stray
   * group cannot pin a topic full. "Handed" is what both stores can tell alike: Redis 7.0
   * refreshes a consumer's idle time on a read or claim that returns entries (and on its
   * creation), not on an empty read or an ack.
   */
  private CompletionStage<Long> expireIdleGroups(String topic, StreamInfo info) {
    long limit = config.limits().groupIdleExpiryMillis();
    CompletionStage<Long> chain = CompletableFuture.completedFuture(0L);
    if (limit <= 0) {
      return chain;
    }
    for (GroupInfo g : info.groups()) {
      // a group that holds messages is never expired: its leases would be lost with it
      if (g.idleMillis() >= limit && g.pending() == 0) {
        chain = chain.thenCompose(n -> {
          LOG.info("consumer group '{}' of topic '{}' unused for {} ms: deleted (idle-group"
              + " expiry)", g.name(), topic, g.idleMillis());
          synchronized (this) {
            groupsExpired++;
          }
          return deleteGroup(topic, g.name()).thenApply(m -> n + m);
        });
      }
    }
    return chain;
  }

  private CompletionStage<Void> finishRoom(String topic, long length, int incoming) {
    synchronized (this) {
      knownLength.put(topic, length);
    }
    if (length + incoming > config.retentionMaxLength()) {
      // name the true counts: what each group still needs (delivered and unacknowledged, or
      // not delivered yet)
      return store.info(topic).thenCompose(info -> {
        StringBuilder why = new StringBuilder();
        for (GroupInfo g : info.groups()) {
          why.append(why.length() == 0 ? "" : "; ").append("group '").append(g.name())
              .append("': ").append(g.pending()).append(" delivered and not acknowledged, ")
              .append(g.lag() < 0 ? "an unknown number of" : Long.toString(g.lag()))
              .append(" not delivered yet");
        }
        if (why.length() == 0) {
          why.append("no consumer group has read it yet");
        }
        return fail(new QueueException(QueueException.Code.QUEUE_FULL, "topic '" + topic
            + "' holds " + info.length() + " messages some consumer group still needs ("
            + why + "); a publish of " + incoming + " would pass its depth limit of "
            + config.retentionMaxLength()));
      });
    }
    return CompletableFuture.completedFuture(null);
  }

  // ------------------------------------------------------------------ consume

  private CompletionStage<Void> ensureGroup(String topic, String group) {
    String key = topic + '\u0000' + group;
    synchronized (this) {
      if (knownGroups.contains(key)) {
        return CompletableFuture.completedFuture(null);
      }
    }
    int max = config.limits().maxGroupsPerTopic();
    return store.createGroup(topic, group, max).thenAccept(created -> {
      if (!created) {
        throw new QueueException(QueueException.Code.LIMIT_REACHED, "topic '" + topic
            + "' has " + max + " consumer groups, its limit (QUEUE_MAX_GROUPS_PER_TOPIC);"
            + " delete one first");
      }
      synchronized (this) {
        knownGroups.add(key);
      }
    });
  }

  /** The group exists; registers the consumer under the group's bound on consumers. */
  private CompletionStage<Void> ensureConsumer(String topic, String group, String consumer) {
    String key = topic + '\u0000' + group + '\u0000' + consumer;
    synchronized (this) {
      if (knownConsumers.contains(key)) {
        return CompletableFuture.completedFuture(null);
      }
    }
    int max = config.limits().maxConsumersPerGroup();
    return store.registerConsumer(topic, group, consumer, max).thenAccept(ok -> {
      if (!ok) {
        throw new QueueException(QueueException.Code.LIMIT_REACHED, "group '" + group
            + "' of topic '" + topic + "' has " + max + " consumers, its limit"
            + " (QUEUE_MAX_CONSUMERS_PER_GROUP); delete an idle one first");
      }
      synchronized (this) {
        knownConsumers.add(key);
      }
    });
  }

  /**
   * Forgets cached state of a topic (this node stopped or started serving it).
   *
   * @param topic the topic
   */
  public synchronized void forget(String topic) {
    ageCheckAt.remove(topic);
    knownGroups.removeIf(k -> k.startsWith(topic + '\u0000'));
    knownConsumers.removeIf(k -> k.startsWith(topic + '\u0000'));
    knownLength.remove(topic);
  }

  /**
   * Runs a group operation; when the store says the group is gone (Redis NOGROUP: the key was
   * deleted, or Redis restarted without persistence) the group is forgotten, created again at
   * the start of the stream, counted and logged, and the operation tried once more. Without this
   * a vanished group answered every consume with 503 until the node restarted.
   */
  private <T> CompletionStage<T> withGroup(String topic, String group,
      java.util.function.Supplier<CompletionStage<T>> op) {
    return ensureGroup(topic, group).thenCompose(v -> op.get()).exceptionallyCompose(t -> {
      Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
          ? t.getCause() : t;
      if (!(c instanceof io.synod.queue.spi.NoSuchGroupException)) {
        return CompletableFuture.failedFuture(c);
      }
      synchronized (this) {
        forgetGroup(topic, group);
        knownLength.remove(topic);
      }
      groupsRecreated.incrementAndGet();
      LOG.warn("consumer group '{}' of topic '{}' vanished from the store; created it again",
          group, topic);
      return ensureGroup(topic, group).thenCompose(v -> op.get());
    });
  }

  private synchronized void forgetGroup(String topic, String group) {
    knownGroups.remove(topic + '\u0000' + group);
    String prefix = topic + '\u0000' + group + '\u0000';
    knownConsumers.subSet(prefix, prefix + '\uffff').clear();
  }

  /**
   * How many vanished consumer groups were created again (metric).
   *
   * @return the count
   */
  public long groupsRecreated() {
    return groupsRecreated.get();
  }

  /** Forgets cached state of every topic (the ring changed). */
  public synchronized void forgetAll() {
    ageCheckAt.clear();
    knownGroups.clear();
    knownConsumers.clear();
    knownLength.clear();
  }

  /**
   * Gives up to {@code max} messages to a consumer of a group: first messages whose visibility
   * timeout ran out (or that were nacked), then new ones, each in id order. Messages over the
   * delivery limit go to {@code <topic>.dlq} instead. With {@code waitMillis > 0} and nothing to
   * give, waits for a publish up to that long (a long poll), then answers, possibly empty.
   *
   * @param topic the topic
   * @param group the group, created on first use at the start of the topic
   * @param consumer the consumer
   * @param max 1 to {@code maxBatch}
   * @param waitMillis 0 to {@code maxWaitMillis}
   * @return the deliveries
   */
  public CompletionStage<List<Delivery>> consume(String topic, String group, String consumer,
      int max, long waitMillis) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      name("consumer id", consumer);
      if (max < 1 || max > config.maxBatch()) {
        throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
            "count must be in 1.." + config.maxBatch() + ", got " + max);
      }
      if (waitMillis < 0 || waitMillis > config.maxWaitMillis()) {
        throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
            "wait must be in 0.." + config.maxWaitMillis() + " ms, got " + waitMillis);
      }
      CompletionStage<List<Delivery>> first = withGroup(topic, group,
          () -> ensureConsumer(topic, group, consumer)
              .thenCompose(v -> attempt(topic, group, consumer, max)));
      if (waitMillis == 0) {
        return first;
      }
      long deadline = clock.getAsLong() + waitMillis;
      return first.thenCompose(got -> got.isEmpty()
          ? park(topic, group, consumer, max, deadline) : CompletableFuture.completedFuture(got));
    });
  }

  private CompletionStage<List<Delivery>> park(String topic, String group, String consumer,
      int max, long deadline) {
    CompletableFuture<List<Delivery>> result = new CompletableFuture<>();
    Object lock = new Object();
    QueueScheduler.Cancellable[] timer = new QueueScheduler.Cancellable[1];
    boolean[] busy = new boolean[1];
    Runnable[] self = new Runnable[1];
    Runnable retry = () -> {
      synchronized (lock) {
        if (result.isDone() || busy[0]) {
          return;
        }
        busy[0] = true;
      }
      withGroup(topic, group, () -> ensureConsumer(topic, group, consumer)
              .thenCompose(v -> attempt(topic, group, consumer, max)))
          .whenComplete((got, err) -> {
            synchronized (lock) {
              busy[0] = false;
            }
            long now = clock.getAsLong();
            if (err != null) {
              cancel(timer);
              unpark(topic, self[0]);
              result.completeExceptionally(QueueException.of(err));
            } else if (!got.isEmpty() || now >= deadline) {
              cancel(timer);
              unpark(topic, self[0]);
              result.complete(got);
            } else {
              rearm(timer, Math.min(deadline - now, config.longPollRecheckMillis()), self[0]);
            }
          });
    };
    self[0] = retry;
    synchronized (this) {
      List<Runnable> list = waiters.computeIfAbsent(topic, k -> new ArrayList<>());
      if (list.size() >= config.maxWaitersPerTopic()) {
        return CompletableFuture.completedFuture(List.of());
      }
      list.add(retry);
    }
    rearm(timer, Math.min(Math.max(0, deadline - clock.getAsLong()),
        config.longPollRecheckMillis()), retry);
    return result;
  }

  private void rearm(QueueScheduler.Cancellable[] timer, long delay, Runnable task) {
    synchronized (timer) {
      if (timer[0] != null) {
        timer[0].cancel();
      }
      timer[0] = scheduler.schedule(Math.max(0, delay), task);
    }
  }

  private static void cancel(QueueScheduler.Cancellable[] timer) {
    synchronized (timer) {
      if (timer[0] != null) {
        timer[0].cancel();
      }
    }
  }

  private synchronized void unpark(String topic, Runnable r) {
    List<Runnable> list = waiters.get(topic);
    if (list != null) {
      list.remove(r);
      if (list.isEmpty()) {
        waiters.remove(topic);
      }
    }
  }

  private void wake(String topic) {
    List<Runnable> copy;
    synchronized (this) {
      List<Runnable> list = waiters.get(topic);
      if (list == null || list.isEmpty()) {
        return;
      }
      copy = new ArrayList<>(list);
    }
    for (Runnable r : copy) {
      scheduler.schedule(0, r);
    }
  }

  /** One try: idle pending messages first (dead-lettering those over the limit), then new ones. */
  private CompletionStage<List<Delivery>> attempt(String topic, String group, String consumer,
      int max) {
    List<Delivery> out = new ArrayList<>();
    return claimRound(topic, group, consumer, max, StreamId.MIN, out, 0)
        .thenCompose(v -> {
          int room = max - out.size();
          if (room <= 0) {
            return CompletableFuture.completedFuture(out);
          }
          long now = clock.getAsLong();
          long maxPending = config.limits().maxPendingPerGroup();
          return store.readNew(topic, group, consumer, room, maxPending).handle((entries, t) -> {
            if (t != null) {
              Throwable c = t instanceof java.util.concurrent.CompletionException
                  && t.getCause() != null ? t.getCause() : t;
              if (!(c instanceof io.synod.queue.spi.PendingLimitException p)) {
                throw c instanceof RuntimeException re ? re
                    : new java.util.concurrent.CompletionException(c);
              }
              if (!out.isEmpty()) {
                return out;
              }
              throw new QueueException(QueueException.Code.LIMIT_REACHED, "group '" + group
                  + "' of topic '" + topic + "' holds " + p.pending() + " messages delivered and"
                  + " not acknowledged, its limit (QUEUE_MAX_PENDING_PER_GROUP) is " + maxPending
                  + "; acknowledge some first");
            }
            for (StreamEntry e : entries) {
              out.add(new Delivery(e.id(), e.record(), e.id().ms(), e.deliveryCount(), now));
            }
            return out;
          });
        });
  }

  private CompletionStage<Void> claimRound(String topic, String group, String consumer, int max,
      StreamId cursor, List<Delivery> out, int round) {
    int want = max - out.size();
    if (want <= 0 || round >= CLAIM_ROUNDS) {
      return CompletableFuture.completedFuture(null);
    }
    long now = clock.getAsLong();
    return store.claimIdle(topic, group, consumer, config.visibilityTimeoutMillis(), cursor, want)
        .thenCompose(res -> handleClaimed(topic, group, consumer, res, out, now)
            .thenCompose(v -> res.nextCursor().equals(StreamId.MIN)
                ? CompletableFuture.completedFuture(null)
                : claimRound(topic, group, consumer, max, res.nextCursor(), out, round + 1)));
  }

  private CompletionStage<Void> handleClaimed(String topic, String group, String consumer,
      ClaimResult res, List<Delivery> out, long now) {
    List<StreamEntry> dead = new ArrayList<>();
    for (StreamEntry e : res.claimed()) {
      if (e.deliveryCount() > config.maxDeliveries()) {
        dead.add(e);
      } else {
        out.add(new Delivery(e.id(), e.record(), e.id().ms(), e.deliveryCount(), now));
        Counters c = counters(topic, group);
        synchronized (this) {
          c.redeliveries++;
        }
      }
    }
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    for (StreamEntry e : dead) {
      chain = chain.thenCompose(v -> deadLetter(topic, group, consumer, e, "max deliveries ("
          + config.maxDeliveries() + ") reached"));
    }
    return chain;
  }

  private CompletionStage<Void> deadLetter(String topic, String group, String consumer,
      StreamEntry e, String reason) {
    TreeMap<String, String> h = new TreeMap<>(e.record().headers());
    h.put(H_TOPIC, topic);
    h.put(H_GROUP, group);
    h.put(H_ORIGINAL_ID, e.id().toString());
    h.put(H_DELIVERIES, Long.toString(e.deliveryCount() - 1));
    h.put(H_FOUND_BY, consumer);
    h.put(H_PUBLISHED_AT, Long.toString(e.id().ms()));
    h.put(H_DEAD_AT, Long.toString(clock.getAsLong()));
    h.put(H_REASON, reason);
    StreamRecord letter = new StreamRecord(e.record().payload(), h);
    return deadLetterSink.apply(topic + DLQ_SUFFIX, letter)
        .thenCompose(id -> store.settle(topic, group, List.of(Receipt.any(e.id()))))
        .thenAccept(res -> {
          settled(topic, res);
          Counters c = counters(topic, group);
          synchronized (this) {
            c.deadLettered++;
          }
          LOG.debug("dead-lettered {} of {} for group {}", e.id(), topic, group);
        });
  }

  // ------------------------------------------------------------------ ack, nack, extend

  /**
   * A missing group holds nothing: acks and leases on it read as "not pending" (never create a
   * group for them: bad input changes nothing).
   */
  private static <T> CompletionStage<T> existing(CompletionStage<T> stage, T none) {
    return stage.exceptionallyCompose(t -> {
      Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
          ? t.getCause() : t;
      if (c instanceof io.synod.queue.spi.NoSuchGroupException) {
        return CompletableFuture.completedFuture(none);
      }
      return CompletableFuture.failedFuture(c);
    });
  }

  private static final AckResult NOTHING_ACKED = new AckResult(List.of(), List.of(), 0);

  /** Keeps the cached length exact after a settle removed entries. */
  private synchronized void settled(String topic, AckResult res) {
    if (res.removed() > 0) {
      knownLength.computeIfPresent(topic, (k, n) -> Math.max(0, n - res.removed()));
    }
  }

  /**
   * Acknowledges messages for a group by message id, whatever delivery is current (the first
   * system's {@code /queue/ack}): they will not be delivered to it again, and a message every
   * group has acknowledged leaves the topic at once (work-queue retention).
   *
   * @param topic the topic
   * @param group the group
   * @param ids one to {@code maxBatch} message ids
   * @return how many were pending and are now acknowledged; fails with {@code NOT_FOUND} when
   *     none was
   */
  public CompletionStage<Long> ack(String topic, String group, Collection<String> ids) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      List<Receipt> receipts = new ArrayList<>();
      for (StreamId id : parseIds(ids)) {
        receipts.add(Receipt.any(id));
      }
      return existing(store.settle(topic, group, receipts), NOTHING_ACKED).thenApply(res -> {
        settled(topic, res);
        if (res.acked().isEmpty()) {
          throw new QueueException(QueueException.Code.NOT_FOUND,
              "message " + (ids.size() == 1 ? ids.iterator().next() : ids)
                  + " is not pending for group '" + group + "' of topic '" + topic + "'");
        }
        return (long) res.acked().size();
      });
    });
  }

  /**
   * Acknowledges deliveries by receipt handle ({@link Delivery#receipt()}): each is accepted
   * only while it names the message's current delivery, so a consumer whose lease ran out and
   * whose message went to another consumer cannot acknowledge it from under that one.
   *
   * @param topic the topic
   * @param group the group
   * @param receipts one to {@code maxBatch} receipt handles
   * @return how many were acknowledged (those of the batch that were current); fails with
   *     {@code STALE_RECEIPT} when none was current but some message is pending under a newer
   *     delivery, with {@code GONE} when none of the messages is pending any more
   */
  public CompletionStage<Long> ackReceipts(String topic, String group,
      Collection<String> receipts) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      List<Receipt> parsed = parseReceipts(receipts);
      return existing(store.settle(topic, group, parsed), NOTHING_ACKED).thenApply(res -> {
        settled(topic, res);
        if (res.acked().isEmpty()) {
          throw refusal(topic, group, receipts.size() == 1 ? receipts.iterator().next()
              : receipts.toString(), !res.stale().isEmpty());
        }
        return (long) res.acked().size();
      });
    });
  }

  private static QueueException refusal(String topic, String group, String what,
      boolean stale) {
    return stale
        ? new QueueException(QueueException.Code.STALE_RECEIPT, "receipt " + what
            + " is not the current delivery in group '" + group + "' of topic '" + topic
            + "': its visibility timeout ran out and the message was delivered again")
        : new QueueException(QueueException.Code.GONE, "receipt " + what
            + " names no message pending in group '" + group + "' of topic '" + topic
            + "' (acknowledged, dead-lettered, or never delivered)");
  }

  private List<Receipt> parseReceipts(Collection<String> receipts) {
    if (receipts == null || receipts.isEmpty() || receipts.size() > config.maxBatch()) {
      throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
          "give 1 to " + config.maxBatch() + " receipt handles");
    }
    List<Receipt> out = new ArrayList<>();
    for (String r : new LinkedHashSet<>(receipts)) {
      out.add(parseReceipt(r));
    }
    return out;
  }

  /**
   * Parses a receipt handle.
   *
   * @param text the handle
   * @return the receipt
   * @throws QueueException with {@code INVALID_ARGUMENT} when malformed
   */
  public static Receipt parseReceipt(String text) {
    try {
      return Receipt.parse(text);
    } catch (IllegalArgumentException e) {
      throw new QueueException(QueueException.Code.INVALID_ARGUMENT, e.getMessage());
    }
  }

  private List<StreamId> parseIds(Collection<String> ids) {
    if (ids == null || ids.isEmpty() || ids.size() > config.maxBatch()) {
      throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
          "give 1 to " + config.maxBatch() + " message ids");
    }
    List<StreamId> out = new ArrayList<>();
    for (String id : new LinkedHashSet<>(ids)) {
      out.add(parseId(id));
    }
    return out;
  }

  /**
   * Gives a message back at once: it becomes deliverable to any consumer of the group without
   * waiting for its visibility timeout. Only the consumer holding it may nack it; the check and
   * the change are one atomic store step, so a nack racing a claim of an expired message never
   * leaves two consumers holding it.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the consumer holding it
   * @param id the message id
   * @return completes when done; {@code NOT_FOUND} when the consumer does not hold it
   */
  public CompletionStage<Void> nack(String topic, String group, String consumer, String id) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      name("consumer id", consumer);
      StreamId sid = parseId(id);
      return lease(topic, group, Receipt.any(sid), consumer, config.visibilityTimeoutMillis(),
          id);
    });
  }

  /**
   * Gives a delivery back at once, by receipt handle, atomically (see {@link #nack}).
   *
   * @param topic the topic
   * @param group the group
   * @param receipt the delivery's receipt handle
   * @return completes when done; {@code STALE_RECEIPT} or {@code GONE} when it is not current
   */
  public CompletionStage<Void> nackReceipt(String topic, String group, String receipt) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      return lease(topic, group, parseReceipt(receipt), null, config.visibilityTimeoutMillis(),
          receipt);
    });
  }

  /**
   * Extends the visibility of a message a consumer is still working on: it stays invisible to
   * others for {@code millis} from now. Atomic, as {@link #nack}.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the consumer holding it
   * @param id the message id
   * @param millis 1 to the visibility timeout
   * @return completes when done; {@code NOT_FOUND} when the consumer does not hold it
   */
  public CompletionStage<Void> extend(String topic, String group, String consumer, String id,
      long millis) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      name("consumer id", consumer);
      StreamId sid = parseId(id);
      checkExtension(millis);
      return lease(topic, group, Receipt.any(sid), consumer,
          config.visibilityTimeoutMillis() - millis, id);
    });
  }

  /**
   * Extends a delivery's visibility by receipt handle, atomically (see {@link #extend}).
   *
   * @param topic the topic
   * @param group the group
   * @param receipt the delivery's receipt handle
   * @param millis 1 to the visibility timeout
   * @return completes when done; {@code STALE_RECEIPT} or {@code GONE} when it is not current
   */
  public CompletionStage<Void> extendReceipt(String topic, String group, String receipt,
      long millis) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      Receipt r = parseReceipt(receipt);
      checkExtension(millis);
      return lease(topic, group, r, null, config.visibilityTimeoutMillis() - millis, receipt);
    });
  }

  private void checkExtension(long millis) {
    if (millis < 1 || millis > config.visibilityTimeoutMillis()) {
      throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
          "extension must be in 1.." + config.visibilityTimeoutMillis() + " ms");
    }
  }

  /** One conditional store step; a receipt refusal is STALE/GONE, a holder one NOT_FOUND. */
  private CompletionStage<Void> lease(String topic, String group, Receipt receipt,
      String holder, long idleMillis, String what) {
    return existing(store.renew(topic, group, receipt, holder, idleMillis),
        LeaseChange.NOT_PENDING)
        .thenAccept(change -> {
          if (change == LeaseChange.CHANGED) {
            if (idleMillis >= config.visibilityTimeoutMillis()) {
              wake(topic);
            }
            return;
          }
          if (receipt.deliveryCount() > 0) {
            throw refusal(topic, group, what, change == LeaseChange.STALE);
          }
          throw new QueueException(QueueException.Code.NOT_FOUND, "message " + what
              + " is not held by consumer '" + holder + "' of group '" + group + "'");
        });
  }

  // ------------------------------------------------------------------ groups and consumers

  /**
   * Deletes a consumer group: its position and pending list go, and messages only it still
   * needed leave the topic (swept in steps of {@value #SWEEP_STEP} entries).
   *
   * @param topic the topic
   * @param group the group
   * @return how many messages left the topic with it; {@code NOT_FOUND} when there was no such
   *     group
   */
  public CompletionStage<Long> deleteGroup(String topic, String group) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      return store.deleteGroup(topic, group).thenCompose(existed -> {
        synchronized (this) {
          forgetGroup(topic, group);
          counters.remove(topic + '\u0000' + group);
        }
        if (!existed) {
          throw new QueueException(QueueException.Code.NOT_FOUND,
              "topic '" + topic + "' has no consumer group '" + group + "'");
        }
        LOG.info("deleted consumer group '{}' of topic '{}'", group, topic);
        return sweepFrom(topic, StreamId.MIN, 0);
      });
    });
  }

  /** Entries scanned per sweep step after a group deletion. */
  static final int SWEEP_STEP = 1000;

  private CompletionStage<Long> sweepFrom(String topic, StreamId cursor, long removed) {
    return store.sweep(topic, cursor, SWEEP_STEP).thenCompose(r -> {
      long total = removed + r.removed();
      if (r.removed() > 0) {
        synchronized (this) {
          knownLength.computeIfPresent(topic, (k, n) -> Math.max(0, n - r.removed()));
        }
      }
      return r.next().equals(StreamId.MIN) ? CompletableFuture.completedFuture(total)
          : sweepFrom(topic, r.next(), total);
    });
  }

  /**
   * Deletes a consumer from a group. A consumer that holds messages is not deleted (they would
   * never be delivered again): its messages must be acknowledged, nacked, or left to time out
   * and go to other consumers first.
   *
   * @param topic the topic
   * @param group the group
   * @param consumer the consumer
   * @return completes when deleted; {@code NOT_FOUND} when it is not a consumer of the group,
   *     {@code CONFLICT} when it holds messages
   */
  public CompletionStage<Void> deleteConsumer(String topic, String group, String consumer) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      name("consumer id", consumer);
      return store.deleteConsumer(topic, group, consumer).handle((held, err) -> {
        if (err != null) {
          Throwable c = err instanceof java.util.concurrent.CompletionException
              && err.getCause() != null ? err.getCause() : err;
          if (c instanceof io.synod.queue.spi.NoSuchGroupException) {
            throw new QueueException(QueueException.Code.NOT_FOUND,
                "topic '" + topic + "' has no consumer group '" + group + "'");
          }
          throw QueueException.of(c);
        }
        if (held < 0) {
          throw new QueueException(QueueException.Code.NOT_FOUND, "group '" + group
              + "' of topic '" + topic + "' has no consumer '" + consumer + "'");
        }
        if (held == 0) {
          synchronized (this) {
            knownConsumers.remove(topic + '\u0000' + group + '\u0000' + consumer);
          }
        }
        if (held > 0) {
          throw new QueueException(QueueException.Code.CONFLICT, "consumer '" + consumer
              + "' holds " + held + " messages of group '" + group + "': ack or nack them, or"
              + " let their visibility timeout pass and another consumer take them, first");
        }
        return null;
      });
    });
  }

  /**
   * Consumer groups deleted by idle-group expiry (metric).
   *
   * @return the count
   */
  public synchronized long groupsExpired() {
    return groupsExpired;
  }

  /**
   * Messages removed by the age limit (metric).
   *
   * @return the count
   */
  public synchronized long expired() {
    return expiredCount;
  }

  // ------------------------------------------------------------------ reads and stats

  /**
   * Pending messages of a group, oldest first.
   *
   * @param topic the topic
   * @param group the group
   * @param max 1 to {@code maxBatch}
   * @return pending entries
   */
  public CompletionStage<List<PendingEntry>> pending(String topic, String group, int max) {
    return guard(() -> {
      name("topic", topic);
      name("consumer group", group);
      if (max < 1 || max > config.maxBatch()) {
        throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
            "count must be in 1.." + config.maxBatch());
      }
      return withGroup(topic, group, () -> store.pending(topic, group, StreamId.MIN, max));
    });
  }

  /**
   * Reads messages of a topic without a group (for example the dead letters of {@code
   * <topic>.dlq}, with their history headers).
   *
   * @param topic the topic
   * @param from first id, {@code "0-0"} for the start
   * @param max 1 to {@code maxBatch}
   * @return entries in id order
   */
  public CompletionStage<List<StreamEntry>> browse(String topic, String from, int max) {
    return guard(() -> {
      name("topic", topic);
      StreamId start = parseId(from);
      if (max < 1 || max > config.maxBatch()) {
        throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
            "count must be in 1.." + config.maxBatch());
      }
      return store.range(topic, start, max);
    });
  }

  /**
   * Figures of a topic and its groups.
   *
   * @param topic the topic
   * @return the stats
   */
  public CompletionStage<TopicStats> stats(String topic) {
    return guard(() -> {
      name("topic", topic);
      return store.info(topic).thenApply(info -> toStats(topic, info));
    });
  }

  private TopicStats toStats(String topic, StreamInfo info) {
    long now = clock.getAsLong();
    List<TopicStats.GroupStats> groups = new ArrayList<>();
    for (GroupInfo g : info.groups()) {
      Counters c = counters(topic, g.name());
      long redeliveries;
      long dead;
      synchronized (this) {
        redeliveries = c.redeliveries;
        dead = c.deadLettered;
      }
      long age = g.oldestPendingId() == null ? 0 : Math.max(0, now - g.oldestPendingId().ms());
      groups.add(new TopicStats.GroupStats(g.name(), g.consumers(), g.pending(), age, g.lag(),
          redeliveries, dead));
    }
    synchronized (this) {
      knownLength.put(topic, info.length());
    }
    return new TopicStats(topic, info.length(), groups);
  }

  /**
   * Number of long polls parked on a topic (for tests and metrics).
   *
   * @param topic the topic
   * @return the count
   */
  public synchronized int waiting(String topic) {
    List<Runnable> l = waiters.get(topic);
    return l == null ? 0 : l.size();
  }
}
