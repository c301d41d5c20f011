package io.synod.transport.http.client;

import static io.synod.transport.http.client.FakeNode.error;
import static io.synod.transport.http.client.FakeNode.json;
import static io.synod.transport.http.client.FakeNode.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpResponse;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SynodClient} against scripted fake nodes on loopback sockets: redirects and hints,
 * failover to the next endpoint, error mapping, which calls are resent and which are not, and the
 * fallback to the first system's endpoints.
 */
class SynodClientIT {
  private static EventLoops loops;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void startLoops() {
    loops = EventLoops.create("client-it", 1);
  }

  @AfterAll
  static void stopLoops() {
    loops.close();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private FakeNode node(String name) {
    FakeNode n = new FakeNode(name);
    open.add(n);
    return n;
  }

  private SynodClient client(URI... endpoints) {
    return client(SynodClientOptions.builder().endpoints(endpoints));
  }

  private SynodClient client(SynodClientOptions.Builder b) {
    SynodClient c = SynodClient.create(
        b.retryBackoff(Duration.ofMillis(5), Duration.ofMillis(20)).build());
    open.add(c);
    return c;
  }

  private static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static SynodException failure(CompletionStage<?> s) throws Exception {
    try {
      s.toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return assertInstanceOf(SynodException.class, e.getCause());
    }
    throw new AssertionError("expected the call to fail");
  }

  private static HttpResponse grant(String resource, String owner, long token) {
    return ok(Map.of("status", "acquired", "resource_id", resource, "owner_id", owner,
        "mode", "exclusive", "fencing_token", token));
  }

  private static final String ACQUIRE = "/v1/locks/{resource}/acquire";
  private static final String RELEASE = "/v1/locks/{resource}/release";
  private static final String PUBLISH = "/v1/topics/{topic}/publish";
  private static final String ACK = "/v1/topics/{topic}/ack";
  private static final String READ = "/v1/cache/{address}";

  // ---- redirects and hints -------------------------------------------------------------------

  @Test
  void followsA307ToTheLeaderAndReturnsItsFencingToken() throws Exception {
    FakeNode leader = node("n2").always("POST", ACQUIRE, grant("orders", "w1", 42)).start(loops);
    FakeNode follower = node("n1").always("POST", ACQUIRE,
        HttpResponse.of(307, null, null).withHeader("Location",
            leader.uri() + "/v1/locks/orders/acquire")).start(loops);
    SynodClient c = client(follower.uri());

    LockGrant g = get(c.locks().acquire("orders", "w1", LockMode.EXCLUSIVE, Duration.ZERO));

    assertEquals(new LockGrant("orders", "w1", LockMode.EXCLUSIVE, 42, 0, "n2"), g);
    assertEquals(1, follower.hits("POST", ACQUIRE));
    assertEquals(1, leader.hits("POST", ACQUIRE));
    JsonNode sent = leader.bodies.get(0);
    assertEquals("w1", sent.path("owner_id").asText());
    assertEquals("exclusive", sent.path("mode").asText());
    assertEquals(0, sent.path("wait_ms").asLong());
  }

  @Test
  void a421WithAnOwnerHintGoesStraightToTheHintedNode() throws Exception {
    FakeNode owner = node("n3").always("POST", PUBLISH,
        ok(Map.of("status", "published", "message_ids", List.of("7-0")))).start(loops);
    FakeNode second = node("n2").always("POST", PUBLISH, error(500, "internal_error", "x"))
        .start(loops);
    FakeNode first = node("n1").always("POST", PUBLISH,
        error(421, "not_owner", "ask n3").withHeader("X-Synod-Owner", owner.uri().toString()))
        .start(loops);
    SynodClient c = client(first.uri(), second.uri());

    PublishResult p = get(c.queues().publish("jobs", Map.of("n", 1)));

    assertEquals(new PublishResult("jobs", "7-0", "n3"), p);
    assertEquals(0, second.totalHits(), "the hint was followed, not the endpoint list");
    assertEquals(1, owner.hits("POST", PUBLISH));
  }

  @Test
  void aRefusalWithoutHintMovesToTheNextEndpointEvenForAPublish() throws Exception {
    // 503 not_owner is what PublicApi answers when it cannot forward: nothing was stored
    FakeNode a = node("n1").always("POST", PUBLISH, error(503, "not_owner", "ask n2"))
        .start(loops);
    FakeNode b = node("n2").always("POST", PUBLISH,
        ok(Map.of("status", "published", "message_ids", List.of("1-0")))).start(loops);
    SynodClient c = client(a.uri(), b.uri());

    assertEquals("1-0", get(c.queues().publish("jobs", "hello")).messageId());
    assertEquals(1, a.hits("POST", PUBLISH));
    assertEquals(1, b.hits("POST", PUBLISH));
    assertEquals(b.uri(), c.preferredEndpoint(), "the node that answered is tried first next");
  }

  @Test
  void refusalsEverywhereStopAfterMaxAttemptsWithTheServersError() throws Exception {
    FakeNode a = node("n1").always("POST", RELEASE, error(503, "no_lock_node", "no leader"))
        .start(loops);
    FakeNode b = node("n2").always("POST", RELEASE, error(503, "no_lock_node", "no leader"))
        .start(loops);
    SynodClient c = client(SynodClientOptions.builder().endpoints(a.uri(), b.uri())
        .maxAttempts(5));

    SynodException e = failure(c.locks().release("r", "w1"));

    assertEquals(503, e.status());
    assertEquals("no_lock_node", e.error());
    assertEquals("no leader", e.detail());
    assertFalse(e.outcomeUnknown(), "a refusal says nothing was done");
    assertEquals(5, a.totalHits() + b.totalHits());
  }

  @Test
  void lockCallsGoStraightToTheLeaderOnceAnAnswerNamesIt() throws Exception {
    Map<String, String> urls = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.function.BiFunction<Integer, io.synod.transport.http.HttpRequestView, HttpResponse>
        cluster = (i, req) -> ok(Map.of("members", List.of(
            Map.of("node_id", "n1", "url", urls.get("n1")),
            Map.of("node_id", "n2", "url", urls.get("n2")),
            Map.of("node_id", "n3", "url", "http://n3.internal:8003"))));
    // n1 is a follower: it forwards, so its answers name the leader n2
    FakeNode follower = node("n1")
        .route("GET", "/v1/cluster", cluster)
        .always("POST", ACQUIRE, grant("r", "w1", 3).withHeader("X-Synod-Node", "n2"))
        .always("POST", RELEASE, ok(Map.of("status", "released")).withHeader("X-Synod-Node", "n2"))
        .start(loops);
    FakeNode leader = node("n2")
        .route("GET", "/v1/cluster", cluster)
        .always("POST", RELEASE, ok(Map.of("status", "released")))
        .always("POST", ACQUIRE, grant("r", "w1", 4).withHeader("X-Synod-Node", "n3"))
        .start(loops);
    urls.put("n1", follower.uri().toString());
    urls.put("n2", leader.uri().toString());
    SynodClient c = client(follower.uri(), leader.uri());

    assertEquals(3, get(c.locks().acquire("r", "w1", LockMode.EXCLUSIVE, Duration.ZERO))
        .fencingToken());
    get(c.locks().release("r", "w1"));
    assertEquals(0, follower.hits("POST", RELEASE), "the release skipped the forwarding hop");
    assertEquals(1, leader.hits("POST", RELEASE));
    assertEquals(1, follower.hits("GET", "/v1/cluster") + leader.hits("GET", "/v1/cluster"));

    // leadership moved to n3, whose URL is not one of the client's endpoints: calls still work
    // through the endpoints, and the unknown URL is never dialled
    assertEquals(4, get(c.locks().acquire("r", "w1", LockMode.EXCLUSIVE, Duration.ZERO))
        .fencingToken());
    get(c.locks().release("r", "w1"));
    assertEquals(2, follower.hits("POST", RELEASE) + leader.hits("POST", RELEASE));
    assertEquals(1, follower.hits("GET", "/v1/cluster") + leader.hits("GET", "/v1/cluster"),
        "members are asked once, not per call");
  }

  // ---- failover ------------------------------------------------------------------------------

  @Test
  void failsOverPastADeadEndpointAndThenStartsAtTheLiveOne() throws Exception {
    FakeNode live = node("n2")
        .always("POST", PUBLISH, ok(Map.of("status", "published", "message_ids", List.of("3-0"))))
        .always("GET", READ, ok(Map.of("status", "hit", "address", "k", "value", 5)))
        .start(loops);
    URI dead = FakeNode.deadEndpoint();
    SynodClient c = client(dead, live.uri());

    // a connect failure means the request was never sent: even a publish moves on
    assertEquals("3-0", get(c.queues().publish("jobs", "x")).messageId());
    assertEquals(live.uri(), c.preferredEndpoint());
    CacheEntry e = get(c.cache().read("k"));
    assertEquals(new CacheEntry("k", true, json("5"), "n2"), e);
    assertEquals(2, live.totalHits());
  }

  @Test
  void everyEndpointDeadFailsWithUnreachableAndAKnownOutcome() throws Exception {
    SynodClient c = client(SynodClientOptions.builder()
        .endpoints(FakeNode.deadEndpoint(), FakeNode.deadEndpoint()).maxAttempts(4));

    SynodException e = failure(c.queues().publish("jobs", "x"));

    assertEquals(0, e.status());
    assertEquals("unreachable", e.error());
    assertFalse(e.outcomeUnknown(), "nothing was ever sent");
  }

  // ---- error mapping -------------------------------------------------------------------------

  @Test
  void serverErrorsSurfaceWithTheirCodeDetailAndNode() throws Exception {
    FakeNode n = node("n1")
        .always("POST", ACQUIRE, HttpResponse.json(409, Map.of("status", "failed",
            "error", "lock_held", "detail", "resource 'r' is held: exclusive by [w0]")))
        .always("POST", PUBLISH, error(400, "missing_field", "'message' is required"))
        .always("GET", READ, HttpResponse.text(502, "bad gateway"))
        .start(loops);
    SynodClient c = client(SynodClientOptions.builder().endpoints(n.uri()).maxAttempts(1));

    assertEquals(Optional.empty(), get(c.locks().tryAcquire("r", "w1", LockMode.EXCLUSIVE)),
        "a busy lock is an empty try, not an error");
    SynodException held = failure(c.locks().acquire("r", "w1", LockMode.EXCLUSIVE,
        Duration.ZERO));
    assertInstanceOf(LockHeldException.class, held, held.toString());
    assertEquals(409, held.status());
    assertEquals("lock_held", held.error());
    assertEquals("resource 'r' is held: exclusive by [w0]", held.detail());
    assertEquals("n1", held.node());
    assertFalse(held.outcomeUnknown());

    SynodException bad = failure(c.queues().publish("jobs", "x"));
    assertInstanceOf(InvalidRequestException.class, bad, bad.toString());
    assertEquals(400, bad.status());
    assertEquals("missing_field", bad.error());
    assertEquals("'message' is required", bad.detail());

    SynodException gateway = failure(c.cache().read("k"));
    assertEquals(502, gateway.status());
    assertEquals("http_502", gateway.error(), "a body without an error code gets one");
    assertEquals("bad gateway", gateway.detail());
    assertTrue(gateway.outcomeUnknown());
  }

  @Test
  void badArgumentsAreRefusedBeforeAnythingIsSent() throws Exception {
    FakeNode n = node("n1").always("POST", PUBLISH, ok(Map.of())).start(loops);
    SynodClient c = client(n.uri());
    assertThrows(IllegalArgumentException.class, () -> c.queues().publish("", "x"));
    assertThrows(NullPointerException.class, () -> c.queues().publish("t", null));
    assertThrows(IllegalArgumentException.class,
        () -> c.queues().consume("t", "g", "c", 0, Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> c.locks().acquire("r", "", LockMode.SHARED, Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> c.locks().acquire("r", "o", LockMode.SHARED, Duration.ofSeconds(-1)));
    assertEquals(0, n.totalHits());
  }

  // ---- retry rules ---------------------------------------------------------------------------

  @Test
  void aReadIsResentAfterAServerFailure() throws Exception {
    FakeNode n = node("n1").route("GET", READ, (i, req) -> i == 1
        ? error(500, "internal_error", "boom")
        : ok(Map.of("status", "miss", "address", req.pathParam("address"), "value", "v")))
        .start(loops);
    SynodClient c = client(n.uri());

    CacheEntry e = get(c.cache().read("k"));

    assertEquals("v", e.value().asText());
    assertFalse(e.hit());
    assertEquals(2, n.hits("GET", READ));
  }

  @Test
  void aPublishIsNotResentAfterAnUnknownOutcome() throws Exception {
    FakeNode a = node("n1").always("POST", PUBLISH, error(500, "internal_error", "boom"))
        .start(loops);
    FakeNode b = node("n2").always("POST", PUBLISH,
        ok(Map.of("status", "published", "message_ids", List.of("1-0")))).start(loops);
    SynodClient c = client(a.uri(), b.uri());

    SynodException e = failure(c.queues().publish("jobs", "x"));

    assertTrue(e.outcomeUnknown(), "the message may have been stored");
    assertEquals(500, e.status());
    assertEquals(1, a.hits("POST", PUBLISH));
    assertEquals(0, b.hits("POST", PUBLISH), "no second copy of the message");
  }

  @Test
  void aTimedOutPublishFailsButATimedOutAckIsResentElsewhere() throws Exception {
    FakeNode hung = node("n1")
        .route("POST", PUBLISH, (i, req) -> null)
        .route("POST", ACK, (i, req) -> null)
        .start(loops);
    FakeNode b = node("n2")
        .always("POST", PUBLISH, ok(Map.of("status", "published", "message_ids", List.of("1-0"))))
        .always("POST", ACK, ok(Map.of("status", "acknowledged", "count", 1)))
        .start(loops);
    SynodClient c = client(SynodClientOptions.builder().endpoints(hung.uri(), b.uri())
        .requestTimeout(Duration.ofSeconds(1)));

    SynodException e = failure(c.queues().publish("jobs", "x"));
    assertEquals("timeout", e.error());
    assertTrue(e.outcomeUnknown());
    assertEquals(0, b.hits("POST", PUBLISH));

    get(c.queues().ack("jobs", "g", "1-0~1"));
    assertTrue(hung.hits("POST", ACK) >= 1, "the ack went to the hung node first");
    assertTrue(b.hits("POST", ACK) >= 1, "and was resent to the next one");
    JsonNode sent = b.bodies.get(0);
    assertEquals("g", sent.path("consumer_group").asText());
    assertEquals("1-0~1", sent.path("receipt_handles").get(0).asText());
  }

  @Test
  void aResentReleaseThatFindsTheLockFreeCountsAsReleased() throws Exception {
    FakeNode n = node("n1").route("POST", RELEASE, (i, req) -> i == 1
        ? error(500, "internal_error", "answer lost")
        : error(409, "not_held", "'w1' does not hold 'r'")).start(loops);
    SynodClient c = client(n.uri());

    get(c.locks().release("r", "w1"));
    assertEquals(2, n.hits("POST", RELEASE));

    // without an earlier unknown outcome, not_held is the caller's mistake
    SynodException e = failure(c.locks().release("r", "w1"));
    assertEquals("not_held", e.error());
    assertFalse(e.outcomeUnknown());
  }

  @Test
  void anAcquireIsNotResentAfterAnUnknownOutcome() throws Exception {
    FakeNode n = node("n1").route("POST", ACQUIRE, (i, req) -> i == 1
        ? error(503, "node_unavailable", "the leader did not answer the forward")
        : grant("r", "w1", 1)).start(loops);
    SynodClient c = client(n.uri());

    SynodException e = failure(c.locks().acquire("r", "w1", LockMode.EXCLUSIVE, Duration.ZERO));

    assertEquals("node_unavailable", e.error());
    assertTrue(e.outcomeUnknown());
    assertEquals(1, n.hits("POST", ACQUIRE));
  }

  // ---- shapes: sessions, consume, batches ----------------------------------------------------

  @Test
  void sessionsConsumeAndBatchesMapTheServersShapes() throws Exception {
    FakeNode n = node("n1")
        .always("POST", "/v1/sessions",
            ok(Map.of("session_id", "s-9", "session_token", "tok-9", "ttl_ms", 5000)))
        .always("POST", "/v1/sessions/{session}/keepalive",
            ok(Map.of("status", "alive", "session_id", "s-9", "expires_at", 123456)))
        .always("DELETE", "/v1/sessions/{session}", ok(Map.of("status", "closed")))
        .always("POST", ACQUIRE, grant("r", "w1", 8))
        .always("POST", RELEASE, ok(Map.of("status", "released")))
        .always("POST", PUBLISH,
            ok(Map.of("status", "published", "message_ids", List.of("5-0", "5-1"))))
        .always("POST", "/v1/topics/{topic}/consume", HttpResponse.of(200, HttpResponse.JSON,
            ("{\"status\":\"ok\",\"messages\":[{\"id\":\"5-0\",\"data\":{\"a\":1},"
                + "\"timestamp\":1700000000.123,\"delivery_count\":2}]}").getBytes()))
        .start(loops);
    SynodClient c = client(n.uri());

    LockSession s = get(c.locks().openSession(Duration.ofSeconds(5)));
    assertEquals(new LockSession("s-9", Duration.ofSeconds(5), "tok-9"), s);
    assertEquals(123456L, get(c.locks().keepAlive(s)));
    LockGrant g = get(c.locks().acquire(LockRequest.of("r", "w1").withSession(s)
        .withMode(LockMode.SHARED).withWait(Duration.ofMillis(250))));
    assertEquals(8, g.fencingToken());
    assertEquals(s, g.session());
    get(c.locks().release(g));
    get(c.locks().closeSession(s));
    // the session's token goes with every call about it, in the header (never in a body)
    assertEquals(List.of("POST /v1/sessions: -", "POST /v1/sessions/{session}/keepalive: tok-9",
        "POST " + ACQUIRE + ": tok-9", "POST " + RELEASE + ": tok-9",
        "DELETE /v1/sessions/{session}: tok-9"), n.sessionTokens.subList(0, 5));

    List<PublishResult> ids = get(c.queues().publishBatch("t", List.of("a", Map.of("b", 2))));
    assertEquals(List.of("5-0", "5-1"), ids.stream().map(PublishResult::messageId).toList());

    List<QueueMessage> got = get(c.queues().consume("t", "g", "c1", 5, Duration.ofMillis(10)));
    assertEquals(List.of(new QueueMessage("t", "5-0", json("{\"a\":1}"),
        Instant.ofEpochMilli(1_700_000_000_123L), 2)), got);

    List<String> sent = n.bodies.stream().map(JsonNode::toString).toList();
    assertTrue(sent.contains("{\"ttl_ms\":5000}"), sent.toString());
    assertTrue(sent.contains("{\"owner_id\":\"w1\",\"mode\":\"shared\",\"session_id\":\"s-9\","
        + "\"wait_ms\":250}"), sent.toString());
    assertTrue(sent.contains("{\"owner_id\":\"w1\",\"session_id\":\"s-9\"}"), sent.toString());
    assertTrue(sent.contains("{\"messages\":[\"a\",{\"b\":2}]}"), sent.toString());
    assertTrue(sent.contains("{\"consumer_group\":\"g\",\"consumer_id\":\"c1\","
        + "\"max_messages\":5,\"wait_ms\":10}"), sent.toString());
  }

  // ---- background keep-alive ----------------------------------------------------------------

  @Test
  void aBackgroundKeepAliveRunsUntilClosedAndReportsALostSession() throws Exception {
    String path = "/v1/sessions/{session}/keepalive";
    FakeNode n = node("n1")
        .route("POST", path, (i, req) -> req.pathParam("session").equals("gone") && i > 2
            ? error(404, "unknown_session", "session 'gone' is unknown")
            : ok(Map.of("status", "alive", "expires_at", 1000 + i)))
        .start(loops);
    SynodClient c = client(n.uri());

    // the server forgets the session at its third keep-alive: the handle says the locks are gone
    SessionKeepAlive gone = c.locks().keepAliveEvery(session("gone"), Duration.ofMillis(20));
    SynodException e = failure(gone.lost());
    assertInstanceOf(UnknownSessionException.class, e, e.toString());
    assertEquals("unknown_session", e.error());
    assertEquals(3, gone.sentCount());
    assertEquals(1002, gone.expiresAtMillis(), "the last lease the server granted");

    SessionKeepAlive alive = c.locks().keepAliveEvery(session("s1"), Duration.ofMillis(20));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (alive.sentCount() < 3 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    alive.close();
    get(alive.lost());
    assertTrue(alive.sentCount() >= 3, "kept alive repeatedly: " + alive.sentCount());
    assertThrows(IllegalArgumentException.class,
        () -> c.locks().keepAliveEvery(session("s1"), Duration.ZERO));
  }

  private static LockSession session(String id) {
    return new LockSession(id, Duration.ofSeconds(1), "tok-" + id);
  }

  // ---- session tokens ------------------------------------------------------------------------

  @Test
  void aRefusedSessionTokenIsATypedErrorAndStopsTheBackgroundKeepAlive() throws Exception {
    HttpResponse mismatch = error(403, "session_token_mismatch",
        "the session token does not match session 7");
    FakeNode n = node("n1")
        .always("POST", "/v1/sessions/{session}/keepalive", mismatch)
        .always("DELETE", "/v1/sessions/{session}", mismatch)
        .always("POST", ACQUIRE, mismatch)
        .always("POST", RELEASE, mismatch)
        .start(loops);
    SynodClient c = client(n.uri());
    LockSession forged = new LockSession("7", Duration.ofSeconds(5), "guess");

    List<CompletionStage<?>> calls = List.of(c.locks().keepAlive(forged),
        c.locks().closeSession(forged),
        c.locks().acquire(LockRequest.of("r", "w1").withSession(forged)),
        c.locks().release("r", "w1", forged),
        // no token at all: a hold in a session released by owner alone
        c.locks().release("r", "w1"));
    for (CompletionStage<?> call : calls) {
      SynodException e = failure(call);
      assertInstanceOf(SessionTokenMismatchException.class, e, e.toString());
      assertEquals(403, e.status());
      assertFalse(e.outcomeUnknown(), "a refusal changed nothing");
    }
    // a refusal is final: each call was sent once, idempotent or not
    assertEquals(5, n.totalHits());

    SessionKeepAlive k = c.locks().keepAliveEvery(forged, Duration.ofMillis(20));
    assertInstanceOf(SessionTokenMismatchException.class, failure(k.lost()));
    assertEquals(1, k.sentCount(), "no resend with a refused token");
  }

  @Test
  void aGrantInALeaseSessionTheServerOpenedKeepsItsTokenForTheRelease() throws Exception {
    FakeNode n = node("n1")
        .always("POST", ACQUIRE, ok(Map.of("status", "acquired", "resource_id", "r",
            "owner_id", "w1", "mode", "exclusive", "fencing_token", 3, "session_id", "12",
            "session_token", "tok-12", "ttl_ms", 30000, "expires_at", 99)))
        .always("POST", RELEASE, ok(Map.of("status", "released")))
        .start(loops);
    SynodClient c = client(n.uri());

    LockGrant g = get(c.locks().acquire("r", "w1", LockMode.EXCLUSIVE, Duration.ZERO));
    assertEquals(new LockSession("12", Duration.ofSeconds(30), "tok-12"), g.session());
    get(c.locks().release(g));
    assertEquals(List.of("POST " + ACQUIRE + ": -", "POST " + RELEASE + ": tok-12"),
        n.sessionTokens);
    assertEquals("{\"owner_id\":\"w1\",\"session_id\":\"12\"}", n.bodies.get(1).toString());
  }

  // ---- the first system's endpoints ----------------------------------------------------------

  @Test
  void withoutV1TheClientFallsBackToTheFirstSystemsEndpointsAndRemembers() throws Exception {
    FakeNode old = node("old")
        .always("POST", "/v1/{rest...}", error(404, "not_found", "no route"))
        .always("GET", "/v1/{rest...}", error(404, "not_found", "no route"))
        .always("PUT", "/v1/{rest...}", error(404, "not_found", "no route"))
        .always("POST", "/lock/acquire", ok(Map.of("status", "acquired")))
        .always("POST", "/lock/release", ok(Map.of("status", "released")))
        .always("POST", "/queue/publish", ok(Map.of("status", "published", "message_id", "9-0")))
        .always("GET", "/cache/read", ok(Map.of("status", "hit", "address", "k", "value", "v")))
        .always("POST", "/cache/write", ok(Map.of("status", "written")))
        .start(loops);
    SynodClient c = client(old.uri());

    LockGrant g = get(c.locks().tryAcquire("r", "w1", LockMode.EXCLUSIVE)).orElseThrow();
    assertFalse(g.hasFencingToken());
    assertEquals("w1", g.owner());
    get(c.locks().release("r", "w1"));
    get(c.locks().tryAcquire("r", "w1", LockMode.EXCLUSIVE));
    assertEquals(1, old.hits("POST", "/v1/{rest...}"), "the fallback is remembered");
    assertEquals(2, old.hits("POST", "/lock/acquire"));
    assertEquals(1, old.hits("POST", "/lock/release"));

    assertEquals("9-0", get(c.queues().publish("t", Map.of("x", 1))).messageId());
    get(c.cache().write("k", "v"));
    assertEquals("v", get(c.cache().read("k")).value().asText());
    JsonNode legacyPublish = old.bodies.stream()
        .filter(b -> b.has("topic")).findFirst().orElseThrow();
    assertEquals("{\"topic\":\"t\",\"message\":{\"x\":1}}", legacyPublish.toString());

    // the legacy lock endpoint cannot wait: a clear error, nothing sent
    int before = old.totalHits();
    SynodException e = failure(c.locks().acquire("r", "w2", LockMode.EXCLUSIVE,
        Duration.ofSeconds(1)));
    assertEquals("not_found", e.error());
    assertEquals(before, old.totalHits());
  }

  @Test
  void closeFailsLaterCallsAndIsIdempotent() throws Exception {
    FakeNode n = node("n1").always("GET", READ, ok(Map.of("status", "miss", "value", 1)))
        .start(loops);
    SynodClient c = SynodClient.create(n.uri());
    assertNotNull(get(c.cache().read("k")));
    get(c.closeAsync());
    c.close();
    SynodException e = failure(c.cache().read("k"));
    assertEquals("closed", e.error());
  }
}
