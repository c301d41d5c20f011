package io.synod.server.chaos;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The seeded fault injector. Its schedule (which fault, on which node, for how long, and the quiet
 * time after each heal) comes from one PRNG seeded by the run's seed; what the system does under
 * it does not (real threads, real sockets). Every fault and every heal is logged with the run's
 * timestamp and kept for the report.
 */
final class Nemesis {
  /** The faults, all healed before the next one starts. */
  enum Fault {
    /** The Raft leader cut from both other nodes (clients still reach it). */
    PARTITION_LEADER,
    /** One node cut from its peers, the clients and Redis. */
    ISOLATE_NODE,
    /** One pair of nodes cut from each other; the third sees both. */
    BRIDGE,
    /** A share of the TCP packets every namespace receives dropped. */
    LOSS,
    /** SIGSTOP, held longer than the election and failure timeouts, then SIGCONT. */
    PAUSE,
    /** SIGKILL, then a restart on the same DATA_DIR; successive kills take the nodes in turn. */
    KILL_RESTART
  }

  /** One line of the fault log. */
  record Event(long atNanos, String what, boolean heal) {}

  private final Netns net;
  private final ChaosCluster cluster;
  private final RunClock clock;
  private final Random random;
  private final List<Fault> faults;
  private final boolean redis;
  private final int lossPercent;
  private final PrintWriter out;
  private final List<Event> log = new CopyOnWriteArrayList<>();
  private final List<Long> heals = new CopyOnWriteArrayList<>();
  private int injected;
  private final int killOffset;
  private int kills;

  Nemesis(Netns net, ChaosCluster cluster, RunClock clock, long seed, List<Fault> faults,
      boolean redis, int lossPercent, PrintWriter out) {
    this.net = net;
    this.cluster = cluster;
    this.clock = clock;
    this.random = new Random(seed);
    this.killOffset = random.nextInt(ChaosCluster.NODES.size());
    this.faults = faults;
    this.redis = redis;
    this.lossPercent = lossPercent;
    this.out = out;
  }

  List<Event> log() {
    return log;
  }

  /** When each heal completed. */
  List<Long> heals() {
    return heals;
  }

  int injected() {
    return injected;
  }

  /**
   * Injects faults one after another until {@code durationMillis} have passed, then heals. With
   * no faults to pick from it only waits (a control run).
   */
  void run(long durationMillis) throws IOException, InterruptedException {
    long end = clock.now() + durationMillis * 1_000_000;
    if (faults.isEmpty()) {
      note("no faults: a control run for " + durationMillis + " ms", false);
      ChaosCluster.sleep(durationMillis);
      return;
    }
    while (clock.now() < end) {
      Fault f = faults.get(random.nextInt(faults.size()));
      long hold = 3000 + random.nextInt(4000);
      inject(f, hold);
      injected++;
      ChaosCluster.sleep(2000 + random.nextInt(3000));
    }
  }

  private void inject(Fault f, long holdMillis) throws IOException, InterruptedException {
    List<String> nodes = ChaosCluster.NODES;
    String node = nodes.get(random.nextInt(nodes.size()));
    switch (f) {
      case PARTITION_LEADER -> {
        String leader = leader();
        String target = leader == null ? node : leader;
        for (String other : nodes) {
          if (!other.equals(target)) {
            cutPair(target, other);
          }
        }
        note("partition-leader: " + target + (leader == null ? " (no leader known)" : "")
            + " | others", false);
        ChaosCluster.sleep(holdMillis);
        healAll();
      }
      case ISOLATE_NODE -> {
        for (String other : nodes) {
          if (!other.equals(node)) {
            cutPair(node, other);
          }
        }
        net.cut(ChaosCluster.member(node), net.hostAddress());
        if (redis) {
          net.cut(ChaosCluster.member(node), net.address("redis"));
          net.cut("redis", net.address(ChaosCluster.member(node)));
        }
        note("isolate: " + node + " from peers, clients" + (redis ? " and redis" : ""), false);
        ChaosCluster.sleep(holdMillis);
        healAll();
      }
      case BRIDGE -> {
        List<String> pair = new ArrayList<>(nodes);
        String middle = pair.remove(random.nextInt(pair.size()));
        cutPair(pair.get(0), pair.get(1));
        note("bridge: " + pair.get(0) + " x " + pair.get(1) + ", " + middle + " sees both",
            false);
        ChaosCluster.sleep(holdMillis);
        healAll();
      }
      case LOSS -> {
        for (String n : nodes) {
          net.loss(ChaosCluster.member(n), lossPercent);
        }
        if (redis) {
          net.loss("redis", lossPercent);
        }
        note("loss: " + lossPercent + "% of received TCP packets on every link", false);
        ChaosCluster.sleep(holdMillis);
        healAll();
      }
      case PAUSE -> {
        String leader = leader();
        String target = random.nextBoolean() && leader != null ? leader : node;
        cluster.pause(target);
        note("pause: SIGSTOP " + target + (target.equals(leader) ? " (leader)" : "") + " for "
            + holdMillis + " ms", false);
        ChaosCluster.sleep(holdMillis);
        cluster.resume(target);
        note("SIGCONT " + target, true);
      }
      case KILL_RESTART -> {
        // kills go round the nodes (a rolling restart when several come in a row), starting at a
        // seeded node: every node's restart from its own disk is exercised
        node = nodes.get(Math.floorMod(killOffset + kills++, nodes.size()));
        cluster.kill(node);
        note("kill: SIGKILL " + node, false);
        ChaosCluster.sleep(holdMillis / 2);
        cluster.startNode(node);
        cluster.awaitHealthy(node, java.time.Duration.ofSeconds(90));
        note("" + node + " restarted on its DATA_DIR and answers /health", true);
      }
      default -> throw new IllegalStateException(f.toString());
    }
  }

  private void cutPair(String a, String b) {
    net.cut(ChaosCluster.member(a), net.address(ChaosCluster.member(b)));
    net.cut(ChaosCluster.member(b), net.address(ChaosCluster.member(a)));
  }

  /** Removes every rule, continues every stopped node and restarts every dead one. */
  void healAll() throws IOException {
    for (String n : ChaosCluster.NODES) {
      net.heal(ChaosCluster.member(n));
    }
    if (redis) {
      net.heal("redis");
    }
    for (String n : ChaosCluster.NODES) {
      cluster.resume(n);
      if (!cluster.alive(n)) {
        cluster.startNode(n);
        cluster.awaitHealthy(n, java.time.Duration.ofSeconds(90));
      }
    }
    note("all rules removed", true);
  }

  /** The leader most nodes name, or null. */
  String leader() {
    java.util.Map<String, Integer> votes = new java.util.HashMap<>();
    for (String n : ChaosCluster.NODES) {
      String l = ChaosHttp.shared().get(cluster.url(n).resolve("/v1/cluster"),
          java.time.Duration.ofSeconds(1)).json().path("leader").asText("");
      if (!l.isEmpty()) {
        votes.merge(l, 1, Integer::sum);
      }
    }
    return votes.entrySet().stream().max(java.util.Map.Entry.comparingByValue())
        .map(java.util.Map.Entry::getKey).orElse(null);
  }

  private void note(String what, boolean heal) {
    long t = clock.now();
    log.add(new Event(t, what, heal));
    if (heal) {
      heals.add(t);
    }
    synchronized (out) {
      out.printf(java.util.Locale.ROOT, "[%9.3fs] %s %s%n", t / 1e9, heal ? "HEAL " : "FAULT",
          what);
      out.flush();
    }
  }
}
