package io.synod.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.TestHttp.Reply;
import io.synod.server.config.NodeConfig;
import io.synod.server.redis.RedisServerExtension;
import io.synod.server.redis.RedisTestServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three nodes in this JVM on real sockets with {@code REDIS_URL} pointing at a real redis-server:
 * locks through Raft mirrored into {@code lock:<resource>} hashes, topics in {@code
 * queue_stream:<topic>} streams served by their ring owner, and an owner's loss.
 */
@ExtendWith(RedisServerExtension.class)
class RedisClusterIT {
  private final Map<String, SynodNode> nodes = new LinkedHashMap<>();
  private ClusterScenarios cluster;
  private RedisTestServer redis;
  private String leader;

  @BeforeEach
  void start(URI uri, RedisTestServer server) {
    this.redis = server;
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
          "FAILURE_TIMEOUT_MILLIS", "3000", "REDIS_URL", uri.toString()))).start());
    }
    cluster = new ClusterScenarios(urls);
    leader = cluster.awaitLeader(nodes.keySet());
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(SynodNode::close);
  }

  private String redis(String... command) {
    try {
      return redis.command(command);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String follower() {
    List<String> f = new ArrayList<>(nodes.keySet());
    f.remove(leader);
    return f.get(0);
  }

  @Test
  void redisCliShowsTheLockTableAsTheFirstSystemDid() {
    Reply a = ClusterScenarios.post(cluster.url(follower()) + "/lock/acquire",
        "{\"resource_id\":\"resource1\",\"mode\":\"exclusive\",\"requester_id\":\"c1\"}");
    assertEquals("acquired", a.statusField(), a.body());
    assertEquals(leader, a.node(), "served by the Raft leader");
    Await.until(Duration.ofSeconds(20), "lock:resource1 shows c1",
        () -> "c1".equals(redis("HGET", "lock:resource1", "owner_id")));
    assertEquals("exclusive", redis("HGET", "lock:resource1", "mode"));
    String token = redis("HGET", "lock:resource1", "fencing_token");
    assertEquals(true, Long.parseLong(Objects.requireNonNull(token)) > 0, token);

    Reply r = ClusterScenarios.post(cluster.url(leader) + "/lock/release",
        "{\"resource_id\":\"resource1\",\"owner_id\":\"c1\"}");
    assertEquals("released", r.statusField());
    Await.until(Duration.ofSeconds(20), "lock:resource1 is gone after the release",
        () -> ":0".equals(redis("EXISTS", "lock:resource1")));
  }

  @Test
  void theFirstSystemsChecksPassOnRedis() {
    cluster.locksThroughLeaderAndFollower(leader, follower());
    cluster.queueAcrossOwners(List.of("node1", "node2", "node3"), true);
    String topic = ClusterScenarios.keyOwnedBy("node2", List.of("node1", "node2", "node3"),
        "it-topic-");
    // the stream and its group are in Redis; the message, acknowledged by the only group, left
    // it (work-queue retention: XACK and XDEL in one script)
    assertEquals(":1", redis("EXISTS", "queue_stream:" + topic), "the stream is in Redis");
    assertEquals(":0", redis("XLEN", "queue_stream:" + topic), "the acknowledged message left");
  }

  @Test
  void losingAQueueOwnerLosesNoAcknowledgedMessageOnRedis() {
    cluster.queueOwnerLoss("node2", List.of("node1", "node2", "node3"),
        id -> nodes.get(id).kill(), true);
  }
}
