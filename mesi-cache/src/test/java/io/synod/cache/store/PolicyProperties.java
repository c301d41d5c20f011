package io.synod.cache.store;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Assertions;

/**
 * LRU and LFU against naive reference models: random sequences of accesses (hit or admit) and
 * removals over a small key space must give the same hits, victims and residents.
 */
class PolicyProperties {
  /** One step: access a key (admit on a miss) or remove it. */
  record Step(boolean remove, String key) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step = Arbitraries.integers().between(0, 9).flatMap(k ->
        Arbitraries.integers().between(0, 9).map(r -> new Step(r == 0, "k" + k)));
    return step.list().ofMinSize(1).ofMaxSize(300);
  }

  @Property(tries = 200)
  void lruAgreesWithTheReferenceLru(@ForAll("steps") List<Step> steps,
      @ForAll @IntRange(min = 1, max = 6) int capacity) {
    LocalStore<String, Boolean> store = new LocalStore<>(capacity, new LruPolicy<>());
    ReferenceLru ref = new ReferenceLru(capacity);
    for (Step s : steps) {
      if (s.remove()) {
        store.remove(s.key());
        ref.remove(s.key());
        continue;
      }
      boolean hit = store.get(s.key()) != null;
      if (!hit) {
        store.put(s.key(), true, null);
      }
      Assertions.assertEquals(ref.access(s.key()), hit, "hit of " + s.key());
      for (String k : ref.residents()) {
        Assertions.assertTrue(store.containsKey(k), "resident " + k);
      }
      Assertions.assertEquals(ref.residents().size(), store.size());
    }
  }

  /** A naive LFU with aging: a list of (key, count, stamp), scanned linearly. */
  static final class ReferenceLfu {
    final int capacity;
    final long period;
    final Map<String, long[]> entries = new LinkedHashMap<>();
    long clock;
    long events;

    ReferenceLfu(int capacity, long period) {
      this.capacity = capacity;
      this.period = period;
    }

    boolean access(String key) {
      long[] e = entries.get(key);
      boolean hit = e != null;
      if (hit) {
        e[0]++;
        e[1] = ++clock;
      } else {
        entries.put(key, new long[] {1, ++clock});
      }
      if (++events % period == 0) {
        entries.values().forEach(v -> v[0] = Math.max(1, v[0] / 2));
      }
      if (!hit && entries.size() > capacity) {
        String victim = entries.entrySet().stream()
            .min(Comparator.<Map.Entry<String, long[]>>comparingLong(x -> x.getValue()[0])
                .thenComparingLong(x -> x.getValue()[1]))
            .orElseThrow().getKey();
        entries.remove(victim);
      }
      return hit;
    }
  }

  @Property(tries = 200)
  void lfuAgreesWithTheReferenceLfu(@ForAll("steps") List<Step> steps,
      @ForAll @IntRange(min = 1, max = 6) int capacity,
      @ForAll @IntRange(min = 1, max = 20) int period) {
    LfuPolicy<String> policy = new LfuPolicy<>(period);
    LocalStore<String, Boolean> store = new LocalStore<>(capacity, policy);
    ReferenceLfu ref = new ReferenceLfu(capacity, period);
    for (Step s : steps) {
      if (s.remove()) {
        store.remove(s.key());
        ref.entries.remove(s.key());
        continue;
      }
      boolean hit = store.get(s.key()) != null;
      if (!hit) {
        store.put(s.key(), true, null);
      }
      Assertions.assertEquals(ref.access(s.key()), hit, "hit of " + s.key());
      Assertions.assertEquals(ref.entries.keySet(), keysOf(store, ref.entries.keySet()));
      for (Map.Entry<String, long[]> e : ref.entries.entrySet()) {
        Assertions.assertEquals(e.getValue()[0], policy.frequency(e.getKey()), e.getKey());
      }
    }
  }

  private static java.util.Set<String> keysOf(LocalStore<String, Boolean> store,
      java.util.Set<String> expected) {
    java.util.Set<String> seen = new java.util.LinkedHashSet<>();
    for (String k : expected) {
      if (store.containsKey(k)) {
        seen.add(k);
      }
    }
    Assertions.assertEquals(expected.size(), store.size(), "resident count");
    return seen;
  }
}
