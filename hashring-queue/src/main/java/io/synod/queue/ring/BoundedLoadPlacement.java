package io.synod.queue.ring;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, 2018) over a
 * {@link HashRing}: every node takes at most {@code capacity} keys, and a key whose ring owner is
 * full goes to the next node clockwise that has room.
 *
 * <p>The capacity is {@code max(ceil(m / n), floor((1 + epsilon) * m / n))} for m keys and n
 * nodes, so the most loaded node carries at most {@code (1 + epsilon)} times the mean whenever
 * {@code (1 + epsilon) * m / n >= ceil(m / n)}. Keys are placed in order of their hash (then by
 * name), so the placement is a pure function of the ring, the key set and epsilon: every node that
 * knows the same key set computes the same owners. Immutable and thread-safe.
 */
public final class BoundedLoadPlacement {
  private final HashRing ring;
  private final double epsilon;
  private final int capacity;
  private final Map<String, String> owners;
  private final Map<String, Integer> loads;

  private BoundedLoadPlacement(HashRing ring, double epsilon, int capacity,
      Map<String, String> owners, Map<String, Integer> loads) {
    this.ring = ring;
    this.epsilon = epsilon;
    this.capacity = capacity;
    this.owners = owners;
    this.loads = loads;
  }

  /**
   * Places a set of keys.
   *
   * @param ring a non-empty ring
   * @param keys the keys, must not contain null; duplicates are merged
   * @param epsilon the allowed overload, must be finite and at least 0
   * @return the placement
   */
  public static BoundedLoadPlacement place(HashRing ring, Collection<String> keys, double epsilon) {
    Objects.requireNonNull(ring, "ring");
    if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be a finite number >= 0, got " + epsilon);
    }
    if (ring.isEmpty()) {
      throw new IllegalStateException("the ring has no nodes");
    }
    TreeSet<String> unique = new TreeSet<>(keys);
    int m = unique.size();
    int n = ring.nodes().size();
    int capacity = Math.max((m + n - 1) / n, (int) Math.floor((1 + epsilon) * m / n));
    TreeMap<Long, List<String>> byHash = new TreeMap<>(Long::compareUnsigned);
    for (String k : unique) {
      byHash.computeIfAbsent(XxHash64.hash(k), h -> new java.util.ArrayList<>()).add(k);
    }
    Map<String, Integer> loads = new TreeMap<>();
    for (String node : ring.nodes()) {
      loads.put(node, 0);
    }
    Map<String, String> owners = new LinkedHashMap<>();
    for (Map.Entry<Long, List<String>> e : byHash.entrySet()) {
      List<String> order = ring.successorsOfHash(e.getKey(), n);
      for (String key : e.getValue()) {
        String chosen = null;
        for (String node : order) {
          if (loads.get(node) < capacity) {
            chosen = node;
            break;
          }
        }
        if (chosen == null) {
          throw new IllegalStateException("no node has room: capacity " + capacity);
        }
        loads.merge(chosen, 1, Integer::sum);
        owners.put(key, chosen);
      }
    }
    return new BoundedLoadPlacement(ring, epsilon, capacity,
        Collections.unmodifiableMap(owners), Collections.unmodifiableMap(loads));
  }

  /**
   * The owner of a key: its placed node when the key was placed, its ring owner otherwise.
   *
   * @param key the key
   * @return a node id
   */
  public String ownerOf(String key) {
    String o = owners.get(key);
    return o != null ? o : ring.ownerOf(key);
  }

  /**
   * Keys per node, in node order.
   *
   * @return an unmodifiable map
   */
  public Map<String, Integer> loads() {
    return loads;
  }

  /**
   * The per-node key limit in force.
   *
   * @return the capacity
   */
  public int capacity() {
    return capacity;
  }

  /**
   * The epsilon this placement was built with.
   *
   * @return epsilon
   */
  public double epsilon() {
    return epsilon;
  }

  /**
   * The ring placed on.
   *
   * @return the ring
   */
  public HashRing ring() {
    return ring;
  }
}
