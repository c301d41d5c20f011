package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pooled client against real servers on loopback. */
class HttpClientPoolIT {
  private static EventLoops loops;

  @BeforeAll
  static void start() {
    loops = EventLoops.create("client-it", 2);
  }

  @AfterAll
  static void stop() {
    loops.close();
  }

  private static Router router() {
    return new Router()
        .get("/id/{id}", req -> {
          // Answer after a delay that makes later requests finish first.
          long id = Long.parseLong(req.pathParam("id"));
          CompletableFuture<HttpResponse> f = new CompletableFuture<>();
          CompletableFuture.delayedExecutor((20 - id % 20) * 2, TimeUnit.MILLISECONDS)
              .execute(() -> f.complete(HttpResponse.text(200, "id " + id)));
          return f;
        })
        .get("/hello", req -> CompletableFuture.completedFuture(HttpResponse.text(200, "hi")))
        .get("/never", req -> new CompletableFuture<>())
        .post("/echo", req -> CompletableFuture.completedFuture(HttpResponse.ok(req.json())));
  }

  private static HttpServer server(int port) {
    return HttpServer.builder(router()).host("127.0.0.1").port(port).eventLoops(loops).build()
        .start();
  }

  private static HttpResponse get(HttpClientPool pool, int port, String path) {
    return pool.send("127.0.0.1", port, ClientRequest.get(path)).toCompletableFuture().join();
  }

  private static PeerStateListener recorder(List<String> events) {
    return new PeerStateListener() {
      @Override
      public void peerUnreachable(String peer, Throwable cause) {
        events.add("down " + peer);
      }

      @Override
      public void peerReachable(String peer) {
        events.add("up " + peer);
      }
    };
  }

  private static Throwable failure(CompletableFuture<?> f) {
    return assertThrows(CompletionException.class, f::join).getCause();
  }

  @Test
  void sequentialRequestsReuseOneKeepAliveConnection() {
    try (HttpServer s = server(0);
        HttpClientPool pool = HttpClientPool.create(loops, HttpClientOptions.create())) {
      for (int i = 0; i < 20; i++) {
        assertEquals("hi", get(pool, s.port(), "/hello").bodyAsString());
      }
      assertEquals(1, pool.connectionsOpened());
      assertEquals(1, s.openConnections());
    }
  }

