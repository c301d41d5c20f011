package io.synod.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.cache.protocol.CacheMessage;
import io.synod.cache.protocol.MessageType;
import io.synod.raft.NodeId;
import io.synod.raft.log.EntryType;
import io.synod.raft.log.LogEntry;
import io.synod.raft.message.AppendEntriesRequest;
import io.synod.raft.message.RaftMessageCodec;
import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.cluster.ReplicatedMembers;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.ClusterAuth;
import io.synod.transport.http.Json;
import io.synod.transport.http.cache.CacheJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: a three-node cluster with a CLUSTER_SECRET refuses forged internal traffic (a forged
 * AppendEntries with a high term, a forged member-down entry, a forged cache invalidation) when
 * it is unsigned, signed with a wrong secret, or a signed request replayed outside the window,
 * and nothing changes (term, leader, members in the log, cache lines). Correctly signed internal
 * requests are taken; a signed request replayed within the window is refused.
 */
class PeerAuthIT {
  private static final String SECRET = ClusterAuth.generateSecret();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
  private static final Map<String, SynodNode> nodes = new LinkedHashMap<>();
  private static final Map<String, String> urls = new LinkedHashMap<>();
  private static ClusterScenarios cluster;
  private static String leader;
  private static String follower;

  /** How a forger signs. */
  enum Forgery {
    UNSIGNED, WRONG_SECRET, REPLAYED_AFTER_WINDOW
  }

