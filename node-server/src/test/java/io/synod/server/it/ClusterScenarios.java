package io.synod.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.TestHttp;
import io.synod.server.TestHttp.Reply;
import io.synod.queue.ring.HashRing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The first system's checks and the failover checks against any three-node cluster reachable
 * over HTTP (nodes in one JVM, or child processes); shared by the integration tests.
 */
final class ClusterScenarios {
  private final Map<String, String> urls;

  /** @param urls node id to base URL, for node1, node2, node3 */
  ClusterScenarios(Map<String, String> urls) {
    this.urls = urls;
  }

  String url(String node) {
    return urls.get(node);
  }

  /**
   * POSTs, retrying while the answer is 503 (no leader yet, leader changing, replica not ready):
   * the API's documented "retry" answers, which a loaded machine produces around elections.
   */
  static Reply post(String url, String json) {
    Reply[] last = new Reply[1];
    Await.until(Duration.ofSeconds(20), "a non-503 answer from " + url, () -> {
      last[0] = TestHttp.post(url, json);
      return last[0].status() != 503;
    });
    return last[0];
  }

  /** GETs, retrying while the answer is 503 (see {@link #post}). */
  static Reply get(String url) {
    Reply[] last = new Reply[1];
    Await.until(Duration.ofSeconds(20), "a non-503 answer from " + url, () -> {
      last[0] = TestHttp.get(url);
      return last[0].status() != 503;
    });
    return last[0];
  }

  /**
   * Waits until every node in {@code on} names the same lock leader, one of {@code on}.
   *
   * @return the leader
   */
  String awaitLeader(Set<String> on) {
    String[] leader = new String[1];
    Await.until(Duration.ofSeconds(15), on + " agree on a lock leader among them", () -> {
      Set<String> seen = new java.util.TreeSet<>();
      for (String n : on) {
        seen.add(get(url(n) + "/v1/cluster").json().path("leader").asText(""));
      }
      leader[0] = seen.iterator().next();
      return seen.size() == 1 && on.contains(leader[0]);
    });
    return leader[0];
  }

  /**
   * Checks that the survivors took a member's loss from the Raft log: each lists it as down and
   * all switched their ring at the same log index.
   */
  void sameRingFromTheLog(List<String> survivors, String lost) {
    Await.until(Duration.ofSeconds(20), survivors + " agree that " + lost + " is down", () -> {
      Set<Long> indexes = new java.util.TreeSet<>();
      for (String n : survivors) {
        var c = get(url(n) + "/v1/cluster").json();
        if (!c.path("down_in_log").toString().contains(lost)) {
          return false;
        }
        // the ring is rebuilt on the node's timer thread just after the log entry applies, so
        // a read may see the member down and the old ring for a moment: wait for both
        if (c.path("queue_ring").path("nodes").toString().contains("\"" + lost + "\"")) {
          return false;
        }
        indexes.add(c.path("membership_index").asLong());
      }
      return indexes.size() == 1 && indexes.iterator().next() > 0;
    });
  }

  /** Reads the Raft term a node reports. */
  long term(String node) {
    return get(url(node) + "/v1/cluster").json().path("term").asLong();
  }

  static String keyOwnedBy(String owner, List<String> up, String prefix) {
    // the queue ring of the nodes that are up, as every node builds it
    HashRing ring = HashRing.of(up);
    for (int i = 0; ; i++) {
      if (owner.equals(ring.ownerOf(prefix + i))) {
        return prefix + i;
      }
    }
  }

