package io.synod.cache.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheException;
import io.synod.cache.CacheValue;
import io.synod.cache.ReadResult;
import io.synod.cache.WritePolicy;
import io.synod.cache.protocol.FaultHooks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 16: a broken invariant inside a running node fails loudly. The core drops the key's line
 * and directory entry, counts the failure, and answers the waiting operation at once with a
 * retryable error that says it did not apply; the next access fetches the line again. Before,
 * the failure was only logged and the client waited out its whole timeout.
 */
class BrokenInvariantTest {
  // far longer than the test needs: an answer that only comes from the timeout is the bug
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final List<String> IDS = List.of("n1", "n2");
  private final InMemoryCacheNetwork net = new InMemoryCacheNetwork();
  private final InMemoryMainMemory memory = new InMemoryMainMemory();

  @AfterEach
  void close() {
    net.close();
  }

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  private CacheNode startWithBrokenData(WritePolicy policy) {
    return startWithBrokenData(policy, "n2");
  }

  private CacheNode startWithBrokenData(WritePolicy policy, String home) {
    CacheConfig config = CacheConfig.builder().writePolicy(policy).members(IDS).build();
    // n1 breaks an invariant on the Data of its first transaction on "k" (and its resends)
    net.start("n2", config, k -> home, memory, TIMEOUT);
    return net.start("n1", config, k -> home, memory, TIMEOUT,
        new FaultHooks(false, false, "k"));
  }

  @ParameterizedTest
  @EnumSource(WritePolicy.class)
  void aHomeThatBrokeAnInvariantRebuildsTheEntryAndStaysCoherent(WritePolicy policy) {
    // n1 is the home of "k": the failure drops its directory entry as well, and the next
    // request rebuilds it from the members (n2's Modified copy included)
    CacheNode n1 = startWithBrokenData(policy, "n1");
    CacheNode n2 = net.node("n2");
    await(n2.write("k", CacheValue.of("v1".getBytes())));

    CompletionException e = assertThrows(CompletionException.class, () -> await(n1.read("k")));
    CacheException ce = assertInstanceOf(CacheException.class, e.getCause());
    assertFalse(ce.mayHaveApplied(), ce.getMessage());
    assertEquals(1, await(n1.stats()).invariantFailures());

    await(n2.write("k", CacheValue.of("v2".getBytes())));
    assertEquals("v2", new String(await(n1.read("k")).value().toBytes()));
    await(n1.write("k", CacheValue.of("v3".getBytes())));
    assertEquals("v3", new String(await(n2.read("k")).value().toBytes()));
  }

  @ParameterizedTest
  @EnumSource(WritePolicy.class)
  void aBrokenInvariantFailsTheReadAtOnceAndTheLineIsFetchedAgain(WritePolicy policy) {
    CacheNode n1 = startWithBrokenData(policy);
    CacheNode n2 = net.node("n2");
    await(n2.write("k", CacheValue.of("v1".getBytes())));

    CompletionException e = assertThrows(CompletionException.class, () -> await(n1.read("k")));
    CacheException ce = assertInstanceOf(CacheException.class, e.getCause());
    assertTrue(ce.getMessage().contains("internal check failed"), ce.getMessage());
    assertFalse(ce.getMessage().contains("timed out"), ce.getMessage());
    assertFalse(ce.mayHaveApplied(), "a read that failed changed nothing");
    assertEquals(1, await(n1.stats()).invariantFailures());

    // the retry fetches the line again and sees the value
    ReadResult again = await(n1.read("k"));
    assertEquals("v1", new String(again.value().toBytes()));
    assertFalse(again.hit());
    assertEquals(1, await(n1.stats()).invariantFailures());
  }

  @ParameterizedTest
  @EnumSource(WritePolicy.class)
  void aWriteCutOffByABrokenInvariantSaysItDidNotApplyAndTheRetryWins(WritePolicy policy) {
    CacheNode n1 = startWithBrokenData(policy);
    CacheNode n2 = net.node("n2");
    await(n2.write("k", CacheValue.of("v1".getBytes())));

    CompletionException e = assertThrows(CompletionException.class,
        () -> await(n1.write("k", CacheValue.of("lost".getBytes()))));
    CacheException ce = assertInstanceOf(CacheException.class, e.getCause());
    assertFalse(ce.mayHaveApplied(), ce.getMessage());
    // and it truly did not: the other node still reads the old value
    assertEquals("v1", new String(await(n2.read("k")).value().toBytes()));

    await(n1.write("k", CacheValue.of("v2".getBytes())));
    assertEquals("v2", new String(await(n2.read("k")).value().toBytes()));
    assertEquals("v2", new String(await(n1.read("k")).value().toBytes()));
  }
}
