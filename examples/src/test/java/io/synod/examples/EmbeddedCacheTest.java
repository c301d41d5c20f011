package io.synod.examples;

import static io.synod.cache.protocol.LineState.E;
import static io.synod.cache.protocol.LineState.I;
import static io.synod.cache.protocol.LineState.M;
import static io.synod.cache.protocol.LineState.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.cache.protocol.LineState;
import io.synod.examples.EmbeddedCache.NodeStats;
import io.synod.examples.EmbeddedCache.Result;
import io.synod.examples.EmbeddedCache.Step;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmbeddedCacheTest {
  private static final String OLD = EmbeddedCache.INITIAL_VALUE;
  private static final String NEW = EmbeddedCache.WRITTEN_VALUE;

  @Test
  void theKeyGoesThroughExclusiveSharedModifiedAndSharedAgain() {
    Result r = EmbeddedCache.run("k");

    assertEquals("k", r.key());
    assertEquals(EmbeddedCache.homeOf("k"), r.home());
    assertScenario(r);
  }

  @Test
  void eachNodeCountsItsHitsMissesInvalidationsAndWriteBacks() {
    Result r = EmbeddedCache.run("k");

    // A: two misses (first read, read after the invalidation) and one hit (the last read)
    // B: one miss; C: one miss (its write, from I) and the one write-back of its M line
    // An Inv also downgrades an owner for a reader: A's E for B's read, C's M for A's reread
    assertCounts(r, "A", 1, 2, 2, 0);
    assertCounts(r, "B", 0, 1, 1, 0);
    assertCounts(r, "C", 0, 1, 1, 1);
    // only the home's directory sends Invs: 2 downgrades, and A and B for C's write
    for (String id : EmbeddedCache.NODES) {
      assertEquals(id.equals(r.home()) ? 4 : 0, r.stats().get(id).invalidationsSent(),
          "invalidations sent by " + id + " (home " + r.home() + ")");
    }
  }

  @ParameterizedTest(name = "home at {0}")
  @ValueSource(strings = {"A", "B", "C"})
  void theTransitionsAreTheSameWhicheverNodeIsTheHome(String home) {
    // the home may be the reader, a sharer or the writer itself: its messages to itself go
    // through its own queue and the story must not change
    String key = IntStream.range(0, 100).mapToObj(i -> "key-" + i)
        .filter(k -> EmbeddedCache.homeOf(k).equals(home)).findFirst().orElseThrow();

    Result r = EmbeddedCache.run(key);

    assertEquals(home, r.home());
    assertScenario(r);
    assertEquals(4, r.stats().get(home).invalidationsSent());
  }

  @Test
  void aBlankOrMissingKeyIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> EmbeddedCache.run(" "));
    assertTrue(e.getMessage().contains("key"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> EmbeddedCache.run(null));
  }

  private static void assertScenario(Result r) {
    List<Step> steps = r.steps();
    assertEquals(5, steps.size());

    Step first = steps.get(0);
    assertStep(first, "A", OLD, false, Map.of("A", E, "B", I, "C", I), OLD,
        "A's miss is served from main memory and A is the only holder: E");

    Step second = steps.get(1);
    assertStep(second, "B", OLD, false, Map.of("A", S, "B", S, "C", I), OLD,
        "B's miss downgrades A's exclusive line: both share it");

    Step write = steps.get(2);
    assertStep(write, "C", NEW, false, Map.of("A", I, "B", I, "C", M), OLD,
        "C's write invalidates both sharers; under write-back main memory keeps the old value");

    Step reread = steps.get(3);
    assertStep(reread, "A", NEW, false, Map.of("A", S, "B", I, "C", S), NEW,
        "A's miss gets C's Modified data, C downgrades to S and writes the value back");

    Step hit = steps.get(4);
    assertStep(hit, "A", NEW, true, Map.of("A", S, "B", I, "C", S), NEW,
        "A's S line now answers without a message");

    assertEquals(List.of(r.key() + "=" + NEW), r.memoryWrites(),
        "exactly one write reaches main memory: C's write-back when it was downgraded");
    // single writer / multiple readers held after every step
    for (Step s : steps) {
      long writers = s.lines().values().stream().filter(st -> st == M || st == E).count();
      long readers = s.lines().values().stream().filter(st -> st == S).count();
      assertTrue(writers == 0 || (writers == 1 && readers == 0), s.action() + " " + s.lines());
    }
  }

  private static void assertStep(Step s, String node, String value, boolean hit,
      Map<String, LineState> lines, String mainMemory, String why) {
    assertEquals(node, s.node(), why);
    assertEquals(value, s.value(), why);
    assertEquals(hit, s.hit(), why);
    assertEquals(lines, s.lines(), why);
    assertEquals(mainMemory, s.mainMemory(), why);
  }

  private static void assertCounts(Result r, String id, long hits, long misses,
      long invalidationsReceived, long writeBacks) {
    NodeStats s = r.stats().get(id);
    assertEquals(hits, s.hits(), id + " hits");
    assertEquals(misses, s.misses(), id + " misses");
    assertEquals(invalidationsReceived, s.invalidationsReceived(), id + " invalidations received");
    assertEquals(writeBacks, s.writeBacks(), id + " write-backs");
  }
}
