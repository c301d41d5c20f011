package io.synod.cache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LruPolicyTest {
  @Test
  void theVictimIsTheLeastRecentlyInserted() {
    LruPolicy<String> p = new LruPolicy<>();
    p.recordInsert("a");
    p.recordInsert("b");
    p.recordInsert("c");
    assertEquals("a", p.evict());
    assertEquals("b", p.evict());
    assertEquals(1, p.size());
  }

  @Test
  void anAccessMakesAKeyTheMostRecent() {
    LruPolicy<String> p = new LruPolicy<>();
    p.recordInsert("a");
    p.recordInsert("b");
    p.recordAccess("a");
    assertEquals("b", p.evict());
    assertEquals("a", p.evict());
  }

  @Test
  void removeForgetsTheKeyAndUnknownKeysAreIgnored() {
    LruPolicy<String> p = new LruPolicy<>();
    p.recordInsert("a");
    p.recordInsert("b");
    p.recordRemove("a");
    p.recordRemove("zzz");
    p.recordAccess("zzz");
    assertFalse(p.contains("a"));
    assertTrue(p.contains("b"));
    assertEquals("b", p.evict());
    assertEquals(0, p.size());
  }

  @Test
  void insertingAResidentKeyOrEvictingFromEmptyFailsWithoutChangingState() {
    LruPolicy<String> p = new LruPolicy<>();
    assertThrows(IllegalStateException.class, p::evict);
    p.recordInsert("a");
    assertThrows(IllegalStateException.class, () -> p.recordInsert("a"));
    assertEquals(1, p.size());
    assertEquals("a", p.evict());
  }
}
