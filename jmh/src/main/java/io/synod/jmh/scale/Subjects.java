package io.synod.jmh.scale;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheValue;
import io.synod.cache.runtime.CacheNode;
import io.synod.cache.runtime.InMemoryCacheNetwork;
import io.synod.cache.runtime.InMemoryMainMemory;
import io.synod.queue.Delivery;
import io.synod.queue.QueueConfig;
import io.synod.queue.QueueMachine;
import io.synod.queue.QueueRequest;
import io.synod.queue.spi.StreamRecord;
import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockLimits;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockStateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The structures {@link ScaleRun} fills: the code that holds each item in a node. */
public final class Subjects {
  private Subjects() {}

  /**
   * A lock table with the default limits but room for {@code maxResources} resources, for the
   * benchmarks that fill one.
   *
   * @param maxResources the resource limit
   * @return an empty table
   */
  public static LockStateMachine lockTable(int maxResources) {
    LockLimits d = LockLimits.DEFAULT;
    return new LockStateMachine(new LockLimits(maxResources, d.maxSessions(),
        d.maxWaitersPerResource(), d.maxWaiters(), d.maxHoldCount(), d.maxNameBytes(),
        d.minTtlMillis(), d.maxTtlMillis()), LockListener.NONE);
  }

  static ScaleRun.Subject create(String kind, int payload) {
    return switch (kind) {
      case "locks" -> new Locks();
      case "messages" -> new Messages(payload);
      case "lines" -> new Lines(payload);
      default -> throw new IllegalArgumentException("unknown kind " + kind
          + " (locks, messages, lines)");
    };
  }

  /**
   * Held locks in one replica's {@link LockStateMachine}, as the lock group applies them: each
   * an exclusive grant to its own owner. One operation: an acquire of a new resource and its
   * release, applied.
   */
  static final class Locks implements ScaleRun.Subject {
    private LockStateMachine table = newTable();
    private long index;

    private static LockStateMachine newTable() {
      return lockTable(10_000_000);
    }

    @Override
    public void fill(int n) {
      for (int i = 0; i < n; i++) {
        acquire("resource-" + i, "owner-" + i);
      }
    }

    private void acquire(String resource, String owner) {
      index++;
      table.apply(index, new LockCommand.Acquire(0, index, HolderId.ownerOnly(owner), resource,
          LockMode.EXCLUSIVE, 0));
    }

    @Override
    public void op(int i) {
      acquire("op-" + i, "op-owner-" + i);
      index++;
      table.apply(index, new LockCommand.Release(0, HolderId.ownerOnly("op-owner-" + i),
          "op-" + i, LockCommand.NO_TOKEN));
    }

    @Override
    public long snapshotBytes() throws IOException {
      return snapshot().length;
    }

    @Override
    public Object root() {
      return table;
    }

    private byte[] snapshot() throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      table.snapshot().writeTo(out);
      return out.toByteArray();
    }

