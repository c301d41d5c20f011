package io.synod.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Lock-state reads on a follower (issue 22 item 6) with real node processes in network
 * namespaces: {@code GET /v1/locks/{resource}} and {@code GET /v1/locks} asked at a follower are
 * served by that follower (follower ReadIndex: the answer names it in {@code X-Synod-Node}, it was
 * not forwarded), every read sees the write the leader acknowledged just before it, and a
 * follower cut off from the leader answers 503 with a JSON error, never the table it had before
 * the cut, until the cut heals.
 *
 * <p>Needs root and {@code ip}/{@code nft}, as {@link ChaosIT} does; every namespace and process
 * is removed afterwards, also on failure.
 */
class FollowerLockReadIT {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Set<String> REFUSALS = Set.of("unavailable", "no_leader", "not_leader");

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  /** One answer: status, serving node, body. */
  private record Answer(int status, String node, JsonNode json) {
    String error() {
      return json.path("error").asText("");
    }
  }

  @Test
  void followerReadsAreServedThereLinearizablyAndRefusedWhenCutFromTheLeader() throws Exception {
    ChaosIT.requireRoot();
    Path work = Files.createTempDirectory(
        Files.createDirectories(Path.of("target", "follower-read")), "run-");
    Path logs = Files.createDirectories(work.resolve("logs"));
    Netns net = Netns.claim(line -> { });
    ChaosCluster cluster = new ChaosCluster(net, ChaosIT.jar(), work.resolve("data"), logs,
        false, io.synod.transport.http.ClusterAuth.generateSecret(), Map.of());
    // a JVM stopped mid-test still removes its namespaces and processes
    Thread hook = new Thread(() -> {
      cluster.close();
      net.close();
    }, "follower-read-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      cluster.start();
      String leader = awaitOneLeader(cluster);
      List<String> followers = new ArrayList<>(ChaosCluster.NODES);
      followers.remove(leader);
      String follower = followers.get(0);
      URI atLeader = cluster.url(leader);
      URI atFollower = cluster.url(follower);

      // 1. served by the follower, and linearizable: every read at the follower, sent after the
      //    leader acknowledged a write, shows that write
      for (int i = 0; i < 20; i++) {
        String r = "fr-" + i;
        Answer a = post(atLeader.resolve("/v1/locks/" + r + "/acquire"),
            "{\"owner_id\":\"w\",\"mode\":\"exclusive\",\"ttl_ms\":0}");
        assertEquals(200, a.status(), a.json().toString());
        long token = a.json().path("fencing_token").asLong();
        Answer held = get(atFollower.resolve("/v1/locks/" + r));
        assertEquals(200, held.status(), held.json().toString());
        assertEquals(follower, held.node(), "served by the follower itself, not forwarded");
        assertTrue(held.json().path("held").asBoolean(), "read after the acknowledged acquire: "
            + held.json());
        assertEquals(token, held.json().path("holders").get(0).path("fencing_token").asLong());
        Answer table = get(atFollower.resolve("/v1/locks"));
        assertEquals(follower, table.node());
        assertTrue(table.json().path("locks").toString().contains("\"" + r + "\""),
            table.json().toString());

        Answer rel = post(atLeader.resolve("/v1/locks/" + r + "/release"), "{\"owner_id\":\"w\"}");
        assertEquals(200, rel.status(), rel.json().toString());
        Answer free = get(atFollower.resolve("/v1/locks/" + r));
        assertEquals(follower, free.node());
        assertFalse(free.json().path("held").asBoolean(), "read after the acknowledged release: "
            + free.json());
      }

      // 2. cut a follower from the leader (the client still reaches both); the leader and the
      //    other follower are a majority and commit a grant the follower cannot know of. The
      //    leader is looked up again: it may have moved under load since step 1
      String now = awaitOneLeader(cluster);
      String cut = !follower.equals(now) ? follower
          : ChaosCluster.NODES.stream().filter(n -> !n.equals(now) && !n.equals(follower))
              .findFirst().orElseThrow();
      URI leaderNow = cluster.url(now);
      URI cutOff = cluster.url(cut);
      net.cut(ChaosCluster.member(cut), net.address(ChaosCluster.member(now)));
      Answer cutGrant = await("a grant committed without the cut-off follower",
          () -> post(leaderNow.resolve("/v1/locks/fr-cut/acquire"),
              "{\"owner_id\":\"w\",\"mode\":\"exclusive\",\"ttl_ms\":0}"),
          a -> a.status() == 200);
      long cutToken = cutGrant.json().path("fencing_token").asLong();
      // the follower's table without that grant is stale: every answer must be a clear 503
      for (int i = 0; i < 3; i++) {
        for (String path : List.of("/v1/locks/fr-cut", "/v1/locks")) {
          Answer a = get(cutOff.resolve(path));
          assertEquals(503, a.status(), path + " at the cut-off follower: " + a.json());
          assertTrue(REFUSALS.contains(a.error()), "a JSON error saying why: " + a.json());
          assertFalse(a.json().path("detail").asText("").isEmpty(), a.json().toString());
        }
      }

      // 3. healed: the follower serves again, with the grant it missed
      net.heal(ChaosCluster.member(cut));
      Answer healed = await("the healed follower serves the grant it missed",
          () -> get(cutOff.resolve("/v1/locks/fr-cut")), a -> a.status() == 200);
      assertEquals(cut, healed.node());
      assertTrue(healed.json().path("held").asBoolean(), healed.json().toString());
      assertEquals(cutToken, healed.json().path("holders").get(0).path("fencing_token")
          .asLong());
    } finally {
      cluster.close();
      net.close();
      Runtime.getRuntime().removeShutdownHook(hook);
    }
  }

  private String awaitOneLeader(ChaosCluster cluster) {
    Answer a = await("one lock leader seen by every node", () -> {
      String seen = null;
      for (String n : ChaosCluster.NODES) {
        Answer c = get(cluster.url(n).resolve("/v1/cluster"));
        String l = c.json().path("leader").asText("");
        if (c.status() != 200 || l.isEmpty() || seen != null && !seen.equals(l)) {
          return new Answer(0, null, c.json());
        }
        seen = l;
      }
      return new Answer(200, seen, null);
    }, x -> x.status() == 200);
    return a.node();
  }

  private static Answer await(String what, Supplier<Answer> call,
      java.util.function.Predicate<Answer> done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Answer last = null;
    while (System.nanoTime() < deadline) {
      last = call.get();
      if (done.test(last)) {
        return last;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
    throw new AssertionError("not within 90 s: " + what + " (last answer: "
        + (last == null ? "none" : last.status() + " " + last.json()) + ")");
  }

  private Answer get(URI uri) {
    return send(HttpRequest.newBuilder(uri).timeout(CALL_TIMEOUT).GET().build());
  }

  private Answer post(URI uri, String body) {
    return send(HttpRequest.newBuilder(uri).timeout(CALL_TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private Answer send(HttpRequest req) {
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      JsonNode json;
      try {
        json = ChaosHttp.JSON.readTree(r.body());
      } catch (IOException notJson) {
        json = ChaosHttp.JSON.createObjectNode().put("body", r.body());
      }
      return new Answer(r.statusCode(), r.headers().firstValue("X-Synod-Node").orElse(null),
          json == null ? ChaosHttp.JSON.createObjectNode() : json);
    } catch (IOException e) {
      return new Answer(0, null, ChaosHttp.JSON.createObjectNode().put("io", e.toString()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
