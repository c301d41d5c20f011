package io.synod.queue.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Balance and movement of the ring, with the figures logged. */
class HashRingProperties {
  private static final Logger LOG = LoggerFactory.getLogger(HashRingProperties.class);
  private static final List<String> THREE = List.of("node1", "node2", "node3");

  private static List<String> randomTopics(long seed, int count) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add("topic-" + Long.toHexString(rnd.nextLong()) + "-" + i);
    }
    return out;
  }

  private static double maxOverMean(Map<String, Integer> loads, int nodes) {
    int max = 0;
    int sum = 0;
    for (int v : loads.values()) {
      max = Math.max(max, v);
      sum += v;
    }
    return max / ((double) sum / nodes);
  }

  private static Map<String, Integer> loads(HashRing ring, List<String> topics) {
    Map<String, Integer> loads = new TreeMap<>();
    ring.nodes().forEach(n -> loads.put(n, 0));
    for (String t : topics) {
      loads.merge(ring.ownerOf(t), 1, Integer::sum);
    }
    return loads;
  }

  @Property(tries = 10)
  void threeNodesDefaultVnodesAreBalanced(@ForAll @LongRange long seed) {
    HashRing ring = HashRing.of(THREE);
    List<String> topics = randomTopics(seed, 100_000);
    double ratio = maxOverMean(loads(ring, topics), 3);
    LOG.info("3 nodes x {} vnodes, 100000 topics: max/mean = {}", ring.vnodesPerNode(),
        String.format("%.4f", ratio));
    assertTrue(ratio <= 1.10, "max/mean " + ratio);
  }

  @Property(tries = 10)
  void boundedLoadBalancesEvenFewTopics(@ForAll @LongRange long seed) {
    HashRing ring = HashRing.of(THREE);
    List<String> topics = randomTopics(seed, 100);
    double plain = maxOverMean(loads(ring, topics), 3);
    BoundedLoadPlacement p = BoundedLoadPlacement.place(ring, topics, RingConfig.DEFAULT_EPSILON);
    double bounded = maxOverMean(p.loads(), 3);
    LOG.info("100 topics: plain max/mean = {}, bounded-load (eps {}) = {}",
        String.format("%.4f", plain), RingConfig.DEFAULT_EPSILON, String.format("%.4f", bounded));
    assertTrue(bounded <= 1.10, "bounded max/mean " + bounded);
    for (String t : topics) {
      assertTrue(ring.contains(p.ownerOf(t)));
    }
    assertEquals(100, p.loads().values().stream().mapToInt(Integer::intValue).sum());
  }

  @Property(tries = 10)
  void boundedLoadNeverExceedsCapacity(@ForAll @IntRange(min = 1, max = 2000) int count,
      @ForAll @IntRange(min = 1, max = 7) int nodes, @ForAll @LongRange long seed) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      names.add("n" + i);
    }
    HashRing ring = HashRing.of(names, 64, 0);
    BoundedLoadPlacement p = BoundedLoadPlacement.place(ring, randomTopics(seed, count), 0.05);
    for (int load : p.loads().values()) {
      assertTrue(load <= p.capacity());
    }
    assertTrue(p.capacity() <= Math.max((count + nodes - 1) / nodes, 1.05 * count / nodes));
  }

  @Property(tries = 10)
  void addingAFourthNodeMovesAQuarterAllToIt(@ForAll @LongRange long seed) {
    HashRing before = HashRing.of(THREE);
    HashRing after = before.withNode("node4", 1);
    List<String> topics = randomTopics(seed, 100_000);
    int moved = 0;
    for (String t : topics) {
      String a = before.ownerOf(t);
      String b = after.ownerOf(t);
      if (!a.equals(b)) {
        moved++;
        assertEquals("node4", b, "a moved topic must go to the new node");
      }
    }
    double pct = 100.0 * moved / topics.size();
    LOG.info("adding node4 moved {}% of 100000 topics", String.format("%.2f", pct));
    assertTrue(Math.abs(pct - 25.0) <= 3.0, "moved " + pct + "%");
  }

  @Property(tries = 10)
  void removingANodeMovesOnlyItsTopics(@ForAll @IntRange(min = 0, max = 3) int victim,
      @ForAll @LongRange long seed) {
    List<String> four = List.of("node1", "node2", "node3", "node4");
    HashRing before = HashRing.of(four);
    String gone = four.get(victim);
    HashRing after = before.withoutNode(gone, 1);
    int moved = 0;
    for (String t : randomTopics(seed, 20_000)) {
      String a = before.ownerOf(t);
      String b = after.ownerOf(t);
      if (!a.equals(b)) {
        moved++;
        assertEquals(gone, a, "only the removed node's topics may move");
      } else {
        assertTrue(!a.equals(gone));
      }
    }
    assertTrue(moved > 0);
  }

  @Property(tries = 50)
  void successorsAreDistinctOwnerFirstAndFailoverOrdered(@ForAll("keys") String key,
      @ForAll @IntRange(min = 1, max = 6) int n) {
    List<String> five = List.of("a", "b", "c", "d", "e");
    HashRing ring = HashRing.of(five, 32, 0);
    List<String> s = ring.successors(key, n);
    assertEquals(Math.min(n, 5), s.size());
    assertEquals(s.size(), new HashSet<>(s).size());
    assertEquals(ring.ownerOf(key), s.get(0));
    if (s.size() > 1) {
      // when the owner leaves, the first successor takes over
      assertEquals(s.get(1), ring.withoutNode(s.get(0), 1).ownerOf(key));
    }
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> keys() {
    return net.jqwik.api.Arbitraries.strings().ofMinLength(0).ofMaxLength(40);
  }

  @Property(tries = 20)
  void lookupMatchesLinearScan(@ForAll("keys") String key) {
    HashRing ring = HashRing.of(THREE, 16, 0);
    long h = XxHash64.hash(key);
    VirtualNode best = null;
    VirtualNode min = null;
    for (VirtualNode v : ring.virtualNodes()) {
      if (min == null || Long.compareUnsigned(v.position(), min.position()) < 0) {
        min = v;
      }
      if (Long.compareUnsigned(v.position(), h) >= 0
          && (best == null || Long.compareUnsigned(v.position(), best.position()) < 0)) {
        best = v;
      }
    }
    assertEquals((best != null ? best : min).node(), ring.ownerOf(key));
  }

  @net.jqwik.api.Example
  void emptyRingAndBadInputAreRefused() {
    HashRing empty = HashRing.of(List.of());
    assertThrows(IllegalStateException.class, () -> empty.ownerOf("x"));
    assertTrue(empty.successors("x", 2).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> HashRing.of(List.of("")));
    assertThrows(IllegalArgumentException.class, () -> HashRing.of(THREE, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> HashRing.of(THREE).successors("x", 0));
    double sum = 0;
    for (double s : HashRing.of(THREE).ownershipShares()) {
      sum += s;
    }
    assertEquals(1.0, sum, 1e-9);
  }
}
