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
   * The settings of a local cluster of {@code size} members named {@code node1..} on free
   * loopback ports, signed with {@code secret}, heartbeats every 100 ms and a 3 s failure
   * timeout; {@code extra} is added to (and overrides) every member's settings.
   *
   * @param urls each member's base URL
   * @param envs each member's settings
   */
  record Plan(Map<String, String> urls, Map<String, Map<String, String>> envs) {
    static Plan of(int size, String secret, Map<String, String> extra) {
      Map<String, String> urls = new LinkedHashMap<>();
      StringBuilder peers = new StringBuilder();
      for (int i = 1; i <= size; i++) {
        int port = TestHttp.freePort();
        urls.put("node" + i, "http://127.0.0.1:" + port);
        peers.append(i > 1 ? "," : "").append("node").append(i).append("=http://127.0.0.1:")
            .append(port);
      }
      Map<String, Map<String, String>> envs = new LinkedHashMap<>();
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
        envs.put(id, env);
      }
      return new Plan(urls, envs);
    }
  }

  /**
   * Configures {@code size} nodes named {@code node1..}; {@code extra} is added to every
   * node's settings ({@code DATA_DIR} is given a directory per cluster by the caller).
   */
  InProcessCluster(int size, Map<String, String> extra) {
    Plan plan = Plan.of(size, ClusterAuth.generateSecret(), extra);
    urls.putAll(plan.urls());
    plan.envs().forEach((id, env) -> configs.put(id, NodeConfig.of(env)));
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
