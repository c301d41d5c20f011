package io.synod.cache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LfuPolicyTest {
  @Test
  void theVictimHasTheSmallestCount() {
    LfuPolicy<String> p = new LfuPolicy<>(1_000);
    p.recordInsert("a");
    p.recordInsert("b");
    p.recordAccess("a");
    p.recordAccess("a");
    p.recordAccess("b");
    assertEquals(3, p.frequency("a"));
    assertEquals(2, p.frequency("b"));
    assertEquals("b", p.evict());
    assertEquals(0, p.frequency("b"));
  }

  @Test
  void tiesGoToTheLeastRecentlyUsed() {
    LfuPolicy<String> p = new LfuPolicy<>(1_000);
    p.recordInsert("a");
    p.recordInsert("b");
    p.recordInsert("c");
    p.recordAccess("a"); // a:2 b:1 c:1, b older than c
    assertEquals("b", p.evict());
    assertEquals("c", p.evict());
  }

  @Test
  void agingHalvesCountsSoAnOldFavouriteCanLeave() {
    // period 4: the 4th event halves every count (never below 1)
    LfuPolicy<String> p = new LfuPolicy<>(4);
    p.recordInsert("old"); // 1
    p.recordAccess("old"); // 2
    p.recordAccess("old"); // 3
    p.recordAccess("old"); // 4 -> aging: 2
    assertEquals(2, p.frequency("old"));
    p.recordInsert("new"); // new:1
    p.recordAccess("new"); // new:2
    p.recordAccess("new"); // new:3
    p.recordAccess("new"); // new:4 -> aging: old 1, new 2
    assertEquals(1, p.frequency("old"));
    assertEquals(2, p.frequency("new"));
    assertEquals("old", p.evict());
  }

  @Test
  void badArgumentsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new LfuPolicy<String>(0));
    LfuPolicy<String> p = new LfuPolicy<>(10);
    assertThrows(IllegalStateException.class, p::evict);
    p.recordInsert("a");
    assertThrows(IllegalStateException.class, () -> p.recordInsert("a"));
    assertEquals(1, p.frequency("a"));
  }

  @Test
  void defaultAgingPeriodScalesWithCapacity() {
    assertEquals(16, LfuPolicy.defaultAgingPeriod(1));
    assertEquals(10_000, LfuPolicy.defaultAgingPeriod(1_000));
  }
}
