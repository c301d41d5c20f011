package io.synod.server.it;

import static io.synod.server.TestHttp.get;
import static io.synod.server.TestHttp.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.TestHttp;
import io.synod.server.redis.RedisServerExtension;
import io.synod.server.redis.RedisTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes as three child JVMs ({@code synod.jar node}), the deployment of the first system
 * without Docker: real sockets, a real {@code redis-server} (started by the extension on a free
 * port), the Raft log on disk in {@code DATA_DIR}. Failures are {@code kill -9}.
 */
@ExtendWith(RedisServerExtension.class)
class ProcessClusterIT {
  /** The processes run authenticated, as `synod node` with peers requires. */
  private static final String SECRET = io.synod.transport.http.ClusterAuth.generateSecret();
  private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
  private final Map<String, String> urls = new LinkedHashMap<>();
  private ClusterScenarios cluster;
  private RedisTestServer redis;

  @BeforeEach
  void start(RedisTestServer redis, @TempDir Path dataDir) throws Exception {
    this.redis = redis;
    StringBuilder peers = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      int port = TestHttp.freePort();
      urls.put("node" + i, "http://127.0.0.1:" + port);
      peers.append(i > 1 ? "," : "").append("node").append(i).append("=http://127.0.0.1:")
          .append(port);
    }
    Path logs = Files.createDirectories(Path.of("target", "process-cluster-logs"));
    for (String id : urls.keySet()) {
      Map<String, String> env = new LinkedHashMap<>();
      env.put("NODE_ID", id);
      env.put("PEERS", peers.toString());
      env.put("CLUSTER_SECRET", SECRET);
      env.put("HTTP_PORT", urls.get(id).substring(urls.get(id).lastIndexOf(':') + 1));
      env.put("HTTP_HOST", "127.0.0.1");
      env.put("REDIS_URL", redis.uri().toString());
      env.put("DATA_DIR", dataDir.toString());
      env.put("HEARTBEAT_INTERVAL_MILLIS", "100");
      env.put("FAILURE_TIMEOUT_MILLIS", "1000");
      nodes.put(id, new NodeProcess(id, env, logs));
    }
    for (NodeProcess n : nodes.values()) {
      n.start();
    }
    cluster = new ClusterScenarios(urls);
  }

  @AfterEach
  void stop() throws Exception {
    for (NodeProcess n : nodes.values()) {
      n.close();
    }
  }

  /** Waits until every live node names the same leader, and returns it. */
  private String hgetall(String key) {
    try {
      return redis.command("HGETALL", key);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String agreedLeader(List<String> live) {
    AtomicReference<String> leader = new AtomicReference<>();
    Await.until(Duration.ofSeconds(20), "the nodes " + live + " agree on a leader", () -> {
      String first = null;
      for (String n : live) {
        String l = get(urls.get(n) + "/v1/cluster").json().path("leader").asText("");
        if (l.isEmpty() || !live.contains(l) || (first != null && !first.equals(l))) {
          return false;
        }
        first = l;
      }
      leader.set(first);
      return true;
    });
    return leader.get();
  }

  private List<String> all() {
    return new ArrayList<>(urls.keySet());
  }

  @Test
  void theFirstSystemsChecksPassAndRedisShowsTheLockTable() throws Exception {
    String leader = agreedLeader(all());
    String follower = all().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    cluster.locksThroughLeaderAndFollower(leader, follower);
    cluster.queueAcrossOwners(all(), true);
    cluster.cacheCoherentAcrossNodes();

    // what an operator of the first system looked at: HGETALL lock:<resource>
    assertEquals("acquired", post(urls.get(follower) + "/lock/acquire",
        "{\"resource_id\":\"redis-r\",\"mode\":\"exclusive\",\"requester_id\":\"op\"}")
        .statusField());
    Await.until(Duration.ofSeconds(5), "lock:redis-r mirrored into Redis", () -> {
      String h = hgetall("lock:redis-r");
      return h.contains("owner_id") && h.contains("op") && h.contains("exclusive")
          && h.contains("acquired_at");
    });
    assertEquals("released", post(urls.get(leader) + "/lock/release",
        "{\"resource_id\":\"redis-r\",\"owner_id\":\"op\"}").statusField());
    Await.until(Duration.ofSeconds(5), "the released lock leaves Redis",
        () -> !hgetall("lock:redis-r").contains("owner_id"));
  }

  @Test
  void killingTheLeaderElectsAnotherAndKeepsTheLockTable() throws Exception {
    String leader = agreedLeader(all());
    String via = all().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    cluster.holdLocks(via);
    String before = cluster.lockTable(via);

    nodes.get(leader).kill();
    List<String> survivors = all();
    survivors.remove(leader);
    String next = agreedLeader(survivors);
    assertNotEquals(leader, next);
    assertEquals(before, cluster.lockTable(via), "the lock table survived the leader");
    cluster.locksStillHeld(via);

    // the old leader comes back from its disk and follows
    nodes.get(leader).start();
    String after = agreedLeader(all());
    assertTrue(survivors.contains(after) || after.equals(leader));
  }

  @Test
  void killingAQueueOwnerLosesNoAcknowledgedMessage() {
    List<String> up = all();
    String owner = "node2";
    cluster.queueOwnerLoss(owner, up, id -> {
      try {
        nodes.get(id).kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }, true);
  }
}
