package io.synod.cache.runtime;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheException;
import io.synod.cache.CacheStats;
import io.synod.cache.CacheValue;
import io.synod.cache.ReadResult;
import io.synod.cache.WriteResult;
import io.synod.cache.protocol.CacheMessage;
import io.synod.cache.protocol.LineState;
import io.synod.cache.protocol.OpKind;
import io.synod.cache.protocol.OpResult;
import io.synod.cache.protocol.ProtocolEffects;
import io.synod.cache.protocol.ProtocolNode;
import io.synod.cache.spi.CacheTransport;
import io.synod.cache.spi.Clock;
import io.synod.cache.spi.HomeLocator;
import io.synod.cache.spi.MainMemory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one node's coherence core ({@link ProtocolNode}) on a single thread of its own and gives
 * it an asynchronous API: {@link #read}, {@link #write} and {@link #invalidate} return
 * {@link CompletionStage}s that complete on the core thread (or with a {@link CacheException}
 * when the operation fails or its reply does not come within the operation timeout).
 *
 * <p>Every input (local operations, messages from {@link #receive}, main-memory completions,
 * membership changes) is queued onto the core thread, so the core itself stays the
 * single-threaded, deterministic state machine the simulator tests. Methods of this class are
 * thread-safe and never block.
 *
 * <p>A timed-out operation fails its stage (saying that it may still apply), but the core keeps
 * the transaction open and resends its request until it is answered: later operations on the key
 * proceed once it is. The core thread also ticks the core every half
 * {@link CacheConfig#retryNanos()} (resends, lease expiry).
 */
public final class CacheNode implements AutoCloseable {
  /** How often {@link #lastStats()} is refreshed. */
  public static final Duration STATS_REFRESH = Duration.ofMillis(250);
  /** Default time an operation may wait for its replies. */
  public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(CacheNode.class);

  private final String id;
  private final CacheTransport transport;
  private final MainMemory memory;
  private final Duration timeout;
  private final ScheduledThreadPoolExecutor core;
  private final ProtocolNode node;
  // owned by the core thread
  private final Map<Long, CompletableFuture<OpResult>> pending = new HashMap<>();
  private long nextOp = 1;
  private volatile boolean closed;
  private volatile CacheStats lastStats;

  private CacheNode(String id, CacheConfig config, HomeLocator homes, CacheTransport transport,
      MainMemory memory, Clock clock, Duration timeout) {
    this.id = Objects.requireNonNull(id, "id");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.memory = Objects.requireNonNull(memory, "memory");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.core = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "cache-core-" + id);
      t.setDaemon(true);
      return t;
    });
    core.setRemoveOnCancelPolicy(true);
    // a fresh incarnation per start (the runtime may read the wall clock): peers tell this
    // process's messages from those of an earlier one by it
    CacheConfig running = config.incarnation() == 0
        ? config.mutate().incarnation(System.currentTimeMillis()).build() : config;
    this.node = new ProtocolNode(id, running, homes, clock, new Effects());
    this.lastStats = node.stats();
    core.scheduleWithFixedDelay(() -> lastStats = node.stats(), STATS_REFRESH.toMillis(),
        STATS_REFRESH.toMillis(), TimeUnit.MILLISECONDS);
    long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(5), running.retryNanos() / 2);
    core.scheduleWithFixedDelay(() -> {
      try {
        node.tick();
      } catch (RuntimeException e) {
        log.error("cache core {} failed in tick: {}", id, e.toString(), e);
      }
    }, tick, tick, TimeUnit.NANOSECONDS);
  }

  /**
   * Starts a node.
   *
   * @param id this node's id, as the {@link HomeLocator} and the transport name it
   * @param config the cache configuration
   * @param homes names each key's home; called on the core thread
   * @param transport sends this node's messages; must not block
   * @param memory main memory, used for keys this node is home of
   * @param timeout how long an operation may wait for its replies; must be positive
   * @return the running node
   */
  public static CacheNode start(String id, CacheConfig config, HomeLocator homes,
      CacheTransport transport, MainMemory memory, Duration timeout) {
    return new CacheNode(id, config, homes, transport, memory, Clock.system(), timeout);
  }

  /**
   * Returns this node's id.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * Reads a key: a hit answers from the local line, a miss runs a transaction at the key's home.
   *
   * @param key the key, never null
   * @return the value (null when never written), the line state and hit or miss
   */
  public CompletionStage<ReadResult> read(String key) {
    Objects.requireNonNull(key, "key");
    return submit(OpKind.READ, key, null)
        .thenApply(r -> new ReadResult(key, r.value(), r.state(), r.hit()));
  }

  /**
   * Writes a key; completes once this node holds the line in M (and, under write-through, once
   * main memory has the value).
   *
   * @param key the key, never null
   * @param value the value, never null
   * @return the outcome
   */
  public CompletionStage<WriteResult> write(String key, CacheValue value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return submit(OpKind.WRITE, key, value)
        .thenApply(r -> new WriteResult(key, value, r.state(), r.hit()));
  }

  /**
   * Drops this node's copy of a key, writing a Modified line back first.
   *
   * @param key the key, never null
   * @return a stage completing once the line is gone, with true when there was a line to drop
   */
  public CompletionStage<Boolean> invalidate(String key) {
    Objects.requireNonNull(key, "key");
    return submit(OpKind.INVALIDATE, key, null).thenApply(r -> !r.hit());
  }

  /**
   * Writes every Modified line back to main memory by dropping it (the next access is a miss).
   *
   * @return a stage completing once every line that was Modified when it ran is gone
   */
  public CompletionStage<Void> flush() {
    return call(() -> node.keysIn(LineState.M)).thenCompose(keys -> {
      CompletableFuture<?>[] all = keys.stream()
          .map(k -> invalidate(k).toCompletableFuture())
          .toArray(CompletableFuture[]::new);
      return CompletableFuture.allOf(all);
    });
  }

  /**
   * Returns the counters as of at most {@link #STATS_REFRESH} ago, without waiting for the core
   * thread (for metrics gauges, which must not block).
   *
   * @return the last snapshot
   */
  public CacheStats lastStats() {
    return lastStats;
  }

  /**
   * Returns a snapshot of this node's counters, taken on the core thread.
   *
   * @return the stats
   */
  public CompletionStage<CacheStats> stats() {
    return call(node::stats);
  }

  /**
   * Returns the state of this node's line for a key, read on the core thread.
   *
   * @param key the key
   * @return the state
   */
  public CompletionStage<LineState> lineState(String key) {
    return call(() -> node.lineState(key));
  }

  /**
   * Hands a message addressed to this node to its core. Called by the transport's receiving
   * side, from any thread; never blocks.
   *
   * @param message the message
   */
  public void receive(CacheMessage message) {
    Objects.requireNonNull(message, "message");
    run(() -> node.step(message));
  }

  /**
   * Reports that the membership (the Raft log, never one failed send) declared a peer down;
   * {@code peer} may be this node itself, which then revalidates every line it holds. Operations
   * waiting on keys the peer is home of fail; its copies are given up once their leases ran out.
   *
   * @param peer the peer's id
   */
  public void nodeDown(String peer) {
    run(() -> node.nodeDown(peer));
  }

  /**
   * Reports that the membership counts a peer again (a restart shows in its incarnation).
   *
   * @param peer the peer's id
   */
  public void nodeUp(String peer) {
    run(() -> node.nodeUp(peer));
  }

  /** Stops the core thread; operations still pending fail with a {@link CacheException}. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      core.submit(() -> {
        CacheException stopped = new CacheException("cache node " + id + " closed");
        pending.values().forEach(f -> f.completeExceptionally(stopped));
        pending.clear();
      }).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("closing cache node {}: {}", id, e.toString());
    }
    core.shutdownNow();
  }

  private CompletionStage<OpResult> submit(OpKind kind, String key, CacheValue value) {
    CompletableFuture<OpResult> f = new CompletableFuture<>();
    if (!run(() -> {
      long op = nextOp++;
      pending.put(op, f);
      core.schedule(() -> {
        CompletableFuture<OpResult> late = pending.remove(op);
        if (late != null) {
          late.completeExceptionally(new CacheException(
              kind + " " + key + " timed out after " + timeout.toMillis() + " ms at " + id
                  + (kind == OpKind.READ ? "" : "; it may still apply"), kind != OpKind.READ));
        }
      }, timeout.toNanos(), TimeUnit.NANOSECONDS);
      node.submit(op, kind, key, value);
    })) {
      f.completeExceptionally(new CacheException("cache node " + id + " is closed"));
    }
    return f.minimalCompletionStage();
  }

  private <T> CompletionStage<T> call(java.util.function.Supplier<T> what) {
    CompletableFuture<T> f = new CompletableFuture<>();
    if (!run(() -> f.complete(what.get()))) {
      f.completeExceptionally(new CacheException("cache node " + id + " is closed"));
    }
    return f.minimalCompletionStage();
  }

  private boolean run(Runnable task) {
    if (closed) {
      return false;
    }
    try {
      core.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          // an invariant broke: log loudly, keep the thread for the other keys
          log.error("cache core {} failed: {}", id, e.toString(), e);
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private final class Effects implements ProtocolEffects {
    @Override
    public void send(CacheMessage message) {
      if (message.to().equals(id)) {
        // a message to itself (this node is the key's home) goes through the queue, never
        // reentrantly into the core
        run(() -> node.step(message));
        return;
      }
      try {
        transport.send(message);
      } catch (RuntimeException e) {
        log.warn("cache transport failed to send {}: {}", message, e.toString());
      }
    }

    @Override
    public void memoryRead(long token, String key) {
      CompletionStage<CacheValue> stage;
      try {
        stage = memory.get(key);
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenComplete((v, err) -> run(() -> node.memoryReadDone(token, v, err)));
    }

    @Override
    public void memoryWrite(long token, String key, CacheValue value) {
      CompletionStage<Void> stage;
      try {
        stage = memory.put(key, value);
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenComplete((v, err) -> {
        if (err != null) {
          log.warn("main memory write of {} failed at {}: {}", key, id, err.toString());
        }
        run(() -> node.memoryWriteDone(token, err));
      });
    }

    @Override
    public void complete(long opId, OpResult result) {
      CompletableFuture<OpResult> f = pending.remove(opId);
      if (f != null) {
        f.complete(result);
      }
    }

    @Override
    public void fail(long opId, RuntimeException error) {
      CompletableFuture<OpResult> f = pending.remove(opId);
      if (f != null) {
        f.completeExceptionally(error);
      }
    }
  }
}
