package io.synod.server.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheException;
import io.synod.cache.CacheValue;
import io.synod.cache.WritePolicy;
import io.synod.cache.runtime.CacheNode;
import io.synod.cache.runtime.InMemoryCacheNetwork;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The cache's main memory on a real Redis server. */
@ExtendWith(RedisServerExtension.class)
class RedisMainMemoryIT {
  private static RedisConnector connector;

  @BeforeAll
  static void connect(URI redis) {
    connector = RedisConnector.connect(redis.toString());
  }

  @AfterAll
  static void close() {
    if (connector != null) {
      connector.close();
    }
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void valuesLiveUnderCacheAddressAndAbsentKeysReadAsNull(RedisTestServer server)
      throws Exception {
    RedisMainMemory memory = new RedisMainMemory(connector);
    assertNull(await(memory.get("never")));
    byte[] raw = {0, 1, (byte) 0xfe, 'z'};
    await(memory.put("addr-1", CacheValue.of(raw)));
    assertEquals(CacheValue.of(raw), await(memory.get("addr-1")));
    // an operator sees it with redis-cli under cache:<address>
    await(memory.put("addr-2", CacheValue.of("hello")));
    assertEquals("hello", new String(await(connector.commands()
        .get("cache:addr-2".getBytes(StandardCharsets.UTF_8))), StandardCharsets.UTF_8));
  }

  @Test
  void operationsOnOneKeyTakeEffectInCallOrder() throws Exception {
    RedisMainMemory memory = new RedisMainMemory(connector);
    List<CompletableFuture<CacheValue>> reads = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      memory.put("ordered", CacheValue.of("v" + i));
      reads.add(memory.get("ordered").toCompletableFuture());
    }
    for (int i = 0; i < reads.size(); i++) {
      assertEquals("v" + i, reads.get(i).get(30, TimeUnit.SECONDS).asString());
    }
  }

  @Test
  void aCacheClusterWritesThroughToRedis() throws Exception {
    RedisMainMemory memory = new RedisMainMemory(connector);
    try (InMemoryCacheNetwork net = new InMemoryCacheNetwork()) {
      CacheConfig config = CacheConfig.builder().writePolicy(WritePolicy.WRITE_THROUGH).build();
      CacheNode n1 = net.start("n1", config, k -> "n1", memory, Duration.ofSeconds(10));
      CacheNode n2 = net.start("n2", config, k -> "n1", memory, Duration.ofSeconds(10));
      await(n2.write("wt", CacheValue.of("through")));
      assertEquals("through", await(memory.get("wt")).asString());
      assertEquals("through", await(n1.read("wt")).value().asString());
    }
  }

  @Test
  void aClosedConnectionFailsTheStageWithACacheException(URI redis) {
    RedisConnector closed = RedisConnector.connect(redis.toString());
    closed.close();
    RedisMainMemory memory = new RedisMainMemory(closed);
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> memory.get("k").toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertInstanceOf(CacheException.class, e.getCause());
  }
}
