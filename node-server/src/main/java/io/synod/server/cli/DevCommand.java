package io.synod.server.cli;

import io.synod.server.SynodNode;
import io.synod.server.config.ConfigException;
import io.synod.server.config.NodeConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code synod dev}: Start a three-node cluster in this JVM on embedded storage. */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = "Start a three-node cluster in this JVM on embedded storage.")
final class DevCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--nodes", description = "number of nodes (default 3)")
  int nodes = 3;

  @Option(names = "--base-port", description = "first node's port (default 8001)")
  int basePort = 8001;

  @Option(names = "--host", description = "interface to bind (default 127.0.0.1)")
  String host = "127.0.0.1";

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (nodes < 1 || nodes > 9) {
      err.println("synod: --nodes must be between 1 and 9");
      err.flush();
      return 1;
    }
    List<SynodNode> running = new ArrayList<>();
    try {
      for (NodeConfig c : configs(nodes, basePort, host)) {
        running.add(new SynodNode(c).start());
      }
    } catch (ConfigException | IllegalStateException e) {
      err.println("synod: cannot start the dev cluster: " + e.getMessage());
      err.flush();
      running.forEach(SynodNode::close);
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // caches written back while every home is up, then every node stops at once
      long t0 = System.nanoTime();
      SynodNode.stopTogether(running);
      err.println("synod: dev cluster stopped (" + running.size() + " nodes, "
          + (System.nanoTime() - t0) / 1_000_000 + " ms)");
      err.flush();
      stopped.countDown();
    }, "synod-dev-shutdown"));
    // the first curl below must not meet a cluster still electing its lock leader
    if (!running.get(0).awaitLockLeader(java.time.Duration.ofSeconds(30))) {
      err.println("synod: warning: no lock leader elected yet; lock requests answer 503 until"
          + " one is");
      err.flush();
    }
    String first = "http://127.0.0.1:" + basePort;
    out.println("Synod dev cluster: " + nodes + " nodes on embedded storage");
    for (SynodNode n : running) {
      out.println("  " + n.config().nodeId() + "  http://127.0.0.1:" + n.port()
          + "   (status page at /, metrics at /metrics)");
    }
    out.println();
    out.println("Try:");
    out.println("  curl -s -XPOST " + first + "/lock/acquire -H 'Content-Type: application/json' "
        + "-d '{\"resource_id\":\"r1\",\"mode\":\"exclusive\",\"requester_id\":\"me\"}'");
    out.println("  curl -s -XPOST " + first + "/lock/release -H 'Content-Type: application/json' "
        + "-d '{\"resource_id\":\"r1\",\"owner_id\":\"me\"}'");
    out.println("  curl -s -XPOST " + first + "/queue/publish -H 'Content-Type: application/json' "
        + "-d '{\"topic\":\"orders\",\"message\":{\"n\":1}}'");
    out.println("  curl -s -XPOST " + first + "/queue/consume -H 'Content-Type: application/json' "
        + "-d '{\"topic\":\"orders\",\"consumer_group\":\"g\",\"consumer_id\":\"c1\"}'");
    out.println("  curl -s -XPOST " + first + "/cache/write -H 'Content-Type: application/json' "
        + "-d '{\"address\":\"k1\",\"value\":\"v1\"}'");
    out.println("  curl -s '" + first + "/cache/read?address=k1'");
    out.println("  curl -s " + first + "/v1/cluster");
    out.println("Press Ctrl-C to stop.");
    out.flush();
    stopped.await();
    return 0;
  }

  /**
   * The dev cluster's node configurations.
   *
   * @param n number of nodes
   * @param basePort the first port
   * @param host the interface
   * @return one configuration per node
   */
  static List<NodeConfig> configs(int n, int basePort, String host) {
    // a fresh secret per run: the dev cluster's internal routes are authenticated like a
    // production one's, and nobody has to pick a secret
    String secret = io.synod.transport.http.ClusterAuth.generateSecret();
    StringBuilder peers = new StringBuilder();
    for (int i = 1; i <= n; i++) {
      peers.append(i > 1 ? "," : "").append("node").append(i)
          .append("=http://127.0.0.1:").append(basePort + i - 1);
    }
    List<NodeConfig> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      Map<String, String> s = new LinkedHashMap<>();
      s.put("NODE_ID", "node" + i);
      s.put("PEERS", peers.toString());
      s.put("HTTP_PORT", Integer.toString(basePort + i - 1));
      s.put("HTTP_HOST", host);
      s.put("CLUSTER_SECRET", secret);
      out.add(NodeConfig.of(s));
    }
    return out;
  }
}
