package io.synod.server.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.synod.cache.CacheConfig;
import io.synod.cache.runtime.InMemoryMainMemory;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpServer;
import io.synod.transport.http.Router;
import io.synod.transport.http.cache.HttpCacheTransport;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three {@link CoherentCache}s over real loopback HTTP, sharing an in-memory main memory. */
class CoherentCacheIT {
  private static final List<String> IDS = List.of("a", "b", "c");
  private EventLoops loops;
  private final Map<String, HttpServer> servers = new TreeMap<>();
  private final Map<String, HttpClientPool> pools = new TreeMap<>();
  private final Map<String, CoherentCache> caches = new TreeMap<>();
  private final InMemoryMainMemory memory = new InMemoryMainMemory();

  private static String homeOf(String address) {
    return IDS.get(Math.floorMod(address.hashCode(), IDS.size()));
  }

  private void start() {
    loops = EventLoops.create("coherent-it", 2);
    Map<String, AtomicReference<CoherentCache>> refs = new TreeMap<>();
    Map<String, Integer> ports = new TreeMap<>();
    for (String id : IDS) {
      AtomicReference<CoherentCache> ref = new AtomicReference<>();
      refs.put(id, ref);
      Router router = new Router();
      // the server must listen before the caches know each other's ports
      HttpCacheTransport.register(router, m -> {
        CoherentCache c = ref.get();
        if (c != null) {
          c.receive(m);
        }
      });
      HttpServer s = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops)
          .name(id).build().start();
      servers.put(id, s);
      ports.put(id, s.port());
    }
    for (String id : IDS) {
      Map<String, URI> peers = new TreeMap<>();
      ports.forEach((other, port) -> {
        if (!other.equals(id)) {
          peers.put(other, URI.create("http://127.0.0.1:" + port));
        }
      });
      HttpClientPool pool = HttpClientPool.create(loops,
          HttpCacheTransport.recommendedClientOptions());
      pools.put(id, pool);
      CoherentCache cache = CoherentCache.start(id, CacheConfig.create(),
          CoherentCacheIT::homeOf, pool, peers, memory, Duration.ofSeconds(20));
      refs.get(id).set(cache);
      caches.put(id, cache);
    }
  }

  @AfterEach
  void stop() {
    caches.values().forEach(CoherentCache::close);
    servers.values().forEach(s -> s.closeAsync(Duration.ofMillis(100)).toCompletableFuture()
        .join());
    pools.values().forEach(HttpClientPool::close);
    if (loops != null) {
      loops.close();
    }
  }

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
  }

  @Test
  void readsAndWritesStayCoherentAcrossNodesAndReportLineStates() {
    start();
    String address = "user:42";
    CoherentCache.Read miss = await(caches.get("a").read(address));
    assertFalse(miss.hit());
    assertNull(miss.value());
    JsonNode v = TextNode.valueOf("alice");
    await(caches.get("b").write(address, v));
    CoherentCache.Read atC = await(caches.get("c").read(address));
    assertEquals(v, atC.value());
    assertEquals("S", atC.state());
    assertEquals("S", await(caches.get("b").read(address)).state());
    await(caches.get("a").write(address, IntNode.valueOf(7)));
    assertEquals(IntNode.valueOf(7), await(caches.get("c").read(address)).value());
    assertTrue(await(caches.get("c").invalidate(address)));
    assertFalse(await(caches.get("c").invalidate(address)));
  }

  @Test
  void flushWritesModifiedLinesToMainMemoryAndStatsKeepTheFormerKeys() throws Exception {
    start();
    await(caches.get("a").write("x", TextNode.valueOf("1")));
    await(caches.get("a").flush());
    assertEquals("\"1\"", memory.peek("x").asString());
    Thread.sleep(2 * CacheNodeRefresh.MILLIS); // stats are a periodic snapshot by design
    Map<String, Object> stats = caches.get("a").stats();
    for (String key : List.of("hits", "misses", "hit_ratio", "write_backs", "evictions",
        "invalidations", "lines", "capacity", "lines_by_state")) {
      assertTrue(stats.containsKey(key), key);
    }
    assertTrue((Long) stats.get("write_backs") >= 1, stats.toString());
  }

  /** The runtime's stats refresh period. */
  static final class CacheNodeRefresh {
    static final long MILLIS = io.synod.cache.runtime.CacheNode.STATS_REFRESH.toMillis();
  }

  @Test
  void aPeerThatGoesDownIsForgottenAndTheOthersCarryOn() {
    start();
    String address = "k";
    String home = homeOf(address);
    String owner = IDS.stream().filter(id -> !id.equals(home)).findFirst().orElseThrow();
    String reader = IDS.stream().filter(id -> !id.equals(home) && !id.equals(owner))
        .findFirst().orElseThrow();
    await(caches.get(owner).write(address, TextNode.valueOf("lost with its owner")));
    // the owner's process dies; the membership hook tells the survivors
    caches.remove(owner).close();
    servers.remove(owner).closeAsync(Duration.ofMillis(100)).toCompletableFuture().join();
    caches.get(home).nodeDown(owner);
    caches.get(reader).nodeDown(owner);
    // write-back: the unwritten value died with the owner; nobody waits for it
    CoherentCache.Read r = await(caches.get(reader).read(address));
    assertNull(r.value());
    assertEquals("E", r.state());
    await(caches.get(reader).write(address, TextNode.valueOf("after")));
    assertEquals(TextNode.valueOf("after"), await(caches.get(home).read(address)).value());
  }

  @Test
  void aDroppedPeerIsTakenBackOnceAndALivePeerIsLeftAlone() {
    start();
    String address = "back";
    String home = homeOf(address);
    String other = IDS.stream().filter(id -> !id.equals(home)).findFirst().orElseThrow();
    // reporting a live peer up changes nothing: its shared copy stays valid and coherent
    await(caches.get(other).read(address));
    caches.get(home).nodeUp(other, URI.create("http://127.0.0.1:1"));
    await(caches.get(home).write(address, TextNode.valueOf("v1")));
    assertEquals(TextNode.valueOf("v1"), await(caches.get(other).read(address)).value(),
        "the home still reaches the peer at its real address and invalidated its copy");
    // dropped, then taken back with an empty cache: coherence goes on
    caches.get(home).nodeDown(other);
    caches.get(home).nodeUp(other, uriOf(other));
    await(caches.get(other).write(address, TextNode.valueOf("v2")));
    assertEquals(TextNode.valueOf("v2"), await(caches.get(home).read(address)).value());
  }

  private URI uriOf(String id) {
    return URI.create("http://127.0.0.1:" + servers.get(id).port());
  }
}
