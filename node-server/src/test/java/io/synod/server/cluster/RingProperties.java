package io.synod.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class RingProperties {

  @Property(tries = 30)
  void removingOneOfNNodesMovesOnlyItsKeysAndAboutOneNth(@ForAll @IntRange(min = 2, max = 8) int n) {
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add("node" + i);
    }
    Ring full = new Ring(nodes);
    List<String> fewer = new ArrayList<>(nodes);
    fewer.remove("node0");
    Ring less = new Ring(fewer);
    int moved = 0;
    int keys = 5_000;
    for (int k = 0; k < keys; k++) {
      String key = "topic-" + k;
      String before = full.owner(key);
      String after = less.owner(key);
      if (!before.equals(after)) {
        moved++;
        assertEquals("node0", before, "only the removed node's keys move");
      }
    }
    double share = (double) moved / keys;
    assertTrue(share < 2.0 / n, "moved " + share + " with n=" + n);
  }

  @Property(tries = 20)
  void ringsFromTheSameSetAgreeWhateverTheOrder(@ForAll @IntRange(min = 1, max = 6) int n) {
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add("n" + i);
    }
    Ring a = new Ring(nodes);
    java.util.Collections.reverse(nodes);
    Ring b = new Ring(nodes);
    for (int k = 0; k < 1000; k++) {
      assertEquals(a.owner("k" + k), b.owner("k" + k));
    }
    double total = a.shares().values().stream().mapToDouble(Double::doubleValue).sum();
    assertEquals(1.0, total, 1e-9);
  }
}
