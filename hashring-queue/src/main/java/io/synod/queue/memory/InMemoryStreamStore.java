package io.synod.queue.memory;

import io.synod.queue.Invariants;
import io.synod.queue.QueueException;
import io.synod.queue.spi.AckResult;
import io.synod.queue.spi.ClaimResult;
import io.synod.queue.spi.GroupInfo;
import io.synod.queue.spi.LeaseChange;
import io.synod.queue.spi.NoSuchGroupException;
import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.PendingLimitException;
import io.synod.queue.spi.Receipt;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamInfo;
import io.synod.queue.spi.StreamRecord;
import io.synod.queue.spi.StreamStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;

/**
 * A {@link StreamStore} in memory, safe under concurrent use (one lock; every call is short).
 *
 * <p>Every change is made as a deterministic {@link StoreOp}; a whole stream is copied out with
 * {@link #snapshot} and back with {@link #install} (the replicated queue's snapshots). Time comes
 * from the injected clock. This store does not replicate: on embedded storage node-server keeps
 * it inside a Raft group's state machine ({@code QueueMachine}).
 */
public final class InMemoryStreamStore implements StreamStore {
  /** Default bound on entries per stream. */
  public static final int DEFAULT_MAX_ENTRIES = 1_000_000;

  private final LongSupplier clock;
  private final int maxEntriesPerStream;
  private final TreeMap<String, Topic> topics = new TreeMap<>();

  /**
   * A store with the default bound of entries per stream.
   *
   * @param clock milliseconds; may go back, ids never do
   */
  public InMemoryStreamStore(LongSupplier clock) {
    this(clock, DEFAULT_MAX_ENTRIES);
  }

  /**
   * A store.
   *
   * @param clock milliseconds; may go back, ids never do
   * @param maxEntriesPerStream appends beyond this many entries in one stream fail, must be
   *     positive
   */
  public InMemoryStreamStore(LongSupplier clock, int maxEntriesPerStream) {
    if (maxEntriesPerStream < 1) {
      throw new IllegalArgumentException("maxEntriesPerStream must be positive");
    }
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxEntriesPerStream = maxEntriesPerStream;
  }

  private static final class Pend {
    String consumer;
    long deliveryTime;
    long count;

    Pend(String consumer, long deliveryTime, long count) {
      this.consumer = consumer;
      this.deliveryTime = deliveryTime;
      this.count = count;
    }
  }

  private static final class Group {
    StreamId lastDelivered = StreamId.MIN;
    /** Store time of the last use; Long.MAX_VALUE when unknown (an old snapshot). */
    long lastActive;
    final TreeMap<StreamId, Pend> pel = new TreeMap<>();
    final TreeSet<String> consumers = new TreeSet<>();
  }

  private static final class Topic {
    long version;
    StreamId lastId;
    // concurrent so that a frozen view can walk it from another thread; the store's lock still
    // orders every change
    final ConcurrentSkipListMap<StreamId, StreamRecord> entries = new ConcurrentSkipListMap<>();
    int size;
    final TreeMap<String, Group> groups = new TreeMap<>();
    // While a frozen view of this topic is being written: the entries up to frozenLastId that
    // were removed since the freeze (records are immutable, so the record is its own pre-image).
    volatile ConcurrentSkipListMap<StreamId, StreamRecord> removedSinceFreeze;
    StreamId frozenLastId;

    void remove(StreamId id) {
      StreamRecord r = entries.get(id);
      if (r == null) {
        return;
      }
      ConcurrentSkipListMap<StreamId, StreamRecord> kept = removedSinceFreeze;
      if (kept != null && frozenLastId != null && id.compareTo(frozenLastId) <= 0) {
        kept.putIfAbsent(id, r); // before the removal: a writer that misses it finds it here
      }
      entries.remove(id);
      size--;
    }
  }

  /** A change prepared under the lock: the op applied and the caller's result. */
  private record Done<T>(StoreOp op, long version, T result) {}

  private static <T> CompletionStage<T> finish(Done<T> done) {
    return CompletableFuture.completedFuture(done.result);
  }

  private Done<Void> noop() {
    return new Done<>(null, 0, null);
  }

  private <T> Done<T> applyNew(String stream, Topic t, StoreOp op, T result) {
    apply(t, op);
    t.version++;
    return new Done<>(op, t.version, result);
  }

