package io.synod.server.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 25: the running server and docs/api.yaml agree. Drives every documented operation to a
 * success and to an error answer through {@link TestHttp}, which checks each exchange against the
 * document ({@link ApiContract}); then proves every operation was seen both ways. A second test
 * proves the checker refuses what the document does not allow, so a passing run means something.
 */
class ContractTest {
  private static final String READ = "read-key-0123456789";
  private static final String ADMIN = "admin-key-0123456789";
  private static SynodNode open;
  private static SynodNode keyed;
  private static String base;
  private static String keyedBase;

  @BeforeAll
  static void start() {
    int port = TestHttp.freePort();
    // a single member (no cluster secret needed), small edge bounds to reach their refusals
    open = new SynodNode(NodeConfig.of(Map.of(
        "NODE_ID", "contract", "HTTP_PORT", Integer.toString(port), "HTTP_HOST", "127.0.0.1",
        "MAX_CACHE_VALUE_BYTES", "64", "MAX_BODY_BYTES", "4096", "MAX_HEADER_COUNT", "12")))
        .start();
    int keyedPort = TestHttp.freePort();
    keyed = new SynodNode(NodeConfig.of(Map.of(
        "NODE_ID", "keyed", "HTTP_PORT", Integer.toString(keyedPort), "HTTP_HOST", "127.0.0.1",
        "API_KEYS", "read:" + READ + ",admin:" + ADMIN))).start();
    assertTrue(open.awaitLockLeader(Duration.ofSeconds(30)));
    assertTrue(keyed.awaitLockLeader(Duration.ofSeconds(30)));
    base = "http://127.0.0.1:" + port;
    keyedBase = "http://127.0.0.1:" + keyedPort;
  }

  @AfterAll
  static void stop() {
    open.close();
    keyed.close();
  }

  private static TestHttp.Reply call(String method, String path, String body, int expected) {
    return call(method, path, body, Map.of(), expected);
  }

  private static TestHttp.Reply call(String method, String path, String body,
      Map<String, String> headers, int expected) {
    TestHttp.Reply r = TestHttp.call(method, base + path, body, headers);
    assertEquals(expected, r.status(), method + " " + path + " -> " + r.body());
    return r;
  }

