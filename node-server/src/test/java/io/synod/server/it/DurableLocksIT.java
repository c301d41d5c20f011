package io.synod.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.TestHttp.Reply;
import io.synod.server.config.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With DATA_DIR set, the Raft log is a file log under DATA_DIR/node: a node that restarts replays
 * it and finds its lock table and fencing tokens again.
 */
class DurableLocksIT {

  @Test
  void aRestartedNodeFindsItsLocksInTheFileLog(@TempDir Path dataDir) {
    int port = TestHttp.freePort();
    NodeConfig config = NodeConfig.of(Map.of(
        "NODE_ID", "solo", "PEERS", "solo=http://127.0.0.1:" + port,
        "HTTP_PORT", Integer.toString(port), "HTTP_HOST", "127.0.0.1",
        "DATA_DIR", dataDir.toString()));
    String base = "http://127.0.0.1:" + port;
    long token;
    try (SynodNode node = new SynodNode(config).start()) {
      assertTrue(node.awaitLockLeader(Duration.ofSeconds(20)));
      Reply a = ClusterScenarios.post(base + "/lock/acquire",
          "{\"resource_id\":\"durable\",\"mode\":\"exclusive\",\"requester_id\":\"keeper\"}");
      assertEquals("acquired", a.statusField(), a.body());
      token = ClusterScenarios.get(base + "/v1/locks/durable").json().get("holders").get(0)
          .get("fencing_token").asLong();
    }
    assertTrue(Files.isDirectory(dataDir.resolve("solo").resolve("raft-log")), "the log is on disk");

    try (SynodNode again = new SynodNode(config).start()) {
      assertTrue(again.awaitLockLeader(Duration.ofSeconds(20)));
      Reply state = ClusterScenarios.get(base + "/v1/locks/durable");
      assertTrue(state.json().get("held").asBoolean(), state.body());
      assertEquals("keeper", state.json().get("holders").get(0).get("owner_id").asText());
      assertEquals(token, state.json().get("holders").get(0).get("fencing_token").asLong());
      Reply thief = ClusterScenarios.post(base + "/lock/acquire",
          "{\"resource_id\":\"durable\",\"mode\":\"exclusive\",\"requester_id\":\"thief\"}");
      assertEquals(409, thief.status(), thief.body());
      Reply next = ClusterScenarios.post(base + "/v1/locks/other/acquire",
          "{\"owner_id\":\"n\",\"ttl_ms\":0}");
      assertTrue(next.json().get("fencing_token").asLong() > token, "tokens keep growing: "
          + next.body());
    }
  }
}
