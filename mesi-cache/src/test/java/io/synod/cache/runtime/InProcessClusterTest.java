package io.synod.cache.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheException;
import io.synod.cache.CacheStats;
import io.synod.cache.CacheValue;
import io.synod.cache.ReadResult;
import io.synod.cache.WritePolicy;
import io.synod.cache.protocol.LineState;
import io.synod.cache.sim.LinearizabilityChecker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Three {@link CacheNode}s on real threads over {@link InMemoryCacheNetwork}. */
class InProcessClusterTest {
  private static final List<String> IDS = List.of("n1", "n2", "n3");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private final InMemoryCacheNetwork net = new InMemoryCacheNetwork();
  private final InMemoryMainMemory memory = new InMemoryMainMemory();

  private static String homeOf(String key) {
    return IDS.get(Math.floorMod(key.hashCode(), IDS.size()));
  }

  private void startAll(CacheConfig config) {
    for (String id : IDS) {
      net.start(id, config.mutate().members(IDS).build(), InProcessClusterTest::homeOf, memory,
          TIMEOUT);
    }
  }

  @AfterEach
  void close() {
    net.close();
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  @ParameterizedTest
  @EnumSource(WritePolicy.class)
  void concurrentClientsOnThreeNodesSeeALinearizableHistoryPerKey(WritePolicy policy)
      throws Exception {
    startAll(CacheConfig.builder().capacity(2).writePolicy(policy).build());
    List<String> keys = List.of("a", "b", "c");
    int clientsPerNode = 2;
    int opsPerClient = 60;
    long origin = System.nanoTime();
    Map<String, List<LinearizabilityChecker.Op>> history = new TreeMap<>();
    keys.forEach(k -> history.put(k, new ArrayList<>()));
    ExecutorService pool = Executors.newFixedThreadPool(IDS.size() * clientsPerNode);
    List<Future<?>> clients = new ArrayList<>();
    for (String id : IDS) {
      for (int c = 0; c < clientsPerNode; c++) {
        String client = id + "/" + c;
        long seed = client.hashCode();
        clients.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          CacheNode node = net.node(id);
          for (int i = 0; i < opsPerClient; i++) {
            String key = keys.get(random.nextInt(keys.size()));
            int roll = random.nextInt(10);
            long invoke = System.nanoTime() - origin;
            if (roll < 5) {
              ReadResult r = await(node.read(key));
              long resp = System.nanoTime() - origin;
              record(history, key, new LinearizabilityChecker.Op(LinearizabilityChecker.Kind.READ,
                  r.value() == null ? null : r.value().asString(), invoke, resp, client));
            } else if (roll < 9) {
              String v = client + "#" + i;
              await(node.write(key, CacheValue.of(v)));
              long resp = System.nanoTime() - origin;
              record(history, key, new LinearizabilityChecker.Op(
                  LinearizabilityChecker.Kind.WRITE, v, invoke, resp, client));
            } else {
              await(node.invalidate(key));
            }
          }
          return null;
        }));
      }
    }
    for (Future<?> f : clients) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    for (String key : keys) {
      List<LinearizabilityChecker.Op> ops;
      synchronized (history) {
        ops = List.copyOf(history.get(key));
      }
      assertNull(LinearizabilityChecker.check(ops, null), key);
      // quiescent: every node now reads the same value
      String first = null;
      for (String id : IDS) {
        CacheValue v = await(net.node(id).read(key)).value();
        String text = v == null ? null : v.asString();
        if (id.equals("n1")) {
          first = text;
        } else {
          assertEquals(first, text, key + " at " + id);
        }
      }
    }
    long misses = 0;
    long hits = 0;
    for (String id : IDS) {
      CacheStats s = await(net.node(id).stats());
      misses += s.misses();
      hits += s.hits();
    }
    assertTrue(misses > 0 && hits > 0, "hits " + hits + " misses " + misses);
  }

  private static void record(Map<String, List<LinearizabilityChecker.Op>> history, String key,
      LinearizabilityChecker.Op op) {
    synchronized (history) {
      history.get(key).add(op);
    }
  }

  @Test
  void aReadMissGivesExclusiveThenASecondNodeSharesIt() {
    startAll(CacheConfig.create());
    await(net.node("n1").write("k", CacheValue.of("v1")));
    ReadResult r2 = await(net.node("n2").read("k"));
    assertEquals("v1", r2.value().asString());
    assertEquals(LineState.S, r2.state());
    assertEquals(LineState.S, await(net.node("n1").lineState("k")));
    ReadResult again = await(net.node("n2").read("k"));
    assertTrue(again.hit());
  }

  @Test
  void underWriteThroughACrashedOwnerLosesNoAcknowledgedWrite() {
    startAll(CacheConfig.builder().writePolicy(WritePolicy.WRITE_THROUGH).build());
    String key = "x";
    String writer = IDS.stream().filter(id -> !id.equals(homeOf(key))).findFirst().orElseThrow();
    await(net.node(writer).write(key, CacheValue.of("kept")));
    net.crash(writer);
    String reader = IDS.stream().filter(id -> !id.equals(writer)).findFirst().orElseThrow();
    assertEquals("kept", await(net.node(reader).read(key)).value().asString());
    assertEquals("kept", memory.peek(key).asString());
  }

  @Test
  void anOperationWhoseHomeNeverAnswersTimesOut() {
    // n2's home for every key is a node that does not exist: the GetS is never answered
    CacheNode lonely = net.start("n2", CacheConfig.create(), k -> "nobody", memory,
        Duration.ofMillis(100));
    CompletionException e = assertThrows(CompletionException.class,
        () -> lonely.read("k").toCompletableFuture().join());
    assertInstanceOf(CacheException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("timed out"));
  }

  @Test
  void aClosedNodeRefusesOperations() {
    CacheNode node = net.start("n1", CacheConfig.create(), k -> "n1", memory, TIMEOUT);
    node.close();
    CompletionException e = assertThrows(CompletionException.class,
        () -> node.read("k").toCompletableFuture().join());
    assertInstanceOf(CacheException.class, e.getCause());
    assertThrows(IllegalArgumentException.class, () -> CacheNode.start("x",
        CacheConfig.create(), k -> "x", m -> { }, memory, Duration.ZERO));
  }
}