  /** Queue and lock calls may meet a group that is still electing: 503 is retried, bounded. */
  private static TestHttp.Reply settled(String method, String path, String body, int expected) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    TestHttp.Reply last = TestHttp.call(method, base + path, body);
    while (last.status() == 503 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      last = TestHttp.call(method, base + path, body);
    }
    assertEquals(expected, last.status(), method + " " + path + " -> " + last.body());
    return last;
  }

  @Test
  void everyOperationAnswersAsDocumentedOnSuccessAndOnError() {
    String longName = "n".repeat(300);
    // ---- the first system's API
    settled("POST", "/lock/acquire", "{\"resource_id\":\"c-r1\",\"requester_id\":\"a\"}", 200);
    call("POST", "/lock/acquire", "{\"resource_id\":\"c-r1\",\"requester_id\":\"b\"}", 409);
    call("POST", "/lock/acquire", "{\"resource_id\":\"c-r1\"}", 400);
    call("POST", "/lock/release", "{\"resource_id\":\"c-r1\",\"owner_id\":\"b\"}", 409);
    call("POST", "/lock/release", "{\"resource_id\":\"c-r1\",\"owner_id\":\"a\"}", 200);
    call("POST", "/lock/release", "{\"resource_id\":\"c-r1\"}", 400);
    settled("POST", "/queue/publish", "{\"topic\":\"c-t1\",\"message\":{\"n\":1}}", 200);
    call("POST", "/queue/publish", "{\"topic\":\"c-t1\",\"message\":1}", 400);
    String legacyId = settled("POST", "/queue/consume",
        "{\"topic\":\"c-t1\",\"consumer_group\":\"g\",\"consumer_id\":\"w\"}", 200)
        .json().path("messages").path(0).path("id").asText();
    call("POST", "/queue/consume", "{\"topic\":\"c-t1\",\"consumer_group\":\"g\"}", 400);
    call("POST", "/queue/ack",
        "{\"topic\":\"c-t1\",\"consumer_group\":\"g\",\"message_id\":\"" + legacyId + "\"}", 200);
    call("POST", "/queue/ack",
        "{\"topic\":\"c-t1\",\"consumer_group\":\"g\",\"message_id\":\"1-1\"}", 404);
    call("POST", "/queue/ack", "{\"topic\":\"c-t1\"}", 400);
    call("POST", "/cache/write", "{\"address\":\"c-k1\",\"value\":\"v1\"}", 200);
    call("POST", "/cache/write", "{\"address\":\"c-k1\",\"value\":\"" + "v".repeat(100) + "\"}",
        413);
    call("POST", "/cache/write", "{\"value\":1}", 400);
    call("GET", "/cache/read?address=c-k1", null, 200);
    call("GET", "/cache/read?address=never-c", null, 200);
    call("GET", "/cache/read", null, 400);

    // ---- v1 locks and sessions
    TestHttp.Reply grant = call("POST", "/v1/locks/c-r2/acquire",
        "{\"owner_id\":\"a\",\"ttl_ms\":60000}", 200);
    String leaseSession = grant.json().path("session_id").asText();
    Map<String, String> leaseToken =
        Map.of("X-Synod-Session-Token", grant.json().path("session_token").asText());
    call("POST", "/v1/locks/c-r2/acquire", "{\"owner_id\":\"b\",\"ttl_ms\":0}", 409);
    call("POST", "/v1/locks/c-r2/acquire", "{\"owner_id\":\"b\",\"session_id\":\"999999\"}", 404);
    call("POST", "/v1/locks/c-r2/acquire", "{\"owner_id\":\"b\",\"mode\":\"upside-down\"}", 400);
    call("GET", "/v1/locks", null, 200);
    call("GET", "/v1/locks?limit=1", null, 200);
    call("GET", "/v1/locks?limit=0", null, 400);
    call("GET", "/v1/locks/c-r2", null, 200);
    call("GET", "/v1/locks/" + longName, null, 400);
    call("POST", "/v1/locks/c-r2/release", "{\"owner_id\":\"b\"}", 409);
    call("POST", "/v1/locks/c-r2/release",
        "{\"owner_id\":\"a\",\"session_id\":\"" + leaseSession + "\"}", 403);
    call("POST", "/v1/locks/c-r2/release",
        "{\"owner_id\":\"a\",\"session_id\":\"" + leaseSession + "\"}", leaseToken, 200);
    call("POST", "/v1/locks/c-r2/release", "{}", 400);
    TestHttp.Reply opened = call("POST", "/v1/sessions", "{\"ttl_ms\":60000}", 200);
    String session = opened.json().path("session_id").asText();
    Map<String, String> token =
        Map.of("X-Synod-Session-Token", opened.json().path("session_token").asText());
    call("POST", "/v1/sessions", "{\"ttl_ms\":1}", 400);
    TestHttp.Reply state = call("GET", "/v1/sessions/" + session, null, 200);
    assertEquals(session, state.json().path("session_id").asText());
    assertTrue(state.json().path("session_token").isMissingNode(), "never the token");
    call("GET", "/v1/sessions/999999", null, 404);
    call("GET", "/v1/sessions", null, 200);
    call("GET", "/v1/sessions?limit=1&after=" + java.util.Base64.getUrlEncoder()
        .withoutPadding().encodeToString("1".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        null, 200);
    call("GET", "/v1/sessions?limit=10001", null, 400);
    call("GET", "/v1/sessions?after=%25", null, 400);
    call("POST", "/v1/sessions/" + session + "/keepalive", null, 403);
    call("POST", "/v1/sessions/" + session + "/keepalive", null, token, 200);
    call("POST", "/v1/sessions/999999/keepalive", null, 404);
    call("DELETE", "/v1/sessions/" + session, null, token, 200);
    call("DELETE", "/v1/sessions/" + session, null, token, 404);

    // ---- v1 topics
    settled("POST", "/v1/topics/c-t2/publish", "{\"messages\":[{\"n\":1},\"two\",3]}", 200);
    call("POST", "/v1/topics/c-t2/publish", "{\"message\":1,\"messages\":[2]}", 400);
    // consume until two of the three are delivered (a long poll returns what is visible)
    List<String> delivered = new ArrayList<>();
    List<String> receipts = new ArrayList<>();
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (delivered.size() < 2 && System.nanoTime() < until) {
      settled("POST", "/v1/topics/c-t2/consume", "{\"consumer_group\":\"g\",\"consumer_id\":"
          + "\"w\",\"max_messages\":3,\"wait_ms\":500}", 200)
          .json().path("messages").forEach(m -> {
            delivered.add(m.path("id").asText());
            receipts.add(m.path("receipt_handle").asText());
          });
    }
    assertTrue(delivered.size() >= 2, "delivered: " + delivered);
    call("POST", "/v1/topics/c-t2/consume", "{\"consumer_id\":\"w\"}", 400);
    String first = receipts.get(0);
    String second = receipts.get(1);
    // w holds what it was handed: it cannot be deleted yet
    call("DELETE", "/v1/topics/c-t2/groups/g/consumers/w", null, 409);
    call("POST", "/v1/topics/c-t2/extend",
        "{\"consumer_group\":\"g\",\"receipt_handle\":\"" + second + "\"}", 200);
    call("POST", "/v1/topics/c-t2/extend", "{\"consumer_group\":\"g\"}", 400);
    call("POST", "/v1/topics/c-t2/ack",
        "{\"consumer_group\":\"g\",\"receipt_handles\":[\"" + first + "\"]}", 200);
    call("POST", "/v1/topics/c-t2/ack",
        "{\"consumer_group\":\"g\",\"receipt_handle\":\"" + first + "\"}", 410);
    call("POST", "/v1/topics/c-t2/ack", "{\"consumer_group\":\"g\",\"message_id\":\"1-1\"}", 400);
    call("POST", "/v1/topics/c-t2/nack",
        "{\"consumer_group\":\"g\",\"receipt_handle\":\"" + second + "\"}", 200);
    call("POST", "/v1/topics/c-t2/nack", "{\"consumer_group\":\"g\"}", 400);
    call("DELETE", "/v1/topics/c-t2/groups/g/consumers/nobody", null, 404);
    call("DELETE", "/v1/topics/c-t2/groups/g", null, 200);
    call("DELETE", "/v1/topics/c-t2/groups/g", null, 404);
    // a consumer of an empty topic holds nothing: it can be deleted
    settled("POST", "/v1/topics/c-t3/consume", "{\"consumer_group\":\"g2\",\"consumer_id\":"
        + "\"idle\"}", 200);
    call("DELETE", "/v1/topics/c-t3/groups/g2/consumers/idle", null, 200);
    call("GET", "/v1/topics/c-t2/stats", null, 200);
    call("GET", "/v1/topics", null, 200);
    call("GET", "/v1/topics?limit=1", null, 200);
    call("GET", "/v1/topics?limit=x", null, 400);
    call("GET", "/v1/topics/" + longName + "/stats", null, 400);
    call("GET", "/v1/topics/c-t2/dead-letters", null, 200);
    call("GET", "/v1/topics/" + longName + "/dead-letters", null, 400);

    // ---- v1 cache
    call("PUT", "/v1/cache/c-k2", "{\"value\":{\"a\":[1,2]}}", 200);
    call("PUT", "/v1/cache/c-k2", "{\"value\":\"" + "v".repeat(100) + "\"}", 413);
    call("GET", "/v1/cache/c-k2", null, 200);
    call("GET", "/v1/cache/never-c2", null, 404);
    call("GET", "/v1/cache", null, 200);
    call("DELETE", "/v1/cache/c-k2", null, 200);
    call("DELETE", "/v1/cache/" + longName, null, 400);

    // ---- v1 cluster
    call("GET", "/v1/cluster", null, 200);
    call("POST", "/v1/cluster/members", "{\"node_id\":\"ghost\",\"url\":\"ftp://x\"}", 400);
    call("DELETE", "/v1/cluster/members/contract", null, 409);
    call("DELETE", "/v1/cluster/members/ghost", null, 404);

    // ---- operations, the router's own refusals and the edge
    call("GET", "/health", null, 200);
    call("GET", "/ready", null, 200);
    call("GET", "/ready?role=lock", null, 200);
    call("GET", "/ready?role=nonsense", null, 400);
    call("GET", "/metrics", null, 200);
    call("GET", "/", null, 200);
    String document = call("GET", "/openapi.yaml", null, 200).body();
    assertTrue(document.contains("operationId: acquireLock"), "the node serves docs/api.yaml");
    call("POST", "/health", "{}", 405);
    call("GET", "/no/such/route", null, 404);
    call("POST", "/v1/topics/c-t2/publish", "{\"message\":\"" + "x".repeat(5000) + "\"}", 413);
    call("GET", "/v1/locks/" + "r".repeat(9000), null, 414);
    Map<String, String> many = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      many.put("X-Many-" + i, "v");
    }
    assertEquals(431, TestHttp.call("GET", base + "/health", null, many).status());

    // ---- internal (a single member takes unsigned peer requests)
    call("POST", "/internal/heartbeat", "{\"node_id\":\"contract\",\"roles\":[\"lock\"]}", 200);
    call("POST", "/internal/heartbeat", "{}", 400);
    call("POST", "/internal/cache", "[]", 204);
    call("POST", "/internal/cache", "{\"not\":\"a batch\"}", 400);
    call("POST", "/internal/raft", "garbage", 400);
    call("POST", "/internal/queue/publish", "{}", 400);
    // the replicated main memory of embedded storage: a get of a never-written address
    settled("POST", "/internal/cache/memory", "{\"op\":\"get\",\"group\":0,"
        + "\"address\":\"c-never\"}", 200);
    call("POST", "/internal/cache/memory", "{\"op\":\"drop\"}", 400);
    io.synod.queue.QueueRequest<?> consume =
        new io.synod.queue.QueueRequest.Consume("c-t2", "g2", "w", 1, 0, 0);
    call("POST", "/internal/queue/" + io.synod.transport.http.queue.QueueJson.kind(consume),
        new String(io.synod.transport.http.queue.QueueJson.encodeRequest(consume),
            java.nio.charset.StandardCharsets.UTF_8), 200);

    // ---- API keys: 401 without one, 403 for too low a level, then success with admin
    assertEquals(401, TestHttp.call("GET", keyedBase + "/v1/cluster", null).status());
    Map<String, String> read = Map.of("X-API-Key", READ);
    Map<String, String> admin = Map.of("Authorization", "Bearer " + ADMIN);
    for (String[] op : new String[][] {
        {"GET", "/v1/locks"}, {"GET", "/v1/cache"}, {"GET", "/metrics"},
        {"GET", "/openapi.yaml"}}) {
      assertEquals(401, TestHttp.call(op[0], keyedBase + op[1], null).status(), op[1]);
    }
    // the status page is static HTML holding no data: it loads without a key
    assertEquals(200, TestHttp.call("GET", keyedBase + "/", null).status());
    assertEquals(403, TestHttp.call("POST", keyedBase + "/v1/cluster/members",
        "{\"node_id\":\"ghost\",\"url\":\"http://127.0.0.1:9\"}", read).status());
    assertEquals(200, TestHttp.call("POST", keyedBase + "/v1/cluster/members",
        "{\"node_id\":\"ghost\",\"url\":\"http://127.0.0.1:9\"}", admin).status());
    assertEquals(200, TestHttp.call("DELETE", keyedBase + "/v1/cluster/members/ghost", null,
        admin).status());
    assertEquals(403, TestHttp.call("DELETE", keyedBase + "/v1/cluster/members/ghost", null,
        read).status());
    assertEquals(200, TestHttp.call("GET", keyedBase + "/health", null).status());

    // every documented operation was seen answering a success and an error
    Set<String> seen = ApiContract.get().seen();
    List<String> missing = new ArrayList<>();
    for (String op : ApiContract.get().operations()) {
      boolean ok = seen.stream().anyMatch(s -> s.startsWith(op + " 2"));
      boolean error = seen.stream().anyMatch(s -> s.startsWith(op + " 4"));
      // a valid Raft batch is the Raft transport's business (HttpRaftTransportTest), and the
      // probes and pages refuse nothing but edge bounds and keys, exercised above on others
      if (!ok && !op.equals("POST /internal/raft")) {
        missing.add(op + " (success)");
      }
      if (!error && !Set.of("GET /health", "GET /").contains(op)) {
        missing.add(op + " (error)");
      }
    }
    assertEquals(List.of(), missing, "operations not driven both ways");
  }

  @Test
  void theCheckerRefusesWhatTheDocumentDoesNotAllow() {
    ApiContract c = ApiContract.get();
    URI health = URI.create("http://127.0.0.1:1/health");
    Set<String> node = Set.of("x-synod-node", "content-type");
    String ok = "{\"status\":\"ok\",\"node_id\":\"n\"}";
    c.check("GET", health, null, 200, "application/json", node, ok);
    // an undocumented status code
    assertThrows(AssertionError.class,
        () -> c.check("GET", health, null, 500, "application/json", node,
            "{\"error\":\"internal_error\",\"detail\":\"x\"}"));
    // an undocumented field
    assertThrows(AssertionError.class, () -> c.check("GET", health, null, 200,
        "application/json", node, "{\"status\":\"ok\",\"node_id\":\"n\",\"extra\":1}"));
    // a wrong type
    assertThrows(AssertionError.class, () -> c.check("GET", health, null, 200,
        "application/json", node, "{\"status\":\"ok\",\"node_id\":7}"));
    // a required header missing
    assertThrows(AssertionError.class, () -> c.check("GET", health, null, 200,
        "application/json", Set.of("content-type"), ok));
    // an undocumented media type
    assertThrows(AssertionError.class, () -> c.check("GET", health, null, 200,
        "text/plain", node, ok));
    // an error without the shared shape
    URI lock = URI.create("http://127.0.0.1:1/v1/locks/r/acquire");
    assertThrows(AssertionError.class, () -> c.check("POST", lock, "{\"owner_id\":\"a\"}", 409,
        "application/json", node, "{\"error\":\"lock_held\"}"));
    // a request the document calls invalid, accepted by the server
    assertThrows(AssertionError.class, () -> c.check("POST", lock, "{\"owner_id\":7}", 200,
        "application/json", node, "{\"status\":\"acquired\",\"resource_id\":\"r\","
            + "\"owner_id\":\"7\",\"mode\":\"exclusive\",\"fencing_token\":1,\"index\":2}"));
    // an unknown path must be the router's 404, a known path with another method its 405
    assertThrows(AssertionError.class, () -> c.check("GET", URI.create("http://h/nope"), null,
        200, "application/json", node, ok));
    c.check("GET", URI.create("http://h/nope"), null, 404, "application/json", node,
        "{\"error\":\"not_found\",\"detail\":\"no route for /nope\"}");
    assertEquals(new TreeSet<>(c.operations()).size(), c.operations().size(),
        "each operation once");
  }
}
