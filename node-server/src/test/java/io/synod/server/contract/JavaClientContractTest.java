package io.synod.server.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.client.LockMode;
import io.synod.transport.http.client.LockRequest;
import io.synod.transport.http.client.LockSession;
import io.synod.transport.http.client.PublishResult;
import io.synod.transport.http.client.QueueMessage;
import io.synod.transport.http.client.SynodClient;
import io.synod.transport.http.client.SynodClientOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 25: the hand-written Java client ({@link SynodClient}) and docs/api.yaml agree. The client
 * talks to a real node through a loopback relay that passes every exchange through {@link
 * TestHttp}, so each request the client sends and each answer it gets is checked against the
 * document (paths, methods, fields and types of what the server accepted, statuses and error
 * shapes of what it answered); a breach is recorded, answered as a 500 and fails the test.
 */
class JavaClientContractTest {
  private static SynodNode node;
  private static HttpServer relay;
  private static ExecutorService relayThreads;
  private static String nodeBase;
  private static final List<String> breaches = Collections.synchronizedList(new ArrayList<>());
  private static final List<String> relayed = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() throws IOException {
    int port = TestHttp.freePort();
    node = new SynodNode(NodeConfig.of(Map.of(
        "NODE_ID", "javaclient", "HTTP_PORT", Integer.toString(port), "HTTP_HOST", "127.0.0.1")))
        .start();
    assertTrue(node.awaitLockLeader(Duration.ofSeconds(30)));
    nodeBase = "http://127.0.0.1:" + port;
    relay = HttpServer.create(new InetSocketAddress("127.0.0.1", TestHttp.freePort()), 16);
    relayThreads = Executors.newFixedThreadPool(4);
    relay.setExecutor(relayThreads);
    relay.createContext("/", JavaClientContractTest::relay);
    relay.start();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    relay.stop(0);
    relayThreads.shutdownNow();
    relayThreads.awaitTermination(10, TimeUnit.SECONDS);
    node.close();
  }

  private static void relay(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h : List.of("Authorization", "X-API-Key", "Idempotency-Key",
        "X-Synod-Session-Token")) {
      String v = ex.getRequestHeaders().getFirst(h);
      if (v != null) {
        headers.put(h, v);
      }
    }
    String target = ex.getRequestURI().getRawPath()
        + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
    relayed.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath());
    int status;
    byte[] out;
    String node = null;
    try {
      TestHttp.Reply r = TestHttp.call(ex.getRequestMethod(), nodeBase + target,
          body.isEmpty() ? null : body, headers);
      status = r.status();
      out = r.body().getBytes(StandardCharsets.UTF_8);
      node = r.node();
    } catch (AssertionError breach) {
      breaches.add(breach.getMessage());
      status = 500;
      out = ("{\"error\":\"contract_breach\",\"detail\":\"see the test\"}")
          .getBytes(StandardCharsets.UTF_8);
    }
    ex.getResponseHeaders().add("Content-Type", "application/json");
    if (node != null) {
      ex.getResponseHeaders().add("X-Synod-Node", node);
    }
    ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(out);
    }
  }

  private static <T> T get(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception c) {
        throw c;
      }
      throw e;
    }
  }

  @Test
  void everyClientCallIsAnExchangeTheDocumentAllows() throws Exception {
    SynodClientOptions options = SynodClientOptions.builder()
        .endpoints(List.of(URI.create("http://127.0.0.1:" + relay.getAddress().getPort())))
        .build();
    try (SynodClient client = SynodClient.create(options)) {
      // locks and sessions
      var alice = get(client.locks().acquire("jc-r", "alice", LockMode.EXCLUSIVE,
          Duration.ZERO));
      assertTrue(alice.fencingToken() > 0);
      assertTrue(get(client.locks().tryAcquire("jc-r", "bob", LockMode.EXCLUSIVE)).isEmpty(),
          "bob is refused while alice holds it");
      assertThrows(Exception.class, () -> get(client.locks().release("jc-r", "bob")));
      get(client.locks().release(alice));
      LockSession session = get(client.locks().openSession(Duration.ofSeconds(30)));
      get(client.locks().acquire(LockRequest.of("jc-r", "carol")
          .withSession(session)));
      assertTrue(get(client.locks().keepAlive(session)) > 0);
      get(client.locks().closeSession(session));
      assertThrows(Exception.class, () -> get(client.locks().keepAlive(session)));
      // the queue
      PublishResult one = get(client.queues().publish("jc-t", Map.of("n", 0)));
      List<PublishResult> batch = get(client.queues().publishBatch("jc-t",
          List.of(Map.of("n", 1), "two", 3)));
      assertEquals(3, batch.size());
      List<String> ids = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (ids.size() < 4 && System.nanoTime() < deadline) {
        for (QueueMessage m : get(client.queues().consume("jc-t", "g", "w", 10,
            Duration.ofSeconds(1)))) {
          ids.add(m.id());
        }
      }
      assertTrue(ids.contains(one.messageId()), ids.toString());
      get(client.queues().ack("jc-t", "g", ids.get(0)));
      assertEquals(ids.size() - 1, get(client.queues().ack("jc-t", "g", ids.subList(1,
          ids.size()))));
      assertThrows(Exception.class, () -> get(client.queues().ack("jc-t", "g", "1-1")));
      // the cache
      get(client.cache().write("jc-k", Map.of("v", 1)));
      assertEquals(1, get(client.cache().read("jc-k")).value().path("v").asInt());
      get(client.cache().invalidate("jc-k"));
      try {
        get(client.cache().read("jc-never"));
      } catch (Exception neverWritten) {
        // the client may report the 404 as an error; the relay checked the exchange either way
      }
    } catch (Exception e) {
      throw new AssertionError("client failed; contract breaches: " + breaches, e);
    }
    assertEquals(List.of(), breaches, "exchanges of the Java client the document does not allow");
    assertFalse(relayed.isEmpty());
    // the client used only documented operations (an undocumented one would be a breach above,
    // since the relay checks unknown paths as the router's 404/405)
    assertTrue(relayed.stream().anyMatch(s -> s.startsWith("POST /v1/locks/")), relayed.toString());
  }
}