  private Topic topic(String stream, boolean create) {
    Topic t = topics.get(stream);
    if (t == null && create) {
      t = new Topic();
      topics.put(stream, t);
    }
    return t;
  }

  /** Work on one existing group of a topic, done under the store's lock. */
  @FunctionalInterface
  private interface GroupWork<T> {
    CompletionStage<T> run(Topic t, Group g);
  }

  /**
   * Runs {@code work} under the lock on the named group, or fails with {@link
   * NoSuchGroupException} when the topic or the group does not exist.
   */
  private synchronized <T> CompletionStage<T> inGroup(String stream, String group,
      GroupWork<T> work) {
    Topic t = topics.get(stream);
    Group g = t == null ? null : t.groups.get(group);
    if (g == null) {
      return failed(new NoSuchGroupException(stream, group));
    }
    return work.run(t, g);
  }

  private static <T> CompletionStage<T> failed(Throwable e) {
    return CompletableFuture.failedFuture(e);
  }

  // ---------------------------------------------------------------- applying operations

  private void apply(Topic t, StoreOp op) {
    if (op instanceof StoreOp.CreateGroup c) {
      Group fresh = new Group();
      fresh.lastActive = clock.getAsLong();
      t.groups.putIfAbsent(c.group(), fresh);
    } else if (op instanceof StoreOp.Append a) {
      for (int i = 0; i < a.ids().size(); i++) {
        StreamId id = a.ids().get(i);
        Invariants.check(t.lastId == null || id.compareTo(t.lastId) > 0, "ids must increase");
        if (t.entries.put(id, a.records().get(i)) == null) {
          t.size++;
        }
        t.lastId = id;
      }
    } else if (op instanceof StoreOp.Deliver d) {
      Group g = t.groups.computeIfAbsent(d.group(), k -> new Group());
      g.lastActive = d.now();
      g.consumers.add(d.consumer());
      for (StreamId id : d.ids()) {
        Invariants.check(id.compareTo(g.lastDelivered) > 0, "deliveries must move forward");
        g.pel.put(id, new Pend(d.consumer(), d.now(), 1));
        g.lastDelivered = id;
      }
    } else if (op instanceof StoreOp.Claim c) {
      Group g = t.groups.get(c.group());
      if (g == null) {
        return;
      }
      g.consumers.add(c.consumer());
      g.lastActive = c.now();
      for (StreamId id : c.deleted()) {
        g.pel.remove(id);
      }
      for (StreamId id : c.claimed()) {
        Pend p = g.pel.get(id);
        if (p != null) {
          p.consumer = c.consumer();
          p.deliveryTime = c.now();
          p.count++;
        }
      }
    } else if (op instanceof StoreOp.SetIdle s) {
      Group g = t.groups.get(s.group());
      if (g == null) {
        return;
      }
      g.consumers.add(s.consumer());
      g.lastActive = clock.getAsLong();
      for (StreamId id : s.ids()) {
        Pend p = g.pel.get(id);
        if (p != null) {
          p.consumer = s.consumer();
          p.deliveryTime = s.deliveryTime();
        }
      }
    } else if (op instanceof StoreOp.Ack a) {
      Group g = t.groups.get(a.group());
      if (g != null) {
        for (StreamId id : a.ids()) {
          g.pel.remove(id);
        }
      }
    } else if (op instanceof StoreOp.Remove r) {
      for (StreamId id : r.ids()) {
        t.remove(id);
      }
    } else if (op instanceof StoreOp.DeleteGroup d) {
      t.groups.remove(d.group());
    } else if (op instanceof StoreOp.DeleteConsumer d) {
      Group g = t.groups.get(d.group());
      if (g != null) {
        g.consumers.remove(d.consumer());
      }
    } else {
      throw new IllegalStateException("unknown op " + op);
    }
  }

  // ---------------------------------------------------------------- StreamStore

