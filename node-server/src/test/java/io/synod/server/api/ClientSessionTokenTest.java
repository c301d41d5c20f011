package io.synod.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.client.LockGrant;
import io.synod.transport.http.client.LockMode;
import io.synod.transport.http.client.LockRequest;
import io.synod.transport.http.client.LockSession;
import io.synod.transport.http.client.SessionKeepAlive;
import io.synod.transport.http.client.SessionTokenMismatchException;
import io.synod.transport.http.client.SynodClient;
import io.synod.transport.http.client.SynodClientOptions;
import io.synod.transport.http.client.SynodException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java client against a real node: a {@link LockSession} keeps the token the server issued
 * and presents it on keep-alive, acquire, release and close; a client that knows a session's id
 * but not its token (forged or absent) gets {@link SessionTokenMismatchException} and changes
 * nothing.
 */
class ClientSessionTokenTest {
  private static SynodNode node;
  private static String base;
  private static SynodClient client;

  @BeforeAll
  static void start() {
    int port = TestHttp.freePort();
    node = new SynodNode(NodeConfig.of(Map.of(
            "NODE_ID", "solo",
            "PEERS", "solo=http://127.0.0.1:" + port,
            "HTTP_PORT", Integer.toString(port),
            "HTTP_HOST", "127.0.0.1")))
        .start();
    assertTrue(node.awaitLockLeader(Duration.ofSeconds(20)), "a one-node group elects itself");
    base = "http://127.0.0.1:" + port;
    client = SynodClient.create(SynodClientOptions.builder().endpoint(URI.create(base))
        .build());
  }

  @AfterAll
  static void stop() {
    client.close();
    node.close();
  }

  @Test
  void theHolderUsesItsSessionEndToEnd() throws Exception {
    LockSession s = get(client.locks().openSession(Duration.ofSeconds(30)));
    assertTrue(s.token().matches("[0-9a-f]{32}"), "128 random bits, hex: " + s.token().length());
    assertFalse(s.toString().contains(s.token()), "the token stays out of logs");

    LockGrant g = get(client.locks().acquire(LockRequest.of("ct-r", "w1").withSession(s)));
    assertEquals(s, g.session());
    assertEquals(s.sessionId(), holder("ct-r").path("session_id").asText());
    assertTrue(get(client.locks().keepAlive(s)) > 0);
    try (SessionKeepAlive k = client.locks().keepAliveEvery(s, Duration.ofMillis(50))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (k.sentCount() < 2 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
      assertTrue(k.sentCount() >= 2, "kept alive in the background");
      assertFalse(k.lost().toCompletableFuture().isDone(), "the server took the token");
    }
    get(client.locks().release(g));
    assertFalse(state("ct-r").path("held").asBoolean(), "released with the session's token");

    get(client.locks().acquire(LockRequest.of("ct-r", "w1").withSession(s)));
    get(client.locks().closeSession(s));
    assertFalse(state("ct-r").path("held").asBoolean(), "closing the session freed its lock");
  }

  @Test
  void aDefaultLeaseHoldIsReleasedByItsGrantAndNotByOwnerAlone() throws Exception {
    // no session, the server's default lease: the server opens a session for this hold alone
    LockGrant g = get(client.locks().acquire("ct-lease", "w2", LockMode.EXCLUSIVE,
        Duration.ZERO));
    assertTrue(g.session() != null && g.session().hasToken(), String.valueOf(g));
    assertEquals(Duration.ofMillis(node.config().lockDefaultTtlMillis()), g.session().ttl());

    SynodException byOwner = failure(client.locks().release("ct-lease", "w2"));
    assertInstanceOf(SessionTokenMismatchException.class, byOwner, byOwner.toString());
    assertEquals(g.fencingToken(), holder("ct-lease").path("fencing_token").asLong(),
        "refused: still held by the same grant");

    get(client.locks().release(g));
    assertFalse(state("ct-lease").path("held").asBoolean());
  }

  @Test
  void aClientKnowingOnlyTheSessionIdIsRefusedWithATypedErrorAndChangesNothing()
      throws Exception {
    LockSession victim = get(client.locks().openSession(Duration.ofSeconds(30)));
    LockGrant held = get(client.locks().acquire(LockRequest.of("ct-victim", "v")
        .withSession(victim)));
    String tableBefore = state("ct-victim").toString();

    List<LockSession> strangers = List.of(
        new LockSession(victim.sessionId(), victim.ttl(), "0".repeat(32)), // forged
        new LockSession(victim.sessionId(), victim.ttl(), "")); // absent: no header at all
    List<Function<LockSession, CompletionStage<?>>> calls = List.of(
        s -> client.locks().keepAlive(s),
        s -> client.locks().release("ct-victim", "v", s),
        s -> client.locks().acquire(LockRequest.of("ct-other", "v").withSession(s)),
        s -> client.locks().closeSession(s));
    for (LockSession stranger : strangers) {
      for (Function<LockSession, CompletionStage<?>> call : calls) {
        SynodException e = failure(call.apply(stranger));
        assertInstanceOf(SessionTokenMismatchException.class, e, e.toString());
        assertEquals(403, e.status());
        assertEquals("session_token_mismatch", e.error());
        assertFalse(e.outcomeUnknown(), "a refusal is definite");
      }
      SessionKeepAlive k = client.locks().keepAliveEvery(stranger, Duration.ofMillis(20));
      assertInstanceOf(SessionTokenMismatchException.class, failure(k.lost()));
    }
    // naming the owner without any session finds the session hold and is refused as well
    assertInstanceOf(SessionTokenMismatchException.class,
        failure(client.locks().release("ct-victim", "v")));

    // nothing changed: the victim still holds with the same grant, nothing else was taken
    assertEquals(tableBefore, state("ct-victim").toString());
    assertEquals(held.fencingToken(), holder("ct-victim").path("fencing_token").asLong());
    assertFalse(state("ct-other").path("held").asBoolean());
    // and the session is the victim's still: its own token keeps it alive and closes it
    assertTrue(get(client.locks().keepAlive(victim)) > 0);
    get(client.locks().closeSession(victim));
    assertFalse(state("ct-victim").path("held").asBoolean());
    assertThrows(IllegalArgumentException.class,
        () -> new LockSession("", Duration.ofSeconds(1), "t"));
  }

  private static JsonNode state(String resource) {
    TestHttp.Reply r = TestHttp.get(base + "/v1/locks/" + resource);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private static JsonNode holder(String resource) {
    JsonNode hs = state(resource).path("holders");
    assertEquals(1, hs.size(), hs.toString());
    return hs.get(0);
  }

  private static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static SynodException failure(CompletionStage<?> s) throws Exception {
    try {
      s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return assertInstanceOf(SynodException.class, e.getCause());
    }
    throw new AssertionError("expected the call to fail");
  }
}
