package io.synod.cache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Replays the shared traces (copied into test resources) and checks the LRU hit counts against
 * {@link ReferenceLru}, an obviously correct LRU written here.
 */
class TraceReplayTest {
  static Path trace(String name) {
    try {
      return Path.of(TraceReplayTest.class.getResource("/traces/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @CsvSource({"gli.txt, 100", "gli.txt, 1000", "multi1.txt, 500", "multi1.txt, 2000",
      "web07.txt, 256", "web07.txt, 2048"})
  void lruHitsMatchTheReferenceLru(String file, int capacity) throws Exception {
    List<String> keys = TraceReplay.readTrace(trace(file));
    ReferenceLru reference = new ReferenceLru(capacity);
    long referenceHits = 0;
    for (String k : keys) {
      referenceHits += reference.access(k) ? 1 : 0;
    }
    TraceReplay.Result r = TraceReplay.replay(keys, PolicyKind.LRU, capacity);
    assertEquals(keys.size(), r.accesses());
    assertEquals(referenceHits, r.hits());
  }

  @ParameterizedTest
  @CsvSource({"gli.txt, 1000", "multi1.txt, 1000", "web07.txt, 2048"})
  void lfuReplaysAreValidAndDeterministic(String file, int capacity) throws Exception {
    List<String> keys = TraceReplay.readTrace(trace(file));
    TraceReplay.Result a = TraceReplay.replay(keys, PolicyKind.LFU, capacity);
    TraceReplay.Result b = TraceReplay.replay(keys, PolicyKind.LFU, capacity);
    assertEquals(a, b);
    // a hit needs a previous access of the same key: hits can never exceed accesses - distinct
    long distinct = keys.stream().distinct().count();
    assertTrue(a.hits() <= keys.size() - distinct, "impossible hit count " + a.hits());
    assertTrue(a.hits() > 0);
  }

  @org.junit.jupiter.api.Test
  void theFormattedLineHasTwoDecimals() {
    TraceReplay.Result r = new TraceReplay.Result("lru", 2, 3, 1);
    assertEquals("hit ratio: 33.33%", r.formatted());
    assertEquals("hit ratio: 0.00%", new TraceReplay.Result("lru", 2, 0, 0).formatted());
  }
}
