package io.synod.cache.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.cache.store.LruPolicy;
import io.synod.cache.store.PolicyKind;
import io.synod.cache.store.TraceReplay;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConcurrentLocalStoreTest {
  @ParameterizedTest
  @CsvSource({"gli.txt, 500", "multi1.txt, 1000", "web07.txt, 1024"})
  void onOneThreadItEvictsExactlyLikeAnAccessOrderedLinkedHashMap(String file, int capacity)
      throws Exception {
    List<String> keys = TraceReplay.readTrace(
        Path.of(getClass().getResource("/traces/" + file).toURI()));
    Map<String, Boolean> reference = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > capacity;
      }
    };
    long referenceHits = 0;
    ConcurrentLocalStore<String, Boolean> store =
        new ConcurrentLocalStore<>(capacity, new LruPolicy<>());
    for (String k : keys) {
      if (reference.get(k) != null) {
        referenceHits++;
      } else {
        reference.put(k, true);
      }
      if (store.get(k) == null) {
        store.put(k, true, null);
      }
    }
    assertEquals(referenceHits, store.hits());
    assertEquals(TraceReplay.replay(keys, PolicyKind.LRU, capacity).hits(), store.hits());
    assertEquals(keys.size() - referenceHits, store.misses());
  }

  @Test
  void twoThreadsNeverLoseAValueAndTheBoundHoldsAfterwards() throws Exception {
    int capacity = 64;
    ConcurrentLocalStore<Integer, Integer> store =
        new ConcurrentLocalStore<>(capacity, PolicyKind.LFU.create(capacity));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<?>> tasks = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      long seed = t;
      tasks.add(pool.submit(() -> {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 200_000; i++) {
          int k = r.nextInt(256);
          Integer v = store.get(k);
          if (v == null) {
            store.put(k, k * 10, (ek, ev) -> assertEquals(ek * 10, ev));
          } else {
            assertEquals(k * 10, v, "a key only ever maps to ten times itself");
          }
          if (i % 1000 == 0) {
            store.remove(r.nextInt(256));
          }
        }
        return null;
      }));
    }
    for (Future<?> f : tasks) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertTrue(store.size() <= capacity, "size " + store.size());
    assertTrue(store.evictions() > 0);
    assertEquals(2 * 200_000, store.hits() + store.misses());
  }

  @Test
  void badInputIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new ConcurrentLocalStore<String, String>(0, new LruPolicy<>()));
    ConcurrentLocalStore<String, String> s = new ConcurrentLocalStore<>(1, new LruPolicy<>());
    assertThrows(NullPointerException.class, () -> s.put("k", null, null));
    assertEquals(0, s.size());
    assertNull(s.remove("k"));
  }
}
