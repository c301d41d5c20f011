package io.synod.server.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CacheStoreTest {
  private final Map<String, JsonNode> memory = new TreeMap<>();

  @Test
  void aReadOfAWrittenAddressHitsAndOfAnUnknownOneMisses() {
    CacheStore c = new CacheStore(10, "lru", "write-back", memory);
    assertEquals(new CacheStore.Read(false, null), c.read("k"));
    c.write("k", TextNode.valueOf("v"));
    assertEquals(new CacheStore.Read(true, TextNode.valueOf("v")), c.read("k"));
  }

  @Test
  void writeBackDefersMainMemoryUntilEvictionAndEvictsTheLeastRecentlyUsed() {
    CacheStore c = new CacheStore(2, "lru", "write-back", memory);
    c.write("a", TextNode.valueOf("1"));
    c.write("b", TextNode.valueOf("2"));
    assertTrue(memory.isEmpty());
    c.read("a");
    c.write("c", TextNode.valueOf("3"));
    assertEquals(Map.of("b", TextNode.valueOf("2")), memory);
    CacheStore.Read again = c.read("b");
    assertFalse(again.hit());
    assertEquals(TextNode.valueOf("2"), again.value());
  }

  @Test
  void writeThroughUpdatesMainMemoryAtOnce() {
    CacheStore c = new CacheStore(2, "lru", "write-through", memory);
    c.write("a", TextNode.valueOf("1"));
    assertEquals(TextNode.valueOf("1"), memory.get("a"));
    assertEquals(0L, c.stats().get("write_backs"));
  }

  @Test
  void lfuEvictsTheLeastFrequentlyUsed() {
    CacheStore c = new CacheStore(2, "lfu", "write-through", memory);
    c.write("a", TextNode.valueOf("1"));
    c.write("b", TextNode.valueOf("2"));
    c.read("a");
    c.read("a");
    c.read("b");
    c.read("a");
    c.write("c", TextNode.valueOf("3"));
    assertTrue(c.read("a").hit());
    assertFalse(c.read("b").hit());
  }

  @Test
  void invalidationWritesAModifiedLineBackAndDropsIt() {
    CacheStore c = new CacheStore(4, "lru", "write-back", memory);
    c.write("a", TextNode.valueOf("1"));
    assertTrue(c.invalidate("a"));
    assertFalse(c.invalidate("a"));
    assertEquals(TextNode.valueOf("1"), memory.get("a"));
    assertFalse(c.read("a").hit());
    assertEquals(1L, c.stats().get("invalidations"));
    assertNull(memory.get("zz"));
  }
}