  @Test
  void concurrentRequestsStayWithinTheConnectionBound() {
    HttpClientOptions options = HttpClientOptions.builder().maxConnectionsPerPeer(3).build();
    try (HttpServer s = server(0); HttpClientPool pool = HttpClientPool.create(loops, options)) {
      List<CompletableFuture<HttpResponse>> all = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        all.add(pool.send("127.0.0.1", s.port(), ClientRequest.get("/id/" + i))
            .toCompletableFuture());
      }
      for (int i = 0; i < 60; i++) {
        assertEquals("id " + i, all.get(i).join().bodyAsString());
      }
      assertTrue(pool.connectionsOpened() <= 3, "opened " + pool.connectionsOpened());
    }
  }

  @Test
  void pipelinedRequestsOnOneConnectionGetTheirOwnResponses() {
    HttpClientOptions options = HttpClientOptions.builder()
        .maxConnectionsPerPeer(1).maxPipelinedPerConnection(16).build();
    try (HttpServer s = server(0); HttpClientPool pool = HttpClientPool.create(loops, options)) {
      List<CompletableFuture<HttpResponse>> all = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        all.add(pool.send("127.0.0.1", s.port(), ClientRequest.get("/id/" + i))
            .toCompletableFuture());
      }
      for (int i = 0; i < 40; i++) {
        assertEquals("id " + i, all.get(i).join().bodyAsString());
      }
      assertEquals(1, pool.connectionsOpened());
    }
  }

  @Test
  void oversizedAndMalformedBodiesComeBackAs413And400() {
    try (HttpServer s = server(0);
        HttpClientPool pool = HttpClientPool.create(loops, HttpClientOptions.create())) {
      byte[] big = new byte[2 << 20];
      java.util.Arrays.fill(big, (byte) ' ');
      HttpResponse tooLarge = pool.send("127.0.0.1", s.port(),
          ClientRequest.of("POST", "/echo").body(big, HttpResponse.JSON))
          .toCompletableFuture().join();
      assertEquals(413, tooLarge.status());
      assertEquals("payload_too_large", Json.parse(tooLarge.body()).get("error").asText());
      HttpResponse malformed = pool.send("127.0.0.1", s.port(),
          ClientRequest.of("POST", "/echo").body("{nope", HttpResponse.JSON))
          .toCompletableFuture().join();
      assertEquals(400, malformed.status());
      assertEquals("malformed_json", Json.parse(malformed.body()).get("error").asText());
      // Both leave the pool usable.
      assertEquals("hi", get(pool, s.port(), "/hello").bodyAsString());
    }
  }

  @Test
  void requestTimeoutFailsTheRequestAndThePoolRecovers() {
    HttpServer s = server(0);
    try (HttpClientPool pool = HttpClientPool.create(loops, HttpClientOptions.create())) {
      CompletableFuture<HttpResponse> f = pool.send("127.0.0.1", s.port(),
          ClientRequest.get("/never").timeout(Duration.ofMillis(200))).toCompletableFuture();
      assertInstanceOf(TimeoutException.class, failure(f));
      assertEquals("hi", get(pool, s.port(), "/hello").bodyAsString());
    } finally {
      // The /never request stays in flight on the server: do not wait for it.
      s.closeAsync(Duration.ofMillis(50)).toCompletableFuture().join();
    }
  }

  @Test
  void unreachablePeerFailsFastAndIsReportedUnreachable() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    HttpClientOptions options = HttpClientOptions.builder()
        .backoff(Duration.ofSeconds(30), Duration.ofSeconds(30)).build();
    try (HttpClientPool pool = HttpClientPool.create(loops, options)) {
      List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
      pool.addPeerStateListener(recorder(events));
      CompletableFuture<HttpResponse> first =
          pool.send("127.0.0.1", port, ClientRequest.get("/hello")).toCompletableFuture();
      assertInstanceOf(PeerUnreachableException.class, failure(first));
      assertFalse(pool.isReachable("127.0.0.1", port));
      // Within the backoff window further requests fail without a connect attempt.
      for (int i = 0; i < 10; i++) {
        CompletableFuture<HttpResponse> next =
            pool.send("127.0.0.1", port, ClientRequest.get("/hello")).toCompletableFuture();
        PeerUnreachableException e =
            assertInstanceOf(PeerUnreachableException.class, failure(next));
        assertEquals("127.0.0.1:" + port, e.peer());
      }
      assertEquals(0, pool.connectionsOpened());
      // One transition reported, not one per failed request.
      assertEquals(List.of("down 127.0.0.1:" + port), events);
    }
  }

  @Test
  void poolReconnectsAfterTheServerRestarts() throws Exception {
    HttpClientOptions options = HttpClientOptions.builder()
        .backoff(Duration.ofMillis(10), Duration.ofMillis(200)).build();
    try (HttpClientPool pool = HttpClientPool.create(loops, options)) {
      List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
      pool.addPeerStateListener(recorder(events));
      HttpServer first = server(0);
      int port = first.port();
      assertEquals("hi", get(pool, port, "/hello").bodyAsString());
      first.close();
      // While the server is down, requests fail (lost connection or unreachable peer).
      CompletableFuture<HttpResponse> down =
          pool.send("127.0.0.1", port, ClientRequest.get("/hello")).toCompletableFuture();
      Throwable cause = failure(down);
      assertTrue(cause instanceof java.io.IOException, cause.toString());
      try (HttpServer second = server(port)) {
        HttpResponse ok = null;
        for (int attempt = 0; attempt < 400 && ok == null; attempt++) {
          try {
            ok = get(pool, port, "/hello");
          } catch (CompletionException e) {
            Thread.sleep(25);
          }
        }
        assertTrue(ok != null && ok.status() == 200, "never reconnected");
        assertTrue(pool.isReachable("127.0.0.1", port));
        assertTrue(pool.connectionsOpened() >= 2);
        // Many requests failed while it was down; exactly one WARN-worthy and one INFO-worthy
        // transition happened.
        assertEquals(List.of("down 127.0.0.1:" + port, "up 127.0.0.1:" + port), events);
      }
    }
  }
}
