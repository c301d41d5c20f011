package io.synod.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
  void aSilentMemberGoesDownItsKeysMoveAndItComesBackWhenHeard() {
    ClusterView v = view("node2");
    long version = v.version();
    String key = null;
    for (int i = 0; key == null; i++) {
      if ("node1".equals(v.owner(Role.QUEUE, "t" + i))) {
        key = "t" + i;
      }
    }
    now.addAndGet(600);
    v.heard("node3", null);
    now.addAndGet(600);
    v.check();
    assertNotEquals("node1", v.owner(Role.QUEUE, key), "node1 is silent: its keys moved");
    assertEquals(version + 1, v.version());
    v.heard("node1", null);
    assertEquals("node1", v.owner(Role.QUEUE, key));
    assertEquals(version + 2, v.version());
  }

  @Test
  void twoViewsOfTheSameUpSetAgreeOnEveryOwner() {
    ClusterView a = view("node1");
    ClusterView b = view("node3");
    for (int i = 0; i < 500; i++) {
      assertEquals(a.owner(Role.CACHE, "k" + i), b.owner(Role.CACHE, "k" + i));
    }
  }

  @Test
  void aMemberWithoutARoleOwnsNothingForIt() {
    ClusterView v = view("node1");
    v.heard("node2", EnumSet.of(Role.CACHE));
    v.heard("node3", EnumSet.of(Role.CACHE));
    for (int i = 0; i < 200; i++) {
      assertEquals("node1", v.owner(Role.QUEUE, "t" + i));
    }
  }
}