  void locksThroughLeaderAndFollower(String leader, String follower) {
    Reply a = post(url(leader) + "/lock/acquire",
        "{\"resource_id\":\"it-x\",\"mode\":\"exclusive\",\"requester_id\":\"c1\"}");
    assertEquals("acquired", a.statusField(), a.body());
    assertEquals(leader, a.node());
    Reply refused = post(url(follower) + "/lock/acquire",
        "{\"resource_id\":\"it-x\",\"mode\":\"exclusive\",\"requester_id\":\"c2\"}");
    assertEquals(409, refused.status(), "mutual exclusion through a follower too");
    assertEquals(leader, refused.node(), "the follower forwarded to the leader");
    Reply released = post(url(follower) + "/lock/release",
        "{\"resource_id\":\"it-x\",\"owner_id\":\"c1\"}");
    assertEquals("released", released.statusField());
    Reply s1 = post(url(follower) + "/lock/acquire",
        "{\"resource_id\":\"it-s\",\"mode\":\"shared\",\"requester_id\":\"r1\"}");
    Reply s2 = post(url(leader) + "/lock/acquire",
        "{\"resource_id\":\"it-s\",\"mode\":\"shared\",\"requester_id\":\"r2\"}");
    assertEquals("acquired", s1.statusField());
    assertEquals("acquired", s2.statusField());
    Reply x = post(url(follower) + "/lock/acquire",
        "{\"resource_id\":\"it-s\",\"mode\":\"exclusive\",\"requester_id\":\"w\"}");
    assertEquals(409, x.status());
    post(url(leader) + "/lock/release", "{\"resource_id\":\"it-s\",\"owner_id\":\"r1\"}");
    post(url(follower) + "/lock/release", "{\"resource_id\":\"it-s\",\"owner_id\":\"r2\"}");
  }

  /**
   * Publishes through node1 and consumes through node3: the node that serves the topic answers
   * both. With {@code ringRouted} (Redis) that is the topic's ring owner node2; on embedded
   * storage it is the leader of the topic's Raft group, whichever node that is.
   */
  void queueAcrossOwners(List<String> up, boolean ringRouted) {
    String topic = keyOwnedBy("node2", up, "it-topic-");
    Reply p = post(url("node1") + "/queue/publish",
        "{\"topic\":\"" + topic + "\",\"message\":{\"order\":42}}");
    assertEquals("published", p.statusField(), p.body());
    if (ringRouted) {
      assertEquals("node2", p.node(), "the topic's owner served the publish");
    }
    Reply c = post(url("node3") + "/queue/consume",
        "{\"topic\":\"" + topic + "\",\"consumer_group\":\"g\",\"consumer_id\":\"c3\"}");
    assertEquals("ok", c.statusField());
    assertEquals(p.node(), c.node(), "one node serves the topic");
    assertEquals(1, c.json().get("messages").size());
    assertEquals(42, c.json().get("messages").get(0).get("data").get("order").asInt());
    String id = c.json().get("messages").get(0).get("id").asText();
    assertEquals(p.json().get("message_id").asText(), id);
    Reply k = post(url("node3") + "/queue/ack",
        "{\"topic\":\"" + topic + "\",\"consumer_group\":\"g\",\"message_id\":\"" + id + "\"}");
    assertEquals("acknowledged", k.statusField());
  }

  void cacheCoherentAcrossNodes() {
    Reply w = post(url("node1") + "/cache/write", "{\"address\":\"it-k\",\"value\":\"v1\"}");
    assertEquals("written", w.statusField());
    Reply r2 = get(url("node2") + "/cache/read?address=it-k");
    assertEquals("v1", r2.json().get("value").asText());
    post(url("node3") + "/cache/write", "{\"address\":\"it-k\",\"value\":\"v2\"}");
    for (String n : List.of("node1", "node2", "node3")) {
      Reply r = get(url(n) + "/cache/read?address=it-k");
      assertEquals("v2", r.json().get("value").asText(), "no stale copy on " + n);
    }
  }

  /** Takes a lock table snapshot: resource to holders. */
  String lockTable(String via) {
    return get(url(via) + "/v1/locks").json().get("locks").toString();
  }

  /** Holds locks that must survive the leader's loss. */
  void holdLocks(String via) {
    assertEquals("acquired", post(url(via) + "/v1/locks/keep-x/acquire",
        "{\"mode\":\"exclusive\",\"owner_id\":\"holder\",\"ttl_ms\":0}").statusField());
    assertEquals("acquired", post(url(via) + "/lock/acquire",
        "{\"resource_id\":\"keep-s\",\"mode\":\"shared\",\"requester_id\":\"h1\"}").statusField());
    assertEquals("acquired", post(url(via) + "/lock/acquire",
        "{\"resource_id\":\"keep-s\",\"mode\":\"shared\",\"requester_id\":\"h2\"}").statusField());
  }

