package io.synod.transport.http.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheStats;
import io.synod.cache.CacheValue;
import io.synod.cache.ReadResult;
import io.synod.cache.WritePolicy;
import io.synod.cache.protocol.LineState;
import io.synod.cache.runtime.CacheNode;
import io.synod.cache.runtime.InMemoryMainMemory;
import io.synod.cache.sim.LinearizabilityChecker;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpServer;
import io.synod.transport.http.Router;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three cache nodes in one JVM talking over real loopback HTTP through HttpCacheTransport. */
class HttpCacheClusterIT {
  private static final List<String> IDS = List.of("c1", "c2", "c3");

  /** One node: HTTP server, client pool, transport and cache runtime. */
  static final class Node {
    final String id;
    final HttpServer http;
    final AtomicReference<CacheNode> cache = new AtomicReference<>();
    HttpClientPool pool;
    HttpCacheTransport transport;

    Node(String id, EventLoops loops) {
      this.id = id;
      Router router = new Router();
      HttpCacheTransport.register(router, m -> {
        CacheNode c = cache.get();
        if (c != null) {
          c.receive(m);
        }
      });
      http = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops).name(id)
          .build().start();
    }

    CacheNode cache() {
      return cache.get();
    }

    void close() {
      CacheNode c = cache.get();
      if (c != null) {
        c.close();
      }
      if (transport != null) {
        transport.close();
      }
      http.closeAsync(Duration.ofMillis(200)).toCompletableFuture().join();
      if (pool != null) {
        pool.close();
      }
    }
  }

  private EventLoops loops;
  private final Map<String, Node> nodes = new TreeMap<>();
  private final InMemoryMainMemory memory = new InMemoryMainMemory();

  private static String homeOf(String key) {
    return IDS.get(Math.floorMod(key.hashCode(), IDS.size()));
  }

  private void startCluster(CacheConfig config) {
    loops = EventLoops.create("cache-it", 2);
    for (String id : IDS) {
      nodes.put(id, new Node(id, loops));
    }
    for (Node n : nodes.values()) {
      Map<String, URI> peers = new TreeMap<>();
      for (Node other : nodes.values()) {
        if (!other.id.equals(n.id)) {
          peers.put(other.id, URI.create("http://127.0.0.1:" + other.http.port()));
        }
      }
      n.pool = HttpClientPool.create(loops, HttpCacheTransport.recommendedClientOptions());
      // a failed batch is not a membership signal: the protocol resends
      n.transport = new HttpCacheTransport(n.pool, peers, peer -> { });
      n.cache.set(CacheNode.start(n.id, config.mutate().members(IDS).build(),
          HttpCacheClusterIT::homeOf, n.transport, memory, Duration.ofSeconds(20)));
    }
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(Node::close);
    nodes.clear();
    if (loops != null) {
      loops.close();
    }
  }

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
  }

  @Test
  void readsSharesAndInvalidatesOverHttp() {
    startCluster(CacheConfig.create());
    String key = "greeting";
    await(nodes.get("c1").cache().write(key, CacheValue.of("hello")));
    ReadResult r2 = await(nodes.get("c2").cache().read(key));
    assertEquals("hello", r2.value().asString());
    assertEquals(LineState.S, r2.state());
    ReadResult r3 = await(nodes.get("c3").cache().read(key));
    assertEquals(LineState.S, r3.state());
    await(nodes.get("c2").cache().write(key, CacheValue.of("bye")));
    assertEquals(LineState.I, await(nodes.get("c1").cache().lineState(key)));
    assertEquals(LineState.I, await(nodes.get("c3").cache().lineState(key)));
    assertEquals("bye", await(nodes.get("c3").cache().read(key)).value().asString());
    CacheStats home = await(nodes.get(homeOf(key)).cache().stats());
    assertTrue(home.invalidationsSent() >= 1, "invalidations " + home.invalidationsSent());
  }

  @Test
  void concurrentClientsSeeALinearizableHistoryOverHttp() throws Exception {
    startCluster(CacheConfig.builder().capacity(2).build());
    List<String> keys = List.of("a", "b", "c");
    Map<String, List<LinearizabilityChecker.Op>> history = new TreeMap<>();
    keys.forEach(k -> history.put(k, new ArrayList<>()));
    long origin = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(IDS.size());
    List<Future<?>> clients = new ArrayList<>();
    for (String id : IDS) {
      clients.add(pool.submit(() -> {
        SplittableRandom random = new SplittableRandom(id.hashCode());
        CacheNode node = nodes.get(id).cache();
        for (int i = 0; i < 60; i++) {
          String key = keys.get(random.nextInt(keys.size()));
          long invoke = System.nanoTime() - origin;
          LinearizabilityChecker.Op op;
          if (random.nextBoolean()) {
            CacheValue v = await(node.read(key)).value();
            op = new LinearizabilityChecker.Op(LinearizabilityChecker.Kind.READ,
                v == null ? null : v.asString(), invoke, System.nanoTime() - origin, id);
          } else {
            String v = id + "#" + i;
            await(node.write(key, CacheValue.of(v)));
            op = new LinearizabilityChecker.Op(LinearizabilityChecker.Kind.WRITE, v, invoke,
                System.nanoTime() - origin, id);
          }
          synchronized (history) {
            history.get(key).add(op);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : clients) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    for (String key : keys) {
      assertNull(LinearizabilityChecker.check(history.get(key), null), key);
    }
  }

  @Test
  void aCrashedOwnerIsCleanedUpAndWriteThroughKeepsItsWrites() {
    startCluster(CacheConfig.builder().writePolicy(WritePolicy.WRITE_THROUGH).build());
    String key = "k";
    String home = homeOf(key);
    String owner = IDS.stream().filter(id -> !id.equals(home)).findFirst().orElseThrow();
    String reader = IDS.stream().filter(id -> !id.equals(home) && !id.equals(owner))
        .findFirst().orElseThrow();
    await(nodes.get(owner).cache().write(key, CacheValue.of("durable")));
    // the owner dies; the survivors learn it (the membership change the transport relies on)
    nodes.remove(owner).close();
    nodes.get(home).cache().nodeDown(owner);
    nodes.get(reader).cache().nodeDown(owner);
    assertEquals("durable", await(nodes.get(reader).cache().read(key)).value().asString());
  }
}
