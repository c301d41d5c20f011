package io.synod.queue.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lookups pinned to fixed values: they must be the same in every JVM and every release, or
 * nodes running different builds would disagree about owners.
 */
class RingGoldenVectorsTest {
  @Test
  void ownersArePinned() {
    HashRing ring = HashRing.of(List.of("node1", "node2", "node3"));
    String[][] golden = GOLDEN;
    for (String[] g : golden) {
      assertEquals(g[1], ring.ownerOf(g[0]), g[0]);
    }
  }

  @Test
  void successorsArePinned() {
    HashRing ring = HashRing.of(List.of("node1", "node2", "node3", "node4"), 64, 0);
    for (String[] g : SUCCESSORS) {
      assertEquals(List.of(g[1].split(",")), ring.successors(g[0], 3), g[0]);
    }
  }

  @Test
  void vnodePositionsArePinned() {
    HashRing ring = HashRing.of(List.of("node1"), 2, 0);
    List<VirtualNode> v = ring.virtualNodes();
    assertEquals(2, v.size());
    for (VirtualNode n : v) {
      assertEquals(XxHash64.hash("node1#" + n.replica()), n.position());
    }
    assertEquals(POSITION_NODE1_0, XxHash64.hash("node1#0"));
  }

  // frozen: a change here is a breaking change of placement, never a test fix
  static final String[][] GOLDEN = {
      {"orders", "node1"},
      {"payments", "node3"},
      {"topic-1", "node2"},
      {"topic-2", "node3"},
      {"topic-3", "node2"},
      {"emails", "node3"},
      {"\u00fcn\u00efc\u00f8d\u00e9", "node1"},
      {"", "node2"},
      {"a-very-long-topic-name-with-many-characters-0123456789", "node2"},
  };
  static final String[][] SUCCESSORS = {
      {"orders", "node4,node3,node2"},
      {"payments", "node4,node2,node1"},
      {"jobs", "node1,node3,node2"},
      {"events", "node1,node3,node2"},
  };
  static final long POSITION_NODE1_0 = -7543552806201725267L;
}