    @Override
    public long restoreNanos() throws IOException {
      byte[] bytes = snapshot();
      LockStateMachine fresh = newTable();
      long t0 = System.nanoTime();
      fresh.restore(new ByteArrayInputStream(bytes));
      long took = System.nanoTime() - t0;
      if (fresh.resourceCount() != table.resourceCount()) {
        throw new IllegalStateException("restored " + fresh.resourceCount() + " of "
            + table.resourceCount() + " locks");
      }
      return took;
    }
  }

  /**
   * Queued messages in one replica's {@link QueueMachine}, as a queue group applies them: 16
   * topics, payloads of a fixed size. One operation: a publish to a topic of its own, a consume
   * of one message by a consumer group and its ack, applied.
   */
  static final class Messages implements ScaleRun.Subject {
    private static final QueueConfig CONFIG =
        QueueConfig.defaults().withRetention(100_000_000, Long.MAX_VALUE);
    private final QueueMachine machine = new QueueMachine(CONFIG, topic -> {});
    private final byte[] payload;
    private long stamp = 1;

    Messages(int payload) {
      this.payload = new byte[payload];
      new SplittableRandom(1).nextBytes(this.payload);
    }

    private Object apply(QueueRequest<?> r) {
      Object out = machine.apply(QueueMachine.command(stamp++, r));
      if (out instanceof RuntimeException e) {
        throw e;
      }
      return out;
    }

    @Override
    public void fill(int n) {
      for (int from = 0; from < n; from += 100) {
        List<StreamRecord> batch = new ArrayList<>();
        for (int i = from; i < Math.min(n, from + 100); i++) {
          batch.add(StreamRecord.of(payload));
        }
        // over 16 topics: one stream holds at most a million entries
        apply(new QueueRequest.Publish("scale-" + (from / 100) % 16, batch, 0));
      }
    }

    @Override
    public void op(int i) {
      apply(new QueueRequest.Publish("scale-op", List.of(StreamRecord.of(payload)), 0));
      @SuppressWarnings("unchecked")
      List<Delivery> got = (List<Delivery>) apply(
          new QueueRequest.Consume("scale-op", "g", "c", 1, 0, 0));
      List<String> ids = new ArrayList<>();
      for (Delivery d : got) {
        ids.add(d.id().toString());
      }
      apply(new QueueRequest.Ack("scale-op", "g", ids, 0));
    }

    @Override
    public Object root() {
      return machine;
    }

    @Override
    public long snapshotBytes() {
      try (QueueMachine.Frozen f = machine.freeze()) {
        return f.toBytes().length;
      }
    }

    @Override
    public long restoreNanos() throws IOException {
      byte[] bytes;
      try (QueueMachine.Frozen f = machine.freeze()) {
        bytes = f.toBytes();
      }
      QueueMachine fresh = new QueueMachine(CONFIG, topic -> {});
      long t0 = System.nanoTime();
      fresh.restore(bytes);
      return System.nanoTime() - t0;
    }
  }

  /**
   * Cache lines in one {@link CacheNode} that is also their home (a directory entry each),
   * write-back, capacity for every line: what a node holds per line beyond main memory (Redis
   * or the replicated main memory). One operation: a read hit of a random line, through the
   * node's core thread as the server serves it. Cache lines have no snapshot.
   */
  static final class Lines implements ScaleRun.Subject {
    private final byte[] value;
    private InMemoryCacheNetwork net;
    private CacheNode node;
    private int filled;
    private final SplittableRandom random = new SplittableRandom(7);

    Lines(int payload) {
      this.value = new byte[payload];
      new SplittableRandom(2).nextBytes(this.value);
    }

    @Override
    public void fill(int n) throws Exception {
      net = new InMemoryCacheNetwork();
      CacheConfig config = CacheConfig.builder().capacity(Math.max(n, 1)).members(Set.of("n1"))
          .build();
      node = net.start("n1", config, key -> "n1", new InMemoryMainMemory(),
          Duration.ofSeconds(30));
      for (int from = 0; from < n; from += 1_000) {
        List<CompletableFuture<?>> window = new ArrayList<>();
        for (int i = from; i < Math.min(n, from + 1_000); i++) {
          window.add(node.write("key-" + i, CacheValue.of(value)).toCompletableFuture());
        }
        CompletableFuture.allOf(window.toArray(CompletableFuture[]::new))
            .get(60, TimeUnit.SECONDS);
      }
      filled = n;
    }

    @Override
    public void op(int i) throws Exception {
      node.read("key-" + random.nextInt(Math.max(filled, 1))).toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    }

    @Override
    public Object root() {
      return node;
    }

    @Override
    public long snapshotBytes() {
      return -1;
    }

    @Override
    public long restoreNanos() {
      return -1;
    }

    @Override
    public void close() {
      if (net != null) {
        net.close();
      }
    }
  }
}
