package io.synod.server.it;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.ClusterAuth;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Three (or more) {@link SynodNode}s in this JVM on free loopback ports, signed with one
 * cluster secret as {@code ./synod dev} runs them; a node can be stopped and started again with
 * the same configuration (same port, same data directory).
 */
final class InProcessCluster implements AutoCloseable {
  private final Map<String, NodeConfig> configs = new LinkedHashMap<>();
  private final Map<String, String> urls = new LinkedHashMap<>();
  private final Map<String, SynodNode> nodes = new LinkedHashMap<>();

  /**
   * Configures {@code size} nodes named {@code node1..}; {@code extra} is added to every
   * node's settings ({@code DATA_DIR} is given a directory per cluster by the caller).
   */
  InProcessCluster(int size, Map<String, String> extra) {
    StringBuilder peers = new StringBuilder();
    for (int i = 1; i <= size; i++) {
      int port = TestHttp.freePort();
      urls.put("node" + i, "http://127.0.0.1:" + port);
      peers.append(i > 1 ? "," : "").append("node").append(i).append("=http://127.0.0.1:")
          .append(port);
    }
    String secret = ClusterAuth.generateSecret();
    for (String id : urls.keySet()) {
      Map<String, String> env = new LinkedHashMap<>();
      env.put("NODE_ID", id);
      env.put("PEERS", peers.toString());
      env.put("HTTP_PORT", urls.get(id).substring(urls.get(id).lastIndexOf(':') + 1));
      env.put("HTTP_HOST", "127.0.0.1");
      env.put("HEARTBEAT_INTERVAL_MILLIS", "100");
      env.put("FAILURE_TIMEOUT_MILLIS", "3000");
      env.put("CLUSTER_SECRET", secret);
      env.putAll(extra);
      configs.put(id, NodeConfig.of(env));
    }
  }

  /** Starts every node not running. */
  InProcessCluster start() {
    configs.keySet().forEach(this::start);
    return this;
  }

  /** Starts one node (again) with its configuration. */
  SynodNode start(String id) {
    return nodes.computeIfAbsent(id, k -> new SynodNode(configs.get(k)).start());
  }

  /** Stops one node (a clean close). */
  void stop(String id) {
    SynodNode n = nodes.remove(id);
    if (n != null) {
      n.close();
    }
  }

  SynodNode node(String id) {
    return nodes.get(id);
  }

  Collection<SynodNode> running() {
    return nodes.values();
  }

  Map<String, String> urls() {
    return urls;
  }

  @Override
  public void close() {
    nodes.values().forEach(SynodNode::close);
    nodes.clear();
  }
}
