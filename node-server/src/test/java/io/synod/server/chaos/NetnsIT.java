package io.synod.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The chaos network's set-up, clean-up and sweep of a dead run's leftovers. */
class NetnsIT {

  @Test
  void closeRemovesTheNamespacesTheBridgeAndWhatRanInThem() throws Exception {
    ChaosIT.requireRoot();
    Netns net = Netns.claim(line -> { });
    String ns;
    Process sleeper;
    try {
      net.addMember("n1");
      net.addMember("n2");
      ns = net.namespace("n1");
      assertTrue(Netns.namespacesWithPrefix(ns).contains(ns));
      assertTrue(Netns.linkExists(net.bridge()));
      net.cut("n1", net.address("n2"));
      net.loss("n2", 10);
      assertTrue(Netns.run(net.exec("n1", List.of("nft", "list", "chain", "inet", "chaos", "in")),
          false).contains(net.address("n2")));
      net.heal("n1");
      assertFalse(Netns.run(net.exec("n1", List.of("nft", "list", "chain", "inet", "chaos",
          "in")), false).contains(net.address("n2")));
      sleeper = new ProcessBuilder(net.exec("n1", List.of("sleep", "300"))).start();
    } finally {
      net.close();
    }
    assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS), "the process in the namespace was killed");
    assertEquals(List.of(), Netns.namespacesWithPrefix(ns));
    assertFalse(Netns.linkExists(net.bridge()));
  }

  @Test
  void aNewRunSweepsTheLeftoversOfADeadOne() throws Exception {
    ChaosIT.requireRoot();
    int slot;
    try (Netns probe = Netns.claim(line -> { })) {
      slot = probe.slot();
    }
    // what a run killed with SIGKILL leaves: its namespace, its bridge, a process inside
    String stale = Netns.PREFIX + slot + "-n1";
    String bridge = Netns.PREFIX + slot + "br";
    Netns.run(List.of("ip", "netns", "add", stale), false);
    Netns.run(List.of("ip", "link", "add", bridge, "type", "bridge"), false);
    Process orphan = new ProcessBuilder("ip", "netns", "exec", stale, "sleep", "300").start();
    StringBuilder log = new StringBuilder();
    try (Netns next = Netns.claim(line -> log.append(line).append('\n'))) {
      assertEquals(slot, next.slot());
      assertTrue(log.toString().contains(stale), log.toString());
      assertEquals(List.of(), Netns.namespacesWithPrefix(stale));
      assertFalse(Netns.linkExists(bridge));
      assertTrue(orphan.waitFor(10, TimeUnit.SECONDS), "the orphan was killed");
    } finally {
      orphan.destroyForcibly();
      Netns.run(List.of("ip", "netns", "del", stale), true);
      Netns.run(List.of("ip", "link", "del", bridge), true);
    }
  }

  @Test
  void aVethOfTheSlotLeftInTheRootNamespaceDoesNotStopANewMember() throws Exception {
    ChaosIT.requireRoot();
    try (Netns net = Netns.claim(line -> { })) {
      // what a run leaves when the kernel has not yet freed a deleted namespace: the outside end
      // of a member's veth, still in the root namespace (ChaosIT failed on "File exists")
      String outside = Netns.PREFIX.substring(0, 2) + net.slot() + "v1o";
      try {
        Netns.run(List.of("ip", "link", "add", outside, "type", "veth", "peer", "name",
            Netns.PREFIX.substring(0, 2) + net.slot() + "v1i"), false);
        net.addMember("n1");
        assertTrue(Netns.run(net.exec("n1", List.of("ip", "-o", "addr")), false)
            .contains(net.address("n1")), "the member got its address");
      } finally {
        net.close();
        Netns.run(List.of("ip", "link", "del", outside), true);
      }
    }
  }
}
