package io.synod.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three nodes in this JVM on real sockets, embedded storage, locks through Raft. */
class InProcessClusterIT {
  private final Map<String, SynodNode> nodes = new LinkedHashMap<>();
  private ClusterScenarios cluster;
  private String leader;

  @BeforeEach
  void start() {
    // the cluster runs authenticated, as ./synod dev and docker-compose do
    InProcessCluster c = new InProcessCluster(3, Map.of()).start();
    c.urls().keySet().forEach(id -> nodes.put(id, c.node(id)));
    cluster = new ClusterScenarios(c.urls());
    leader = cluster.awaitLeader(nodes.keySet());
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(SynodNode::close);
  }

  private List<String> followers(Set<String> of) {
    List<String> out = new ArrayList<>(of);
    out.remove(leader);
    return out;
  }

  @Test
  void theFirstSystemsChecksPassAcrossThreeNodes() {
    cluster.locksThroughLeaderAndFollower(leader, followers(nodes.keySet()).get(0));
    cluster.queueAcrossOwners(List.of("node1", "node2", "node3"), false);
    cluster.cacheCoherentAcrossNodes();
  }

  @Test
  void sessionCallsThroughAFollowerCarryTheTokenToTheLeader() {
    // a follower forwards session calls to the lock leader: the token header must travel with
    // them (it did not: every session call through a follower was refused 403)
    String via = cluster.url(followers(nodes.keySet()).get(0));
    TestHttp.Reply opened = TestHttp.post(via + "/v1/sessions", "{\"ttl_ms\":30000}");
    assertEquals(200, opened.status(), opened.body());
    String id = opened.json().get("session_id").asText();
    Map<String, String> token = Map.of("X-Synod-Session-Token",
        opened.json().get("session_token").asText());
    Map<String, String> forged = Map.of("X-Synod-Session-Token", "0".repeat(32));
    String inSession = "{\"owner_id\":\"f1\",\"session_id\":\"" + id + "\"}";

    assertEquals(403, TestHttp.call("POST", via + "/v1/locks/fw-r/acquire", inSession, forged)
        .status(), "a forged token is refused through the follower too");
    TestHttp.Reply acquired =
        TestHttp.call("POST", via + "/v1/locks/fw-r/acquire", inSession, token);
    assertEquals(200, acquired.status(), acquired.body());
    assertEquals(200, TestHttp.call("POST", via + "/v1/sessions/" + id + "/keepalive", null,
        token).status());
    assertEquals(403, TestHttp.call("POST", via + "/v1/locks/fw-r/release", inSession, forged)
        .status());
    TestHttp.Reply released =
        TestHttp.call("POST", via + "/v1/locks/fw-r/release", inSession, token);
    assertEquals(200, released.status(), released.body());
    assertEquals(403, TestHttp.call("DELETE", via + "/v1/sessions/" + id, null, forged)
        .status());
    // the session's state is a read the follower serves itself (ReadIndex), never with the token
    TestHttp.Reply state = TestHttp.get(via + "/v1/sessions/" + id);
    assertEquals(200, state.status(), state.body());
    assertEquals(followers(nodes.keySet()).get(0), state.node(), "served by the follower");
    assertEquals(30000, state.json().path("ttl_ms").asLong());
    assertTrue(state.json().path("session_token").isMissingNode());
    assertEquals(200, TestHttp.call("DELETE", via + "/v1/sessions/" + id, null, token)
        .status());
    assertEquals(404, TestHttp.get(via + "/v1/sessions/" + id).status(), "closed: unknown");
  }

  @Test
  void everyNodeLeadsOneQueueGroupOnceBalancedAndClusterShowsTheGroups() {
    // QUEUE_GROUPS=3 over three nodes: each group's preferred leader is a different node, and
    // the leaders hand their groups over once the preferred node is up and caught up
    Await.until(java.time.Duration.ofSeconds(30), "each node leads one queue group", () -> {
      Map<String, Integer> led = new java.util.TreeMap<>();
      for (com.fasterxml.jackson.databind.JsonNode g
          : TestHttp.get(cluster.url("node1") + "/v1/cluster").json().get("groups")) {
        if ("queue".equals(g.path("service").asText())) {
          if (!g.path("leader").asText("").equals(g.path("preferred_leader").asText())) {
            return false;
          }
          led.merge(g.path("leader").asText(), 1, Integer::sum);
        }
      }
      return led.equals(Map.of("node1", 1, "node2", 1, "node3", 1));
    });
    // the lock group, queue-0..2 and the cache's main memory cache-0..2 (embedded storage), each
    // with its three members; a cache group may still be electing, so wait for its first term
    Await.until(java.time.Duration.ofSeconds(30), "every group on node2 has a term", () -> {
      com.fasterxml.jackson.databind.JsonNode groups =
          TestHttp.get(cluster.url("node2") + "/v1/cluster").json().get("groups");
      assertTrue(groups.size() == 7, groups.toString());
      for (com.fasterxml.jackson.databind.JsonNode g : groups) {
        assertTrue(g.get("members").size() == 3 && g.has("commit_index"), g.toString());
        if (g.get("term").asLong() == 0) {
          return false;
        }
      }
      return true;
    });
  }

  @Test
  void crashingTheLeaderElectsANewOneAndKeepsTheLockTable() {
    List<String> followers = followers(nodes.keySet());
    cluster.holdLocks(followers.get(0));
    long term = cluster.term(followers.get(0));
    nodes.get(leader).kill();
    Set<String> survivors = new TreeSet<>(followers);
    String next = cluster.awaitLeader(survivors);
    assertNotEquals(leader, next);
    assertTrue(cluster.term(next) > term, "a new term");
    cluster.locksStillHeld(followers.get(0).equals(next) ? followers.get(1) : followers.get(0));
  }

  @Test
  void aGracefulStopOfTheLeaderHandsLeadershipOver() {
    List<String> followers = followers(nodes.keySet());
    cluster.holdLocks(leader);
    nodes.get(leader).close();
    String next = cluster.awaitLeader(new TreeSet<>(followers));
    assertNotEquals(leader, next);
    cluster.locksStillHeld(next);
  }

  @Test
  void losingAQueueOwnerLosesNoAcknowledgedMessage() {
    List<String> all = List.of("node1", "node2", "node3");
    String killed = cluster.queueOwnerLoss("node2", all, id -> nodes.get(id).close(), false);
    List<String> survivors = new java.util.ArrayList<>(all);
    survivors.remove(killed);
    cluster.sameRingFromTheLog(survivors, killed);
  }
}
