package io.synod.queue.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * An immutable consistent-hash ring with virtual nodes.
 *
 * <p>Each node owns {@code vnodesPerNode} points at {@code xxHash64(node + "#" + i)}; a key
 * belongs to the first point at or after {@code xxHash64(key)} going clockwise (unsigned order,
 * wrapping). Lookups are a binary search over a primitive array: O(log n) and allocation-free for
 * ASCII keys. A ring never changes: {@link #withNode} and {@link #withoutNode} return new rings,
 * so a snapshot may be shared between threads freely. Equal inputs give equal rings in every JVM.
 */
public final class HashRing {
  /** Virtual nodes per node unless told otherwise. */
  public static final int DEFAULT_VNODES = 1024;
  /** Largest allowed virtual-node count per node. */
  public static final int MAX_VNODES = 16_384;
  /** Longest allowed node id, in characters. */
  public static final int MAX_NODE_ID_LENGTH = 255;

  private final List<String> nodes;
  private final int vnodesPerNode;
  private final long epoch;
  /** Positions with the sign bit flipped, so signed order is the unsigned ring order. */
  private final long[] points;
  private final int[] owners;
  private final int[] replicas;

  private HashRing(List<String> nodes, int vnodesPerNode, long epoch) {
    this.nodes = nodes;
    this.vnodesPerNode = vnodesPerNode;
    this.epoch = epoch;
    int total = nodes.size() * vnodesPerNode;
    long[] keys = new long[total];
    int k = 0;
    for (int n = 0; n < nodes.size(); n++) {
      String node = nodes.get(n);
      for (int r = 0; r < vnodesPerNode; r++) {
        keys[k++] = XxHash64.hash(node + "#" + r) ^ Long.MIN_VALUE;
      }
    }
    Integer[] order = new Integer[total];
    for (int i = 0; i < total; i++) {
      order[i] = i;
    }
    // ties (astronomically rare) break by node order then replica, so the ring is deterministic
    Arrays.sort(order, (a, b) -> {
      int c = Long.compare(keys[a], keys[b]);
      return c != 0 ? c : Integer.compare(a, b);
    });
    this.points = new long[total];
    this.owners = new int[total];
    this.replicas = new int[total];
    for (int i = 0; i < total; i++) {
      int idx = order[i];
      points[i] = keys[idx];
      owners[i] = idx / vnodesPerNode;
      replicas[i] = idx % vnodesPerNode;
    }
  }

  /**
   * A ring of the given nodes with {@link #DEFAULT_VNODES} virtual nodes each and epoch 0.
   *
   * @param nodes node ids, must be non-empty strings of at most {@link #MAX_NODE_ID_LENGTH}
   *     characters; duplicates are merged
   * @return the ring
   */
  public static HashRing of(Collection<String> nodes) {
    return of(nodes, DEFAULT_VNODES, 0L);
  }

  /**
   * A ring of the given nodes.
   *
   * @param nodes node ids, must be non-empty strings of at most {@link #MAX_NODE_ID_LENGTH}
   *     characters; duplicates are merged
   * @param vnodesPerNode virtual nodes per node, must be in 1..{@link #MAX_VNODES}
   * @param epoch a version number carried with the ring (for example the membership version)
   * @return the ring
   */
  public static HashRing of(Collection<String> nodes, int vnodesPerNode, long epoch) {
    Objects.requireNonNull(nodes, "nodes");
    if (vnodesPerNode < 1 || vnodesPerNode > MAX_VNODES) {
      throw new IllegalArgumentException(
          "vnodesPerNode must be in 1.." + MAX_VNODES + ", got " + vnodesPerNode);
    }
    TreeSet<String> sorted = new TreeSet<>();
    for (String n : nodes) {
      checkNodeId(n);
      sorted.add(n);
    }
    return new HashRing(List.copyOf(sorted), vnodesPerNode, epoch);
  }

  /**
   * Checks a node id.
   *
   * @param node the id to check
   * @throws IllegalArgumentException when it is null, empty or too long
   */
  public static void checkNodeId(String node) {
    if (node == null || node.isEmpty()) {
      throw new IllegalArgumentException("node id must not be empty");
    }
    if (node.length() > MAX_NODE_ID_LENGTH) {
      throw new IllegalArgumentException(
          "node id longer than " + MAX_NODE_ID_LENGTH + " characters");
    }
  }

  /**
   * A ring with one more node (the same ring when it is already a member).
   *
   * @param node the node to add
   * @param newEpoch the epoch of the new ring
   * @return the new ring
   */
  public HashRing withNode(String node, long newEpoch) {
    List<String> next = new ArrayList<>(nodes);
    next.add(node);
    return of(next, vnodesPerNode, newEpoch);
  }

  /**
   * A ring without a node (the same membership when it was not a member).
   *
   * @param node the node to remove
   * @param newEpoch the epoch of the new ring
   * @return the new ring
   */
  public HashRing withoutNode(String node, long newEpoch) {
    List<String> next = new ArrayList<>(nodes);
    next.remove(node);
    return of(next, vnodesPerNode, newEpoch);
  }

  /**
   * The members, sorted.
   *
   * @return an unmodifiable sorted list
   */
  public List<String> nodes() {
    return nodes;
  }

  /**
   * Whether a node is a member.
   *
   * @param node a node id
   * @return true when it is on the ring
   */
  public boolean contains(String node) {
    return Collections.binarySearch(nodes, node) >= 0;
  }

  /**
   * Whether the ring has no node.
   *
   * @return true when empty
   */
  public boolean isEmpty() {
    return nodes.isEmpty();
  }

  /**
   * Virtual nodes per node.
   *
   * @return the count
   */
  public int vnodesPerNode() {
    return vnodesPerNode;
  }

  /**
   * The version number this ring was built with.
   *
   * @return the epoch
   */
  public long epoch() {
    return epoch;
  }

  /**
   * The hash of a key as the ring uses it.
   *
   * @param key the key
   * @return xxHash64 of its UTF-8 bytes
   */
  public static long hashOf(String key) {
    return XxHash64.hash(key);
  }

  /**
   * Index into {@link #points} of the first point at or after a hash, wrapping.
   */
  private int pointIndex(long hash) {
    if (points.length == 0) {
      throw new IllegalStateException("the ring has no nodes");
    }
    long x = hash ^ Long.MIN_VALUE;
    int lo = 0;
    int hi = points.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (points[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == points.length ? 0 : lo;
  }

  /**
   * The node that owns a key: O(log n), allocation-free for ASCII keys.
   *
   * @param key must not be null
   * @return the owner's id
   * @throws IllegalStateException when the ring is empty
   */
  public String ownerOf(String key) {
    return nodes.get(owners[pointIndex(XxHash64.hash(key))]);
  }

  /**
   * The node that owns a hash position.
   *
   * @param hash a position on the ring
   * @return the owner's id
   * @throws IllegalStateException when the ring is empty
   */
  public String ownerOfHash(long hash) {
    return nodes.get(owners[pointIndex(hash)]);
  }

  /**
   * The first {@code n} distinct nodes clockwise from a key: the owner first, then the nodes that
   * hold its replicas, in failover order.
   *
   * @param key must not be null
   * @param n how many, must be positive; fewer are returned when the ring has fewer nodes
   * @return distinct node ids, owner first
   */
  public List<String> successors(String key, int n) {
    return successorsOfHash(XxHash64.hash(key), n);
  }

  /**
   * Like {@link #successors(String, int)} for a hash position.
   *
   * @param hash a position
   * @param n how many, must be positive
   * @return distinct node ids, owner first
   */
  public List<String> successorsOfHash(long hash, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be positive, got " + n);
    }
    int want = Math.min(n, nodes.size());
    List<String> out = new ArrayList<>(want);
    if (want == 0) {
      return out;
    }
    boolean[] seen = new boolean[nodes.size()];
    int i = pointIndex(hash);
    while (out.size() < want) {
      int o = owners[i];
      if (!seen[o]) {
        seen[o] = true;
        out.add(nodes.get(o));
      }
      i = (i + 1) % points.length;
    }
    return out;
  }

  /**
   * Every virtual node in ring order (ascending unsigned position), for display and tests.
   *
   * @return a new list
   */
  public List<VirtualNode> virtualNodes() {
    List<VirtualNode> out = new ArrayList<>(points.length);
    for (int i = 0; i < points.length; i++) {
      out.add(new VirtualNode(points[i] ^ Long.MIN_VALUE, nodes.get(owners[i]), replicas[i]));
    }
    return out;
  }

  /**
   * The fraction of the hash space each node owns, in node order; sums to 1.
   *
   * @return one share per node, parallel to {@link #nodes()}
   */
  public double[] ownershipShares() {
    double[] share = new double[nodes.size()];
    if (points.length == 0) {
      return share;
    }
    double full = Math.pow(2, 64);
    for (int i = 0; i < points.length; i++) {
      long prev = i == 0 ? points[points.length - 1] : points[i - 1];
      long arc = points[i] - prev; // wraps correctly modulo 2^64
      double len = arc == 0 && points.length == 1 ? full : unsigned(arc);
      share[owners[i]] += len / full;
    }
    return share;
  }

  private static double unsigned(long v) {
    return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
  }

  @Override
  public String toString() {
    return "HashRing{epoch=" + epoch + ", nodes=" + nodes + ", vnodes=" + vnodesPerNode + "}";
  }
}
