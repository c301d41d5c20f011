package io.synod.server.it;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three nodes in this JVM on real sockets, embedded storage. */
class InProcessClusterIT {
  private final Map<String, SynodNode> nodes = new LinkedHashMap<>();
  private ClusterScenarios cluster;

  @BeforeEach
  void start() {
    Map<String, String> urls = new LinkedHashMap<>();
    StringBuilder peers = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      int port = TestHttp.freePort();
      urls.put("node" + i, "http://127.0.0.1:" + port);
      peers.append(i > 1 ? "," : "").append("node").append(i).append("=http://127.0.0.1:")
          .append(port);
    }
    for (int i = 1; i <= 3; i++) {
      String id = "node" + i;
      String port = urls.get(id).substring(urls.get(id).lastIndexOf(':') + 1);
      nodes.put(id, new SynodNode(NodeConfig.of(Map.of(
          "NODE_ID", id, "PEERS", peers.toString(), "HTTP_PORT", port,
          "HTTP_HOST", "127.0.0.1", "HEARTBEAT_INTERVAL_MILLIS", "100",
          "FAILURE_TIMEOUT_MILLIS", "1000"))).start());
    }
    cluster = new ClusterScenarios(urls);
    cluster.awaitLeader("node1", Set.of("node1", "node2", "node3"));
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(SynodNode::close);
  }

  @Test
  void theFirstSystemsChecksPassAcrossThreeNodes() {
    cluster.locksThroughLeaderAndFollower("node1", "node3");
    cluster.queueAcrossOwners(List.of("node1", "node2", "node3"));
    cluster.cacheCoherentAcrossNodes();
  }

  @Test
  void losingTheLeaderKeepsTheLockTable() {
    cluster.holdLocks("node2");
    nodes.get("node1").close();
    cluster.awaitLeader("node2", Set.of("node2", "node3"));
    cluster.locksStillHeld("node3");
  }

  @Test
  void losingAQueueOwnerLosesNoAcknowledgedMessage() {
    cluster.queueOwnerLoss("node2", List.of("node1", "node2", "node3"),
        List.of("node1", "node3"), id -> nodes.get(id).close());
  }
}
