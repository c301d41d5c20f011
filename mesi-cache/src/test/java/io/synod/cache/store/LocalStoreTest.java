package io.synod.cache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalStoreTest {
  @Test
  void aFullStoreEvictsThePolicyVictimAndReportsIt() {
    LocalStore<String, Integer> s = new LocalStore<>(2, new LruPolicy<>());
    List<String> evicted = new ArrayList<>();
    s.put("a", 1, (k, v) -> evicted.add(k + "=" + v));
    s.put("b", 2, (k, v) -> evicted.add(k + "=" + v));
    assertEquals(1, s.get("a")); // a is now the most recent
    s.put("c", 3, (k, v) -> evicted.add(k + "=" + v));
    assertEquals(List.of("b=2"), evicted);
    assertNull(s.get("b"));
    assertEquals(2, s.size());
  }

  @Test
  void overwritingAKeyCountsAsAnAccessNotAnInsert() {
    LocalStore<String, Integer> s = new LocalStore<>(2, new LruPolicy<>());
    s.put("a", 1, null);
    s.put("b", 2, null);
    s.put("a", 10, null);
    s.put("c", 3, null);
    assertEquals(10, s.get("a"));
    assertTrue(!s.containsKey("b"));
  }

  @Test
  void removeAndCapacityChecks() {
    assertThrows(IllegalArgumentException.class, () -> new LocalStore<>(0, new LruPolicy<>()));
    LocalStore<String, Integer> s = new LocalStore<>(1, new LfuPolicy<>(16));
    s.put("a", 1, null);
    assertEquals(1, s.remove("a"));
    assertNull(s.remove("a"));
    assertEquals(0, s.size());
  }
}
