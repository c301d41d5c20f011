package io.synod.cache.protocol;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheValue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A synchronous test cluster of {@link ProtocolNode}s: messages and memory operations go into one
 * FIFO queue that {@link #settle()} drains, so scenarios read as set-up / step / check. Every
 * message sent is recorded for message-count checks. Time stands still until {@link #advance}
 * moves the shared manual clock (and ticks every node).
 */
final class Cluster {
  private static final CacheMessage MEMORY =
      new CacheMessage(MessageType.NACK, "-", "-", "-", "-", 0, 0, null, false, 0, 0, 0);
  final Map<String, ProtocolNode> nodes = new LinkedHashMap<>();
  final TreeMap<String, CacheValue> memory = new TreeMap<>();
  final List<CacheMessage> sent = new ArrayList<>();
  final Map<Long, OpResult> results = new TreeMap<>();
  final Map<Long, RuntimeException> failures = new TreeMap<>();
  final List<String> memoryWrites = new ArrayList<>();
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  // what each queued item is, for out-of-order delivery (null for memory completions)
  private final ArrayDeque<CacheMessage> queuedMessages = new ArrayDeque<>();
  /** When set, main-memory reads fail. */
  boolean failMemoryReads;
  private final Function<String, String> homes;
  private final CacheConfig config;
  private long nextOp = 1;
  /** The manual clock every node reads. */
  long now;
  /** Messages of these types are dropped when sent (a lossy link, on demand). */
  final java.util.Set<MessageType> dropping = java.util.EnumSet.noneOf(MessageType.class);
  /** Nodes whose messages (to and from) are dropped: cut off, paused or dead. */
  final java.util.Set<String> cut = new java.util.TreeSet<>();

  Cluster(int n, CacheConfig config, Function<String, String> homes) {
    this.homes = homes;
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      ids.add("n" + i);
    }
    this.config = config.mutate().members(ids).build();
    for (String id : ids) {
      nodes.put(id, new ProtocolNode(id, this.config, homes::apply, () -> now, effects(id)));
    }
  }

  /** Restarts a node empty, with a new incarnation. */
  void restart(String id, long incarnation) {
    CacheConfig c = config.mutate().incarnation(incarnation)
        .firstTxn((incarnation << 40) + 1).build();
    nodes.put(id, new ProtocolNode(id, c, homes::apply, () -> now, effects(id)));
  }

  /** Moves the clock on by {@code nanos} in retry-sized steps, ticking and settling each. */
  void advance(long nanos) {
    long step = Math.max(1, config.retryNanos());
    long target = now + nanos;
    while (now < target) {
      now = Math.min(target, now + step);
      for (ProtocolNode n : new ArrayList<>(nodes.values())) {
        n.tick();
      }
      settle();
    }
  }

  /** Three nodes, every key homed at n1. */
  static Cluster of(CacheConfig config) {
    return new Cluster(3, config, k -> "n1");
  }

  private ProtocolEffects effects(String id) {
    return new ProtocolEffects() {
      @Override
      public void send(CacheMessage m) {
        if (dropping.contains(m.type()) || cut.contains(m.from()) || cut.contains(m.to())) {
          return;
        }
        sent.add(m);
        queuedMessages.add(m);
        queue.add(() -> {
          ProtocolNode to = nodes.get(m.to());
          if (to != null) {
            to.step(m);
          }
        });
      }

      @Override
      public void memoryRead(long token, String key) {
        queuedMessages.add(MEMORY);
        queue.add(() -> node(id).memoryReadDone(token, failMemoryReads ? null : memory.get(key),
            failMemoryReads ? new IllegalStateException("memory down") : null));
      }

      @Override
      public void memoryWrite(long token, String key, CacheValue value) {
        queuedMessages.add(MEMORY);
        queue.add(() -> {
          memory.put(key, value);
          memoryWrites.add(key + "=" + value);
          node(id).memoryWriteDone(token, null);
        });
      }

      @Override
      public void complete(long opId, OpResult result) {
        results.put(opId, result);
      }

      @Override
      public void fail(long opId, RuntimeException error) {
        failures.put(opId, error);
      }
    };
  }

  ProtocolNode node(String id) {
    return nodes.get(id);
  }

  /** Submits an operation without delivering anything; returns its id. */
  long submit(String node, OpKind kind, String key, String value) {
    long id = nextOp++;
    node(node).submit(id, kind, key, value == null ? null : CacheValue.of(value));
    return id;
  }

  OpResult read(String node, String key) {
    return run(submit(node, OpKind.READ, key, null));
  }

  OpResult write(String node, String key, String value) {
    return run(submit(node, OpKind.WRITE, key, value));
  }

  OpResult invalidate(String node, String key) {
    return run(submit(node, OpKind.INVALIDATE, key, null));
  }

  private OpResult run(long op) {
    settle();
    OpResult r = results.get(op);
    if (r == null) {
      throw new AssertionError("operation " + op + " did not complete: " + failures.get(op));
    }
    return r;
  }

  /** Delivers queued messages and memory completions until nothing is left. */
  void settle() {
    int budget = 10_000;
    while (!queue.isEmpty()) {
      if (--budget == 0) {
        throw new AssertionError("no quiescence: livelock?");
      }
      queuedMessages.pollFirst();
      queue.pollFirst().run();
    }
  }

  /**
   * Delivers, out of order, the first queued message of {@code type} to {@code to}: the
   * network's reordering, on demand.
   */
  void deliverFirst(MessageType type, String to) {
    java.util.Iterator<CacheMessage> ms = queuedMessages.iterator();
    java.util.Iterator<Runnable> rs = queue.iterator();
    while (ms.hasNext()) {
      CacheMessage m = ms.next();
      Runnable r = rs.next();
      if (m != MEMORY && m.type() == type && m.to().equals(to)) {
        ms.remove();
        rs.remove();
        r.run();
        return;
      }
    }
    throw new AssertionError("no queued " + type + " to " + to + ": " + queuedMessages);
  }

  /** Completes the first queued main-memory operation, out of order. */
  void completeFirstMemoryOperation() {
    java.util.Iterator<CacheMessage> ms = queuedMessages.iterator();
    java.util.Iterator<Runnable> rs = queue.iterator();
    while (ms.hasNext()) {
      CacheMessage m = ms.next();
      Runnable r = rs.next();
      if (m == MEMORY) {
        ms.remove();
        rs.remove();
        r.run();
        return;
      }
    }
    throw new AssertionError("no memory operation queued");
  }

  /** Runs the next queued delivery or memory completion. */
  void deliverNext() {
    queuedMessages.pollFirst();
    queue.pollFirst().run();
  }

  /** Drops everything in flight to or from {@code id} and tells the survivors it is down. */
  void crash(String id) {
    nodes.remove(id);
    for (ProtocolNode n : nodes.values()) {
      n.nodeDown(id);
    }
  }

  /**
   * Messages sent since the mark, as "TYPE from->to", leaving out the rebuild round (Collect)
   * a home runs the first time it serves a key.
   */
  List<String> since(int mark) {
    List<String> out = new ArrayList<>();
    for (CacheMessage m : sent.subList(mark, sent.size())) {
      if (m.type() == MessageType.COLLECT || m.type() == MessageType.COLLECT_ACK) {
        continue;
      }
      out.add(m.type() + " " + m.from() + "->" + m.to());
    }
    return out;
  }

  int mark() {
    return sent.size();
  }

  LineState state(String node, String key) {
    return node(node).lineState(key);
  }
}
