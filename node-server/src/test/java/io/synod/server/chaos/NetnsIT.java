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
}
