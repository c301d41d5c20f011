package io.synod.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.config.Role;
import java.net.URI;
import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClusterViewTest {
  private final AtomicLong now = new AtomicLong(0);

  private ClusterView view(String self) {
    Map<String, URI> peers = new TreeMap<>();
    for (int i = 1; i <= 3; i++) {
      peers.put("node" + i, URI.create("http://h" + i + ":800" + i));
    }
    return new ClusterView(self, EnumSet.allOf(Role.class), peers, now::get, 1_000);
  }

  @Test
  void aSilentMemberGoesDownAndComesBackWhenHeard() {
    ClusterView v = view("node2");
    long version = v.version();
    now.addAndGet(600);
    v.heard("node3", null);
    now.addAndGet(600);
    v.check();
    assertFalse(v.isUp("node1"), "node1 is silent");
    assertEquals(java.util.List.of("node2", "node3"), v.up(Role.QUEUE));
    assertEquals(version + 1, v.version());
    v.heard("node1", null);
    assertTrue(v.isUp("node1"));
    assertEquals(version + 2, v.version());
  }

  @Test
  void aMemberWithoutARoleIsNotUpForIt() {
    ClusterView v = view("node1");
    v.heard("node2", EnumSet.of(Role.CACHE));
    v.heard("node3", EnumSet.of(Role.CACHE));
    assertEquals(java.util.List.of("node1"), v.up(Role.QUEUE));
    assertEquals(java.util.List.of("node1", "node2", "node3"), v.up(Role.CACHE));
  }

  @Test
  void theDescriptionHoldsNoRingOfItsOwn() {
    // the rings that route are hashring-queue's; /v1/cluster adds those (PublicApiTest)
    Map<String, Object> d = view("node1").describe("node1");
    assertFalse(d.containsKey("ring"));
    assertEquals(3, ((java.util.List<?>) d.get("members")).size());
  }
}
