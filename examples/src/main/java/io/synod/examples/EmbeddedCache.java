package io.synod.examples;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheException;
import io.synod.cache.CacheStats;
import io.synod.cache.CacheValue;
import io.synod.cache.ReadResult;
import io.synod.cache.WriteResult;
import io.synod.cache.protocol.LineState;
import io.synod.cache.runtime.CacheNode;
import io.synod.cache.runtime.InMemoryCacheNetwork;
import io.synod.cache.runtime.InMemoryMainMemory;
import io.synod.cache.spi.MainMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MESI-coherent cache inside one application: three {@link CacheNode}s (A, B, C) on the
 * in-process network ({@link InMemoryCacheNetwork}) over one shared main memory, write-back
 * policy. One key goes through the textbook MESI story:
 *
 * <ol>
 *   <li>A reads it: a miss, served from main memory; A is the only holder, so its line is E;
 *   <li>B reads it: a miss; the home downgrades A (Inv, keep S) and serves memory: both S;
 *   <li>C writes it: a miss; the home invalidates A and B, C holds the line in M and main memory
 *       still has the old value (write-back);
 *   <li>A reads it again: a miss served by C's Modified copy; A and C end in S, and C's dirty
 *       data is written back to main memory on the way;
 *   <li>A reads it once more: a hit, no message sent.
 * </ol>
 *
 * <p>Then each node's counters (hits, misses, invalidations, write-backs) are shown. The nodes
 * run on threads of their own, but every step waits for the previous one, so the states, values
 * and counters are the same in every run.
 *
 * <p>Run: {@code mvn -q -o -pl examples -am package -DskipTests -Dexample=EmbeddedCache}
 */
