package io.synod.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cache lines a home node keeps for the addresses it is home to, over a main memory.
 *
 * <p>A read of a cached line is a hit; otherwise it is a miss that loads the line from main
 * memory (when main memory has it). A write caches the line as Modified; with
 * {@code write-through} it is written to main memory at once, with {@code write-back} when the
 * line is evicted (LRU or LFU order) or flushed. Invalidation drops the line after writing it back
 * when Modified. Thread-safe: every method is synchronized.
 */
public final class CacheStore {
  /** A read's outcome. */
  public record Read(boolean hit, JsonNode value) {}

  private static final class Line {
    JsonNode value;
    boolean modified;
    long uses;

    Line(JsonNode value, boolean modified) {
      this.value = value;
      this.modified = modified;
    }
  }

  private final int capacity;
  private final boolean lfu;
  private final boolean writeThrough;
  private final Map<String, JsonNode> mainMemory;
  private final LinkedHashMap<String, Line> lines = new LinkedHashMap<>(16, 0.75f, true);
  private long hits;
  private long misses;
  private long writes;
  private long writeBacks;
  private long evictions;
  private long invalidations;

  /**
   * Creates an empty cache.
   *
   * @param capacity the most lines kept
   * @param policy {@code lru} or {@code lfu}
   * @param writePolicy {@code write-back} or {@code write-through}
   * @param mainMemory the backing store; it must be safe to use under this object's monitor
   */
  public CacheStore(int capacity, String policy, String writePolicy, Map<String, JsonNode> mainMemory) {
    this.capacity = capacity;
    this.lfu = "lfu".equals(policy);
    this.writeThrough = "write-through".equals(writePolicy);
    this.mainMemory = mainMemory;
  }

  /** @return an in-memory main memory, sorted by address */
  public static Map<String, JsonNode> inMemoryMainMemory() {
    return new TreeMap<>();
  }

  /**
   * Reads an address.
   *
   * @param address the address
   * @return hit or miss, and the value ({@code null} when nothing was ever written)
   */
  public synchronized Read read(String address) {
    Line l = lines.get(address);
    if (l != null) {
      hits++;
      l.uses++;
      return new Read(true, l.value);
    }
    misses++;
    JsonNode v = mainMemory.get(address);
    if (v != null) {
      put(address, new Line(v, false));
    }
    return new Read(false, v);
  }

  /**
   * Writes an address.
   *
   * @param address the address
   * @param value the value
   */
  public synchronized void write(String address, JsonNode value) {
    writes++;
    Line l = lines.get(address);
    if (l == null) {
      l = new Line(value, !writeThrough);
      put(address, l);
    } else {
      l.value = value;
      l.modified = !writeThrough;
      l.uses++;
    }
    if (writeThrough) {
      mainMemory.put(address, value);
    }
  }

  /**
   * Drops an address's line, writing it back first when Modified.
   *
   * @param address the address
   * @return whether a line was dropped
   */
  public synchronized boolean invalidate(String address) {
    Line l = lines.remove(address);
    if (l == null) {
      return false;
    }
    invalidations++;
    if (l.modified) {
      writeBack(address, l);
    }
    return true;
  }

  /** Writes every Modified line back to main memory. */
  public synchronized void flush() {
    for (Map.Entry<String, Line> e : lines.entrySet()) {
      if (e.getValue().modified) {
        writeBack(e.getKey(), e.getValue());
      }
    }
  }

  private void writeBack(String address, Line l) {
    mainMemory.put(address, l.value);
    l.modified = false;
    writeBacks++;
  }

  private void put(String address, Line line) {
    if (lines.size() >= capacity) {
      String victim = null;
      if (lfu) {
        long least = Long.MAX_VALUE;
        for (Map.Entry<String, Line> e : lines.entrySet()) {
          if (e.getValue().uses < least) {
            least = e.getValue().uses;
            victim = e.getKey();
          }
        }
      } else {
        victim = lines.keySet().iterator().next();
      }
      Line v = lines.remove(victim);
      evictions++;
      if (v.modified) {
        writeBack(victim, v);
      }
    }
    lines.put(address, line);
  }

  /** @return counters and per-state line counts */
  public synchronized Map<String, Object> stats() {
    Map<String, Object> out = new LinkedHashMap<>();
    long modified = lines.values().stream().filter(l -> l.modified).count();
    out.put("hits", hits);
    out.put("misses", misses);
    out.put("hit_ratio", hits + misses == 0 ? 0.0 : (double) hits / (hits + misses));
    out.put("writes", writes);
    out.put("write_backs", writeBacks);
    out.put("evictions", evictions);
    out.put("invalidations", invalidations);
    out.put("lines", lines.size());
    out.put("capacity", capacity);
    Map<String, Long> states = new LinkedHashMap<>();
    states.put("modified", modified);
    states.put("exclusive", (long) lines.size() - modified);
    states.put("shared", 0L);
    out.put("lines_by_state", states);
    return out;
  }
}