  @BeforeAll
  static void start() {
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
          "FAILURE_TIMEOUT_MILLIS", "3000", "CLUSTER_SECRET", SECRET))).start());
    }
    cluster = new ClusterScenarios(urls);
    leader = cluster.awaitLeader(nodes.keySet());
    follower = nodes.keySet().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
  }

  @AfterAll
  static void stop() {
    nodes.values().forEach(SynodNode::close);
    nodes.clear();
    urls.clear();
  }

  private static int send(String node, String path, byte[] body, String type,
      Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(urls.get(node) + path))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 401) {
        // the refusal has the JSON error shape
        JsonNode j = Json.parse(r.body().getBytes(StandardCharsets.UTF_8));
        assertTrue(j.hasNonNull("error") && j.hasNonNull("detail"), r.body());
      }
      return r.statusCode();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> headers(Forgery how, String path, byte[] body) {
    return switch (how) {
      case UNSIGNED -> Map.of();
      case WRONG_SECRET -> ClusterAuth.create(ClusterAuth.generateSecret()).sender()
          .sign("POST", path, body);
      // a request signed with the real secret and captured: replayed a minute later it is stale
      case REPLAYED_AFTER_WINDOW -> ClusterAuth.create(SECRET, ClusterAuth.DEFAULT_WINDOW,
              Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-60)))
          .sender().sign("POST", path, body);
    };
  }

  private static JsonNode clusterOf(String node) {
    return TestHttp.get(urls.get(node) + "/v1/cluster").json();
  }

  private static long lastIndexOf(String node) {
    String metrics = TestHttp.get(urls.get(node) + "/metrics").body();
    for (String line : metrics.split("\n")) {
      if (!line.startsWith("#") && line.contains("raft_last_index")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no raft_last_index in /metrics");
  }

  @Test
  void aForgedAppendEntriesWithAHighTermIsRefused() {
    long term = clusterOf(follower).path("term").asLong();
    byte[] body = RaftMessageCodec.encodeBatch(List.of(new AppendEntriesRequest(
        0, NodeId.of("evil"), NodeId.of(follower), term + 100, 0, 0, List.of(), 0)));
    for (Forgery how : Forgery.values()) {
      assertEquals(401, send(follower, "/internal/raft", body, "application/octet-stream",
          headers(how, "/internal/raft", body)), how.name());
    }
    JsonNode after = clusterOf(follower);
    assertTrue(after.path("term").asLong() < term + 100, "the forged term was not taken");
    assertEquals(leader, after.path("leader").asText(), "the leader did not change");
  }

  @Test
  void aForgedMemberDownEntryIsRefused() {
    String victim = nodes.keySet().stream().filter(n -> !n.equals(leader) && !n.equals(follower))
        .findFirst().orElseThrow();
    long term = clusterOf(follower).path("term").asLong();
    long last = lastIndexOf(follower);
    // what the leader itself would send to have the victim marked down: the next entry of the
    // current term, committed at once
    byte[] body = RaftMessageCodec.encodeBatch(List.of(new AppendEntriesRequest(
        0, NodeId.of(leader), NodeId.of(follower), term, last, term,
        List.of(new LogEntry(term, last + 1, EntryType.COMMAND, ReplicatedMembers.down(victim))),
        last + 1)));
    for (Forgery how : Forgery.values()) {
      assertEquals(401, send(follower, "/internal/raft", body, "application/octet-stream",
          headers(how, "/internal/raft", body)), how.name());
    }
    for (String n : nodes.keySet()) {
      assertEquals(0, clusterOf(n).path("down_in_log").size(), n + " still has every member up");
    }
  }

  @Test
  void aForgedInvalidationIsRefused() {
    String writer = leader;
    String sharer = follower;
    assertEquals(200, TestHttp.call("PUT", urls.get(writer) + "/v1/cache/auth-k",
        "{\"value\":\"v1\"}").status());
    // the sharer reads it: it now keeps a copy
    assertEquals(200, TestHttp.get(urls.get(sharer) + "/v1/cache/auth-k").status());
    long invalidations = TestHttp.get(urls.get(sharer) + "/v1/cache").json()
        .path("invalidations_received").asLong();
    List<CacheMessage> forged = new ArrayList<>();
    forged.add(new CacheMessage(MessageType.INV, writer, sharer, "auth-k", writer, 1, 1,
        null, false, 1, 1, 0));
    byte[] body = CacheJson.encodeBatch(forged);
    for (Forgery how : Forgery.values()) {
      assertEquals(401, send(sharer, "/internal/cache", body, "application/json",
          headers(how, "/internal/cache", body)), how.name());
    }
    JsonNode stats = TestHttp.get(urls.get(sharer) + "/v1/cache").json();
    assertEquals(invalidations, stats.path("invalidations_received").asLong(),
        "no invalidation reached the sharer's cache");
    TestHttp.Reply read = TestHttp.get(urls.get(sharer) + "/v1/cache/auth-k");
    assertEquals("v1", read.json().path("value").asText(), read.body());
  }

  @Test
  void aForgedHeartbeatIsRefusedAndASignedOneTakenOnce() {
    byte[] body = "{\"node_id\":\"node1\",\"roles\":[]}".getBytes(StandardCharsets.UTF_8);
    for (Forgery how : Forgery.values()) {
      assertEquals(401, send(follower, "/internal/heartbeat", body, "application/json",
          headers(how, "/internal/heartbeat", body)), how.name());
    }
    Map<String, String> signed = ClusterAuth.create(SECRET).sender()
        .sign("POST", "/internal/heartbeat", body);
    assertEquals(200, send(follower, "/internal/heartbeat", body, "application/json", signed));
    assertEquals(401, send(follower, "/internal/heartbeat", body, "application/json", signed),
        "the same signed request replayed within the window");
  }

  @Test
  void aCorrectlySignedRaftBatchIsTaken() {
    byte[] body = RaftMessageCodec.encodeBatch(List.of());
    Map<String, String> signed = ClusterAuth.create(SECRET).sender()
        .sign("POST", "/internal/raft", body);
    int status = send(follower, "/internal/raft", body, "application/octet-stream", signed);
    assertTrue(status / 100 == 2, "status " + status);
  }

  @Test
  void refusalsAreCountedAndTheClusterSaysItIsAuthenticated() {
    byte[] body = new byte[] {1};
    assertEquals(401, send(leader, "/internal/queue/publish", body, "application/json",
        Map.of()));
    String metrics = TestHttp.get(urls.get(leader) + "/metrics").body();
    assertTrue(metrics.lines().anyMatch(l -> l.contains("security_peer_auth_refused")
        && !l.startsWith("#") && !l.endsWith(" 0") && !l.endsWith(" 0.0")), metrics);
    JsonNode security = clusterOf(leader).path("security");
    assertEquals("hmac-sha256", security.path("peer_auth").asText());
    assertEquals(false, security.path("insecure").asBoolean(true));
  }

  @Test
  void theClusterWorksWithTheSecret() {
    cluster.locksThroughLeaderAndFollower(leader, follower);
    cluster.cacheCoherentAcrossNodes();
  }
}