  void locksStillHeld(String via) {
    Reply x = get(url(via) + "/v1/locks/keep-x");
    assertTrue(x.json().get("held").asBoolean(), x.body());
    assertEquals("holder", x.json().get("holders").get(0).get("owner_id").asText());
    Reply s = get(url(via) + "/v1/locks/keep-s");
    assertEquals(2, s.json().get("holders").size(), s.body());
    Reply refused = post(url(via) + "/lock/acquire",
        "{\"resource_id\":\"keep-x\",\"mode\":\"exclusive\",\"requester_id\":\"thief\"}");
    assertEquals(409, refused.status(), refused.body());
    Reply next = post(url(via) + "/v1/locks/keep-x/release", "{\"owner_id\":\"holder\"}");
    assertEquals("released", next.statusField());
    Reply again = post(url(via) + "/v1/locks/keep-x/acquire",
        "{\"mode\":\"exclusive\",\"owner_id\":\"after\"}");
    assertTrue(again.json().get("fencing_token").asLong() >= 2, "tokens keep growing: "
        + again.body());
  }

  /**
   * Publishes to a topic (owned by {@code owner} on the ring), consumes and acks half, kills the
   * node that served it with {@code kill}, and checks that every unacknowledged message is
   * delivered by the node that serves it next, and no acknowledged one. With {@code ringRouted}
   * (Redis) the server is the ring owner and the next one its ring successor; on embedded storage
   * they are the old and the new leader of the topic's Raft group.
   *
   * @return the node killed
   */
  String queueOwnerLoss(String owner, List<String> up, Consumer<String> kill,
      boolean ringRouted) {
    String topic = keyOwnedBy(owner, up, "failover-");
    List<String> published = new ArrayList<>();
    String entry = up.stream().filter(n -> !n.equals(owner)).findFirst().orElseThrow();
    String server = null;
    for (int i = 0; i < 10; i++) {
      Reply p = post(url(entry) + "/queue/publish",
          "{\"topic\":\"" + topic + "\",\"message\":{\"i\":" + i + "}}");
      assertEquals("published", p.statusField(), p.body());
      if (ringRouted) {
        assertEquals(owner, p.node());
      }
      server = p.node();
      published.add(p.json().get("message_id").asText());
    }
    String killed = server;
    List<String> survivors = new ArrayList<>(up);
    survivors.remove(killed);
    Reply c = post(url(survivors.get(0)) + "/v1/topics/" + topic + "/consume",
        "{\"consumer_group\":\"g\",\"consumer_id\":\"c\",\"max_messages\":5}");
    List<String> acked = new ArrayList<>();
    c.json().get("messages").forEach(m -> acked.add(m.get("id").asText()));
    assertEquals(5, acked.size());
    for (String id : acked) {
      assertEquals("acknowledged", post(url(survivors.get(1)) + "/queue/ack",
          "{\"topic\":\"" + topic + "\",\"consumer_group\":\"g\",\"message_id\":\"" + id + "\"}")
          .statusField());
    }
    kill.accept(killed);
    String next = HashRing.of(survivors).ownerOf(topic);
    Set<String> got = new LinkedHashSet<>();
    Await.until(Duration.ofSeconds(20), "the next server delivers the unacknowledged messages",
        () -> {
          Reply r = post(url(survivors.get(1)) + "/v1/topics/" + topic + "/consume",
              "{\"consumer_group\":\"g\",\"consumer_id\":\"c2\",\"max_messages\":100}");
          if (r.status() != 200) {
            return false;
          }
          if (ringRouted) {
            assertEquals(next, r.node());
          } else {
            assertTrue(survivors.contains(r.node()), "served by a survivor: " + r.node());
          }
          r.json().get("messages").forEach(m -> got.add(m.get("id").asText()));
          return got.size() >= 5;
        });
    List<String> expected = new ArrayList<>(published);
    expected.removeAll(acked);
    assertEquals(new LinkedHashSet<>(expected), got, "every unacknowledged message, no acked one");
    return killed;
  }
}