public final class EmbeddedCache {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedCache.class);
  /** The three node ids, in the order the scenario uses them. */
  public static final List<String> NODES = List.of("A", "B", "C");
  /** The value main memory holds before the scenario starts. */
  public static final String INITIAL_VALUE = "v0";
  /** The value C writes. */
  public static final String WRITTEN_VALUE = "v1";
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);

  /**
   * One step of the scenario, as observed right after it completed.
   *
   * @param action what was done, e.g. {@code "A reads k"}
   * @param node the node that did it
   * @param value the value the read returned or the write stored ({@code null} when a read found
   *     nothing)
   * @param hit whether the node served it without a coherence message
   * @param lines the key's line state at every node after the step, by node id
   * @param mainMemory the value in main memory after the step
   */
  public record Step(String action, String node, String value, boolean hit,
      Map<String, LineState> lines, String mainMemory) {}

  /**
   * The counters of one node at the end of the run (the deterministic part of
   * {@link CacheStats}; latencies are left out).
   *
   * @param hits operations served from the local line
   * @param misses operations that needed a transaction at the home
   * @param invalidationsSent Inv messages this node's directory sent (nonzero only at the home)
   * @param invalidationsReceived Inv messages this node's cache received
   * @param writeBacks Modified data this node sent towards main memory
   */
  public record NodeStats(long hits, long misses, long invalidationsSent,
      long invalidationsReceived, long writeBacks) {
    static NodeStats of(CacheStats s) {
      return new NodeStats(s.hits(), s.misses(), s.invalidationsSent(),
          s.invalidationsReceived(), s.writeBacks());
    }
  }

  /**
   * What happened, for the reader and for the test.
   *
   * @param key the key the scenario used
   * @param home the key's home node (its directory serializes every transaction on the key)
   * @param steps the five steps, in order
   * @param stats each node's counters at the end, by node id
   * @param memoryWrites every write main memory received during the run, as {@code key=value}
   */
  public record Result(String key, String home, List<Step> steps, Map<String, NodeStats> stats,
      List<String> memoryWrites) {}

  private EmbeddedCache() {}

  /**
   * Runs the example on key {@code k}.
   *
   * @param args unused
   */
  public static void main(String[] args) {
    Result r = run("k");
    LOG.info("result: {}", r);
  }

  /**
   * Names a key's home: a hash over the three nodes. It stands in for the consistent-hash ring
   * node-server plugs in; what matters is that every node computes the same home.
   *
   * @param key the key, never null
   * @return one of {@link #NODES}
   */
  public static String homeOf(String key) {
    return NODES.get(Math.floorMod(key.hashCode(), NODES.size()));
  }

  /**
   * Starts three nodes, plays the scenario on {@code key}, stops the nodes.
   *
   * @param key the key; must not be null or blank
   * @return what happened
   * @throws IllegalArgumentException when the key is null or blank
   * @throws IllegalStateException when a step fails or does not finish within 10 seconds
   */
  public static Result run(String key) {
    if (key == null || key.isBlank()) {
      throw new IllegalArgumentException("key must be a non-blank string, got " + key);
    }
    ObservedMemory memory = new ObservedMemory();
    // the backing store already holds a value before any cache has seen the key
    memory.seed(key, CacheValue.of(INITIAL_VALUE));
    // LRU, write-back; the members are asked what they hold when a home rebuilds an entry
    CacheConfig config = CacheConfig.builder().members(NODES).build();
    List<Step> steps = new ArrayList<>();
    try (InMemoryCacheNetwork net = new InMemoryCacheNetwork()) {
      for (String id : NODES) {
        net.start(id, config, EmbeddedCache::homeOf, memory, STEP_TIMEOUT);
      }
      CacheNode a = net.node("A");
      CacheNode b = net.node("B");
      CacheNode c = net.node("C");
      LOG.info("key '{}' has its home (directory) at node {}; main memory holds '{}'", key,
          homeOf(key), INITIAL_VALUE);

      steps.add(read(net, memory, a, key, "A reads " + key,
          "a miss served from main memory; A is the only holder: E"));
      steps.add(read(net, memory, b, key, "B reads " + key,
          "a miss; the home downgrades A and serves B from memory: both S"));
      WriteResult w = await(c.write(key, CacheValue.of(WRITTEN_VALUE)), "C writes " + key);
      steps.add(observe(net, memory, key, "C writes " + key,
          "a miss; the home invalidates A and B: C in M, main memory still old (write-back)",
          "C", w.value().asString(), w.hit()));
      // C sends its Data to A before the copy for the home, so A's read can complete before
      // main memory has the value: wait for the write-back itself before looking at memory
      CompletableFuture<CacheValue> writeBack = memory.nextWrite();
      ReadResult again = await(a.read(key), "A reads " + key + " again");
      await(writeBack, "the write-back of " + key);
      steps.add(observe(net, memory, key, "A reads " + key + " again",
          "a miss served by C's Modified copy: A and C in S, C's data written back",
          "A", text(again.value()), again.hit()));
      steps.add(read(net, memory, a, key, "A reads " + key + " once more",
          "a hit: A's S line answers, no message sent"));

      Map<String, NodeStats> stats = new TreeMap<>();
      for (String id : NODES) {
        CacheStats s = await(net.node(id).stats(), "stats of " + id);
        stats.put(id, NodeStats.of(s));
        LOG.info("node {}: hits {}, misses {}, hit ratio {}, invalidations sent {} received {},"
                + " write-backs {}", id, s.hits(), s.misses(),
            String.format(Locale.ROOT, "%.2f", s.hitRatio()), s.invalidationsSent(),
            s.invalidationsReceived(), s.writeBacks());
      }
      return new Result(key, homeOf(key), List.copyOf(steps),
          Collections.unmodifiableMap(stats), List.copyOf(memory.writes));
    }
  }

  private static Step read(InMemoryCacheNetwork net, ObservedMemory memory, CacheNode node,
      String key, String action, String why) {
    ReadResult r = await(node.read(key), action);
    return observe(net, memory, key, action, why, node.id(), text(r.value()), r.hit());
  }

  /**
   * Records the key's line at every node. A node whose line a step changes (an Inv, a forwarded
   * read) changes it before it sends the reply that lets the step's operation complete, and each
   * query below runs on that node's core thread after that work, so the states read here are
   * the ones the step left, in every run.
   */
  private static Step observe(InMemoryCacheNetwork net, ObservedMemory memory, String key,
      String action, String why, String node, String value, boolean hit) {
    Map<String, LineState> lines = new TreeMap<>();
    for (String id : NODES) {
      lines.put(id, await(net.node(id).lineState(key), "line state at " + id));
    }
    String inMemory = text(memory.peek(key));
    LOG.info("{}: {} '{}'; lines {}; main memory '{}' -- {}", action, hit ? "hit" : "miss",
        value, lines, inMemory, why);
    return new Step(action, node, value, hit, Collections.unmodifiableMap(lines), inMemory);
  }

  private static String text(CacheValue v) {
    return v == null ? null : v.asString();
  }

  /** Waits for a stage; the bound only keeps a broken run from hanging. */
  private static <T> T await(CompletionStage<T> stage, String what) {
    try {
      return stage.toCompletableFuture()
          .get(STEP_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " did not finish", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " was interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException ce && ce.getCause() != null
          ? ce.getCause() : e.getCause();
      if (cause instanceof CacheException) {
        throw new IllegalStateException(what + " failed: " + cause.getMessage(), cause);
      }
      throw new IllegalStateException(what + " failed", cause);
    }
  }

  /**
   * Main memory that logs and records every write, so the example can show the write-back and
   * wait for it: the home issues it asynchronously, after the reader already has its data.
   */
  private static final class ObservedMemory implements MainMemory {
    private final InMemoryMainMemory store = new InMemoryMainMemory();
    private final List<String> writes = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<CacheValue>> waiting = new CopyOnWriteArrayList<>();

    void seed(String key, CacheValue value) {
      store.put(key, value);
    }

    CacheValue peek(String key) {
      return store.peek(key);
    }

    /** A future completed by the next write main memory receives. */
    CompletableFuture<CacheValue> nextWrite() {
      CompletableFuture<CacheValue> f = new CompletableFuture<>();
      waiting.add(f);
      return f;
    }

    @Override
    public CompletionStage<CacheValue> get(String key) {
      return store.get(key);
    }

    @Override
    public CompletionStage<Void> put(String key, CacheValue value) {
      Objects.requireNonNull(value, "value");
      CompletionStage<Void> done = store.put(key, value);
      writes.add(key + "=" + value.asString());
      LOG.info("main memory <- {} = '{}' (write-back)", key, value.asString());
      for (CompletableFuture<CacheValue> f : waiting) {
        waiting.remove(f);
        f.complete(value);
      }
      return done;
    }
  }
}
