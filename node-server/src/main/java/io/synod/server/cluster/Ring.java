package io.synod.server.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable consistent-hash ring over node ids with virtual nodes: a key belongs to the first
 * virtual node clockwise from the key's 64-bit hash. Adding or removing one of n nodes moves about
 * 1/n of the keys. Two rings built from the same node set agree on every key.
 */
public final class Ring {
  /** Virtual nodes per member. */
  public static final int VNODES = 128;

  private final TreeMap<Long, String> points = new TreeMap<>();
  private final TreeSet<String> nodes;

  /**
   * Builds a ring.
   *
   * @param nodes the member ids (order does not matter)
   */
  public Ring(Collection<String> nodes) {
    this.nodes = new TreeSet<>(nodes);
    for (String n : this.nodes) {
      for (int v = 0; v < VNODES; v++) {
        long h = hash(n + "#" + v);
        // on the (astronomically rare) collision the smaller id keeps the point
        points.merge(h, n, (a, b) -> a.compareTo(b) <= 0 ? a : b);
      }
    }
  }

  /**
   * Returns a key's owner.
   *
   * @param key the key
   * @return the owning node id, or {@code null} when the ring is empty
   */
  public String owner(String key) {
    if (points.isEmpty()) {
      return null;
    }
    Map.Entry<Long, String> e = points.ceilingEntry(hash(key));
    return e == null ? points.firstEntry().getValue() : e.getValue();
  }

  /** @return the member ids, sorted */
  public List<String> nodes() {
    return new ArrayList<>(nodes);
  }

  /**
   * Returns the share of the hash space each member owns.
   *
   * @return fraction per node id, sorted by id
   */
  public Map<String, Double> shares() {
    Map<String, Double> out = new TreeMap<>();
    if (points.isEmpty()) {
      return out;
    }
    long prev = points.lastKey();
    for (Map.Entry<Long, String> e : points.entrySet()) {
      double span = (double) (e.getKey() - prev) / Math.pow(2, 64);
      if (span <= 0) {
        span += 1.0;
      }
      out.merge(e.getValue(), span, Double::sum);
      prev = e.getKey();
    }
    if (points.size() == 1) {
      out.put(points.firstEntry().getValue(), 1.0);
    }
    return out;
  }

  /**
   * Hashes a string: FNV-1a over its UTF-8 bytes, finished with the SplitMix64 mixer.
   *
   * @param s the string
   * @return the 64-bit hash
   */
  public static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return h;
  }
}