  @Override
  public CompletionStage<Void> createGroup(String stream, String group) {
    try {
      return createGroup0(stream, group);
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  private CompletionStage<Void> createGroup0(String stream, String group) {
    Done<Void> done;
    synchronized (this) {
      Topic t = topic(stream, true);
      if (t.groups.containsKey(group)) {
        done = noop();
      } else {
        done = applyNew(stream, t, new StoreOp.CreateGroup(group), null);
      }
    }
    return finish(done);
  }

  @Override
  public CompletionStage<List<StreamId>> append(String stream, List<StreamRecord> records) {
    try {
      return append0(stream, records);
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  private CompletionStage<List<StreamId>> append0(String stream, List<StreamRecord> records) {
    if (records.isEmpty()) {
      return failed(new IllegalArgumentException("nothing to append"));
    }
    Done<List<StreamId>> done;
    synchronized (this) {
      Topic t = topic(stream, true);
      if (t.size + records.size() > maxEntriesPerStream) {
        return failed(new IllegalStateException("stream '" + stream + "' holds "
            + t.size + " entries, the limit is " + maxEntriesPerStream));
      }
      long now = Math.max(0, clock.getAsLong());
      List<StreamId> ids = new ArrayList<>(records.size());
      StreamId last = t.lastId;
      for (int i = 0; i < records.size(); i++) {
        StreamId id;
        if (last == null || now > last.ms()) {
          id = new StreamId(now, 0);
        } else {
          id = last.next();
        }
        ids.add(id);
        last = id;
      }
      done = applyNew(stream, t, new StoreOp.Append(ids, records), List.copyOf(ids));
    }
    return finish(done);
  }

  @Override
  public CompletionStage<List<StreamEntry>> readNew(String stream, String group, String consumer,
      int count) {
    try {
      return readNew0(stream, group, consumer, count);
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  private CompletionStage<List<StreamEntry>> readNew0(String stream, String group, String consumer,
      int count) {
    if (count < 1) {
      return failed(new IllegalArgumentException("count must be at least 1"));
    }
    return inGroup(stream, group, (t, g) -> {
      List<StreamId> ids = new ArrayList<>();
      List<StreamEntry> out = new ArrayList<>();
      for (Map.Entry<StreamId, StreamRecord> e : t.entries.tailMap(g.lastDelivered, false)
          .entrySet()) {
        if (ids.size() == count) {
          break;
        }
        ids.add(e.getKey());
        out.add(new StreamEntry(e.getKey(), e.getValue(), 1));
      }
      if (ids.isEmpty() && g.consumers.contains(consumer)) {
        return finish(new Done<>(null, 0, List.of()));
      } else {
        return finish(applyNew(stream, t,
            new StoreOp.Deliver(group, consumer, ids, clock.getAsLong()), List.copyOf(out)));
      }
    });
  }

  @Override
  public CompletionStage<Long> ack(String stream, String group, Collection<StreamId> ids) {
    try {
      return ack0(stream, group, ids);
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  private CompletionStage<Long> ack0(String stream, String group, Collection<StreamId> ids) {
    Done<Long> done;
    synchronized (this) {
      Topic t = topics.get(stream);
      Group g = t == null ? null : t.groups.get(group);
      if (g == null) {
        return CompletableFuture.completedFuture(0L);
      }
      List<StreamId> hit = new ArrayList<>();
      for (StreamId id : new TreeSet<>(ids)) {
        if (g.pel.containsKey(id)) {
          hit.add(id);
        }
      }
      done = hit.isEmpty() ? new Done<>(null, 0, 0L)
          : applyNew(stream, t, new StoreOp.Ack(group, hit), (long) hit.size());
    }
    return finish(done);
  }

  @Override
  public CompletionStage<List<PendingEntry>> pending(String stream, String group, StreamId start,
      int count) {
    if (count < 1) {
      return failed(new IllegalArgumentException("count must be at least 1"));
    }
    return inGroup(stream, group, (t, g) -> {
      long now = clock.getAsLong();
      List<PendingEntry> out = new ArrayList<>();
      for (Map.Entry<StreamId, Pend> e : g.pel.tailMap(start, true).entrySet()) {
        if (out.size() == count) {
          break;
        }
        Pend p = e.getValue();
        out.add(new PendingEntry(e.getKey(), p.consumer, Math.max(0, now - p.deliveryTime),
            p.count));
      }
      return CompletableFuture.completedFuture(out);
    });
  }

  @Override
  public CompletionStage<ClaimResult> claimIdle(String stream, String group, String consumer,
      long minIdleMillis, StreamId cursor, int count) {
    try {
      return claimIdle0(stream, group, consumer, minIdleMillis, cursor, count);
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  private CompletionStage<ClaimResult> claimIdle0(String stream, String group, String consumer,
      long minIdleMillis, StreamId cursor, int count) {
    if (count < 1 || minIdleMillis < 0) {
      return failed(new IllegalArgumentException("count must be >= 1 and minIdle >= 0"));
    }
    return inGroup(stream, group, (t, g) -> {
      long now = clock.getAsLong();
      int budget = count * 10;
      List<StreamId> claimed = new ArrayList<>();
      List<StreamEntry> entries = new ArrayList<>();
      List<StreamId> deleted = new ArrayList<>();
      StreamId next = StreamId.MIN;
      for (Map.Entry<StreamId, Pend> e : g.pel.tailMap(cursor, true).entrySet()) {
        if (claimed.size() == count || budget-- == 0) {
          next = e.getKey();
          break;
        }
        Pend p = e.getValue();
        if (now - p.deliveryTime < minIdleMillis) {
          continue;
        }
        StreamRecord r = t.entries.get(e.getKey());
        if (r == null) {
          deleted.add(e.getKey());
        } else {
          claimed.add(e.getKey());
          entries.add(new StreamEntry(e.getKey(), r, p.count + 1));
        }
      }
      ClaimResult result = new ClaimResult(next, entries, deleted);
      return finish(claimed.isEmpty() && deleted.isEmpty() ? new Done<>(null, 0, result)
          : applyNew(stream, t, new StoreOp.Claim(group, consumer, claimed, deleted, now), result));
    });
  }

  @Override
  public CompletionStage<List<StreamId>> setIdle(String stream, String group, String consumer,
      Collection<StreamId> ids, long idleMillis) {
    try {
      return setIdle0(stream, group, consumer, ids, idleMillis);
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  private CompletionStage<List<StreamId>> setIdle0(String stream, String group, String consumer,
      Collection<StreamId> ids, long idleMillis) {
    if (idleMillis < 0) {
      return failed(new IllegalArgumentException("idle must be >= 0"));
    }
    return inGroup(stream, group, (t, g) -> {
      List<StreamId> hit = new ArrayList<>();
      for (StreamId id : new TreeSet<>(ids)) {
        if (g.pel.containsKey(id)) {
          hit.add(id);
        }
      }
      return finish(hit.isEmpty() ? new Done<>(null, 0, List.of())
          : applyNew(stream, t,
              new StoreOp.SetIdle(group, consumer, hit, clock.getAsLong() - idleMillis),
              List.copyOf(hit)));
    });
  }

  @Override
  public synchronized CompletionStage<List<StreamEntry>> range(String stream, StreamId start,
      int count) {
    if (count < 1) {
      return failed(new IllegalArgumentException("count must be at least 1"));
    }
    Topic t = topics.get(stream);
    List<StreamEntry> out = new ArrayList<>();
    if (t != null) {
      for (Map.Entry<StreamId, StreamRecord> e : t.entries.tailMap(start, true).entrySet()) {
        if (out.size() == count) {
          break;
        }
        out.add(new StreamEntry(e.getKey(), e.getValue(), 0));
      }
    }
    return CompletableFuture.completedFuture(out);
  }

  @Override
  public CompletionStage<Long> delete(String stream, Collection<StreamId> ids) {
    try {
      return delete0(stream, ids);
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  private CompletionStage<Long> delete0(String stream, Collection<StreamId> ids) {
    Done<Long> done;
    synchronized (this) {
      Topic t = topics.get(stream);
      List<StreamId> hit = new ArrayList<>();
      if (t != null) {
        for (StreamId id : new TreeSet<>(ids)) {
          if (t.entries.containsKey(id)) {
            hit.add(id);
          }
        }
      }
      done = hit.isEmpty() ? new Done<>(null, 0, 0L)
          : applyNew(stream, t, new StoreOp.Remove(hit), (long) hit.size());
    }
    return finish(done);
  }

  /** The first id some group still needs (pending or undelivered), or MAX when none does. */
  private static StreamId safePoint(Topic t) {
    StreamId safe = StreamId.MAX;
    for (Group g : t.groups.values()) {
      StreamId undelivered = g.lastDelivered.next();
      if (undelivered.compareTo(safe) < 0) {
        safe = undelivered;
      }
      if (!g.pel.isEmpty() && g.pel.firstKey().compareTo(safe) < 0) {
        safe = g.pel.firstKey();
      }
    }
    return safe;
  }

  @Override
  public CompletionStage<Long> trim(String stream, long maxLength, StreamId minId) {
    try {
      return trim0(stream, maxLength, minId);
    } catch (RuntimeException e) {
      return failed(e);
    }
  }

  private CompletionStage<Long> trim0(String stream, long maxLength, StreamId minId) {
    if (maxLength < 0) {
      return failed(new IllegalArgumentException("maxLength must be >= 0"));
    }
    Done<Long> done;
    synchronized (this) {
      Topic t = topics.get(stream);
      if (t == null) {
        return CompletableFuture.completedFuture(0L);
      }
      StreamId safe = safePoint(t);
      List<StreamId> drop = new ArrayList<>();
      long len = t.size;
      for (StreamId id : t.entries.keySet()) {
        boolean wanted = len - drop.size() > maxLength || id.compareTo(minId) < 0;
        if (!wanted || id.compareTo(safe) >= 0) {
          break;
        }
        drop.add(id);
      }
      done = drop.isEmpty() ? new Done<>(null, 0, 0L)
          : applyNew(stream, t, new StoreOp.Remove(drop), (long) drop.size());
    }
    return finish(done);
  }

  @Override
  public synchronized CompletionStage<StreamInfo> info(String stream) {
    Topic t = topics.get(stream);
    if (t == null) {
      return CompletableFuture.completedFuture(new StreamInfo(0, null, null, List.of()));
    }
    List<GroupInfo> groups = new ArrayList<>();
    for (Map.Entry<String, Group> e : t.groups.entrySet()) {
      Group g = e.getValue();
      long lag = t.entries.tailMap(g.lastDelivered, false).size();
      long idle = g.lastActive == Long.MAX_VALUE ? -1
          : Math.max(0, clock.getAsLong() - g.lastActive);
      groups.add(new GroupInfo(e.getKey(), g.consumers.size(), g.pel.size(), g.lastDelivered,
          g.pel.isEmpty() ? null : g.pel.firstKey(), lag, idle));
    }
    return CompletableFuture.completedFuture(new StreamInfo(t.size,
        t.entries.isEmpty() ? null : t.entries.firstKey(), t.lastId, groups));
  }

  // ---------------------------------------------------------------- bounds

  @Override
  public CompletionStage<Boolean> createGroup(String stream, String group, int maxGroups) {
    synchronized (this) {
      Topic t = topics.get(stream);
      if (t != null && t.groups.containsKey(group)) {
        return CompletableFuture.completedFuture(true);
      }
      if (t != null && t.groups.size() >= maxGroups) {
        return CompletableFuture.completedFuture(false);
      }
      return createGroup(stream, group).thenApply(v -> true);
    }
  }

  @Override
  public CompletionStage<Boolean> registerConsumer(String stream, String group, String consumer,
      int maxConsumers) {
    return inGroup(stream, group, (t, g) -> {
      if (g.consumers.contains(consumer)) {
        return CompletableFuture.completedFuture(true);
      }
      if (g.consumers.size() >= maxConsumers) {
        return CompletableFuture.completedFuture(false);
      }
      // an empty delivery registers the consumer, as XGROUP CREATECONSUMER does
      applyNew(stream, t, new StoreOp.Deliver(group, consumer, List.of(), clock.getAsLong()),
          null);
      return CompletableFuture.completedFuture(true);
    });
  }

  @Override
  public CompletionStage<List<StreamEntry>> readNew(String stream, String group, String consumer,
      int count, long maxPending) {
    return inGroup(stream, group, (t, g) -> {
      long room = maxPending - g.pel.size();
      if (room <= 0) {
        return failed(new PendingLimitException(stream, group, g.pel.size()));
      }
      return readNew(stream, group, consumer, (int) Math.min(count, room));
    });
  }

  // ---------------------------------------------------------------- work-queue retention

  /** Whether no group needs the entry any more: every group read past it, none holds it. */
  private static boolean removable(Topic t, StreamId id) {
    if (t.groups.isEmpty()) {
      return false;
    }
    for (Group g : t.groups.values()) {
      if (g.lastDelivered.compareTo(id) < 0 || g.pel.containsKey(id)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public CompletionStage<AckResult> settle(String stream, String group,
      Collection<Receipt> receipts) {
    return inGroup(stream, group, (t, g) -> {
      TreeMap<StreamId, Receipt> byId = new TreeMap<>();
      for (Receipt r : receipts) {
        byId.merge(r.id(), r, (a, b) -> a.deliveryCount() == 0 ? a : b);
      }
      List<StreamId> acked = new ArrayList<>();
      List<StreamId> stale = new ArrayList<>();
      for (Receipt r : byId.values()) {
        Pend p = g.pel.get(r.id());
        if (p == null) {
          continue;
        }
        if (r.matches(p.count)) {
          acked.add(r.id());
        } else {
          stale.add(r.id());
        }
      }
      if (acked.isEmpty()) {
        return CompletableFuture.completedFuture(new AckResult(acked, stale, 0));
      }
      applyNew(stream, t, new StoreOp.Ack(group, acked), null);
      List<StreamId> drop = new ArrayList<>();
      for (StreamId id : acked) {
        if (t.entries.containsKey(id) && removable(t, id)) {
          drop.add(id);
        }
      }
      if (!drop.isEmpty()) {
        applyNew(stream, t, new StoreOp.Remove(drop), null);
      }
      return CompletableFuture.completedFuture(new AckResult(acked, stale, drop.size()));
    });
  }

  @Override
  public CompletionStage<LeaseChange> renew(String stream, String group, Receipt receipt,
      String holder, long idleMillis) {
    if (idleMillis < 0) {
      return failed(new IllegalArgumentException("idle must be >= 0"));
    }
    return inGroup(stream, group, (t, g) -> {
      Pend p = g.pel.get(receipt.id());
      if (p == null) {
        return CompletableFuture.completedFuture(LeaseChange.NOT_PENDING);
      }
      if (!receipt.matches(p.count) || (holder != null && !holder.equals(p.consumer))) {
        return CompletableFuture.completedFuture(LeaseChange.STALE);
      }
      applyNew(stream, t, new StoreOp.SetIdle(group, p.consumer, List.of(receipt.id()),
          clock.getAsLong() - idleMillis), null);
      return CompletableFuture.completedFuture(LeaseChange.CHANGED);
    });
  }

  @Override
  public CompletionStage<Long> expire(String stream, StreamId minId) {
    synchronized (this) {
      Topic t = topics.get(stream);
      if (t == null) {
        return CompletableFuture.completedFuture(0L);
      }
      StreamId stop = minId;
      for (Group g : t.groups.values()) {
        if (!g.pel.isEmpty() && g.pel.firstKey().compareTo(stop) < 0) {
          stop = g.pel.firstKey();
        }
      }
      List<StreamId> drop = new ArrayList<>(t.entries.headMap(stop, false).keySet());
      if (!drop.isEmpty()) {
        applyNew(stream, t, new StoreOp.Remove(drop), null);
      }
      return CompletableFuture.completedFuture((long) drop.size());
    }
  }

  @Override
  public CompletionStage<Boolean> deleteGroup(String stream, String group) {
    synchronized (this) {
      Topic t = topics.get(stream);
      if (t == null || !t.groups.containsKey(group)) {
        return CompletableFuture.completedFuture(false);
      }
      applyNew(stream, t, new StoreOp.DeleteGroup(group), null);
      return CompletableFuture.completedFuture(true);
    }
  }

  @Override
  public CompletionStage<Long> deleteConsumer(String stream, String group, String consumer) {
    return inGroup(stream, group, (t, g) -> {
      if (!g.consumers.contains(consumer)) {
        return CompletableFuture.completedFuture(-1L);
      }
      long held = 0;
      for (Pend p : g.pel.values()) {
        if (p.consumer.equals(consumer)) {
          held++;
        }
      }
      if (held == 0) {
        applyNew(stream, t, new StoreOp.DeleteConsumer(group, consumer), null);
      }
      return CompletableFuture.completedFuture(held);
    });
  }

  @Override
  public CompletionStage<SweepResult> sweep(String stream, StreamId cursor, int count) {
    if (count < 1) {
      return failed(new IllegalArgumentException("count must be at least 1"));
    }
    synchronized (this) {
      Topic t = topics.get(stream);
      if (t == null) {
        return CompletableFuture.completedFuture(new SweepResult(StreamId.MIN, 0));
      }
      List<StreamId> drop = new ArrayList<>();
      StreamId next = StreamId.MIN;
      int seen = 0;
      for (StreamId id : t.entries.tailMap(cursor, true).keySet()) {
        if (seen++ == count) {
          next = id;
          break;
        }
        if (removable(t, id)) {
          drop.add(id);
        }
      }
      if (!drop.isEmpty()) {
        applyNew(stream, t, new StoreOp.Remove(drop), null);
      }
      return CompletableFuture.completedFuture(new SweepResult(next, drop.size()));
    }
  }

  // ---------------------------------------------------------------- replication

  /**
   * The version of a stream: the number of operations that built its state (0 when unknown).
   *
   * @param stream the stream
   * @return the version
   */
  public synchronized long version(String stream) {
    Topic t = topics.get(stream);
    return t == null ? 0 : t.version;
  }

  /**
   * Whether a stream exists.
   *
   * @param stream the stream
   * @return true when held
   */
  public synchronized boolean holds(String stream) {
    return topics.containsKey(stream);
  }

  /**
   * How many streams are held.
   *
   * @return the count
   */
  public synchronized int size() {
    return topics.size();
  }

  /**
   * The streams held, sorted.
   *
   * @return a new list
   */
  public synchronized List<String> streams() {
    return new ArrayList<>(topics.keySet());
  }

  /**
   * What a listing shows of one stream, cheap to read: its name, how many entries it holds and
   * how many consumer groups read it.
   *
   * @param stream the stream's name
   * @param length entries held
   * @param groups consumer groups
   */
  public record StreamSummary(String stream, long length, int groups) {}

  /**
   * One page of the streams held, ascending by name, in O(log n + limit).
   *
   * @param after the last name of the previous page (exclusive), or {@code null} for the first
   * @param limit most streams returned, at least 1
   * @return up to {@code limit} summaries after {@code after}
   */
  public synchronized List<StreamSummary> streams(String after, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    List<StreamSummary> out = new ArrayList<>(Math.min(limit, 1024));
    for (Map.Entry<String, Topic> e
        : (after == null ? topics : topics.tailMap(after, false)).entrySet()) {
      if (out.size() == limit) {
        break;
      }
      Topic t = e.getValue();
      out.add(new StreamSummary(e.getKey(), t.size, t.groups.size()));
    }
    return out;
  }

  /**
   * A full copy of one stream.
   *
   * @param stream the stream
   * @return the snapshot, version 0 and empty when the stream is unknown
   */
  public synchronized TopicSnapshot snapshot(String stream) {
    Topic t = topics.get(stream);
    if (t == null) {
      return new TopicSnapshot(stream, 0, null, List.of(), List.of());
    }
    List<TopicSnapshot.Entry> entries = new ArrayList<>(t.size);
    for (Map.Entry<StreamId, StreamRecord> e : t.entries.entrySet()) {
      entries.add(new TopicSnapshot.Entry(e.getKey(), e.getValue()));
    }
    return new TopicSnapshot(stream, t.version, t.lastId, entries, groupsOf(t));
  }

  /** A copy of a topic's groups, pending entries and consumers. */
  private static List<TopicSnapshot.Group> groupsOf(Topic t) {
    List<TopicSnapshot.Group> groups = new ArrayList<>();
    for (Map.Entry<String, Group> e : t.groups.entrySet()) {
      Group g = e.getValue();
      List<TopicSnapshot.Pending> pend = new ArrayList<>();
      for (Map.Entry<StreamId, Pend> p : g.pel.entrySet()) {
        Pend v = p.getValue();
        pend.add(new TopicSnapshot.Pending(p.getKey(), v.consumer, v.deliveryTime, v.count));
      }
      groups.add(new TopicSnapshot.Group(e.getKey(), g.lastDelivered,
          new ArrayList<>(g.consumers), pend, g.lastActive));
    }
    return groups;
  }

  /**
   * Freezes every stream for a snapshot without copying its entries: the cost here is the
   * groups and their pending entries (bounded by the queue's limits), never the messages. Each
   * returned view writes its stream as it is now, from any thread, while this store keeps
   * changing; until it is written or closed, removed entries are kept for it.
   *
   * @return one view per stream in name order, or {@code null} while views of an earlier
   *     freeze are still open (then {@link #snapshot} copies instead)
   */
  public synchronized List<FrozenTopic> freeze() {
    for (Topic t : topics.values()) {
      if (t.removedSinceFreeze != null) {
        return null;
      }
    }
    List<FrozenTopic> out = new ArrayList<>(topics.size());
    for (Map.Entry<String, Topic> e : topics.entrySet()) {
      Topic t = e.getValue();
      t.frozenLastId = t.lastId;
      ConcurrentSkipListMap<StreamId, StreamRecord> kept = new ConcurrentSkipListMap<>();
      t.removedSinceFreeze = kept;
      out.add(new FrozenTopic(new TopicSnapshot(e.getKey(), t.version, t.lastId, List.of(),
          groupsOf(t)), t, kept, t.size));
    }
    return out;
  }

  /** Receives a frozen stream's entries in id order. */
  @FunctionalInterface
  public interface EntrySink {
    /**
     * Takes one entry.
     *
     * @param id its id
     * @param record its record
     * @throws IOException from the sink's stream
     */
    void accept(StreamId id, StreamRecord record) throws IOException;
  }

  /**
   * One stream frozen by {@link #freeze()}: its head and groups copied, its entries read from
   * the live map up to the frozen last id, plus those removed since.
   */
  public static final class FrozenTopic implements AutoCloseable {
    private final TopicSnapshot head;
    private final Topic topic;
    private final ConcurrentSkipListMap<StreamId, StreamRecord> removed;
    private final int size;
    private boolean ended;

    private FrozenTopic(TopicSnapshot head, Topic topic,
        ConcurrentSkipListMap<StreamId, StreamRecord> removed, int size) {
      this.head = head;
      this.topic = topic;
      this.removed = removed;
      this.size = size;
    }

    /** @return the stream, version, last id and groups as frozen; its entry list is empty */
    public TopicSnapshot head() {
      return head;
    }

    /** @return how many entries the stream held at the freeze */
    public int size() {
      return size;
    }

    /**
     * Hands every entry the stream held at the freeze to {@code sink}, in id order, and ends
     * the view. Call once, from any thread.
     *
     * @param sink the receiver
     * @throws IOException from the sink, or if the view lost an entry (a bug: then it is not a
     *     snapshot and must not be saved)
     */
    public synchronized void writeEntries(EntrySink sink) throws IOException {
      if (ended) {
        throw new IllegalStateException("a frozen stream is written once");
      }
      ended = true;
      try {
        int n = 0;
        StreamId prev = null;
        StreamId last = head.lastId();
        if (last != null) {
          for (Map.Entry<StreamId, StreamRecord> e
              : topic.entries.headMap(last, true).entrySet()) {
            n += removedBetween(prev, e.getKey(), sink);
            removed.remove(e.getKey()); // written live; a late copy of it must not come again
            sink.accept(e.getKey(), e.getValue());
            n++;
            prev = e.getKey();
          }
        }
        n += removedBetween(prev, null, sink);
        if (n != size) {
          throw new IOException("frozen stream '" + head.stream() + "' gave " + n
              + " entries of " + size);
        }
      } finally {
        end();
      }
    }

    /** Ends the view without writing it (a no-op once written). */
    @Override
    public synchronized void close() {
      ended = true;
      end();
    }

    private void end() {
      if (topic.removedSinceFreeze == removed) {
        topic.removedSinceFreeze = null;
      }
    }

    /** Entries removed since the freeze with ids strictly between {@code from} and {@code to}. */
    private int removedBetween(StreamId from, StreamId to, EntrySink sink) throws IOException {
      Map<StreamId, StreamRecord> range;
      if (from == null && to == null) {
        range = removed;
      } else if (from == null) {
        range = removed.headMap(to, false);
      } else if (to == null) {
        range = removed.tailMap(from, false);
      } else {
        range = removed.subMap(from, false, to, false);
      }
      int n = 0;
      for (Map.Entry<StreamId, StreamRecord> e : range.entrySet()) {
        sink.accept(e.getKey(), e.getValue());
        n++;
      }
      return n;
    }
  }

  /**
   * Replaces a stream by a snapshot when the snapshot is newer than the local copy.
   *
   * @param s the snapshot
   * @return true when the store now holds at least the snapshot's version
   */
  public synchronized boolean install(TopicSnapshot s) {
    Topic cur = topics.get(s.stream());
    if (cur != null && cur.version >= s.version()) {
      return true;
    }
    Topic t = new Topic();
    t.version = s.version();
    t.lastId = s.lastId();
    for (TopicSnapshot.Entry e : s.entries()) {
      if (t.entries.put(e.id(), e.record()) == null) {
        t.size++;
      }
    }
    for (TopicSnapshot.Group g : s.groups()) {
      Group ng = new Group();
      ng.lastDelivered = g.lastDelivered();
      ng.lastActive = g.lastActive();
      ng.consumers.addAll(g.consumers());
      for (TopicSnapshot.Pending p : g.pending()) {
        ng.pel.put(p.id(), new Pend(p.consumer(), p.deliveryTime(), p.deliveryCount()));
      }
      t.groups.put(g.name(), ng);
    }
    topics.put(s.stream(), t);
    return true;
  }
}
