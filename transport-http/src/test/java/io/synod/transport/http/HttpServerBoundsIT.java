package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, hostile input at the HTTP edge: every bound answers its status with the JSON error
 * shape and no handler runs (the routes count their calls).
 */
class HttpServerBoundsIT {
  private static EventLoops loops;
  private static HttpServer server;
  private static final AtomicInteger calls = new AtomicInteger();
  private static volatile CompletableFuture<HttpResponse> gate = new CompletableFuture<>();
  private static final java.util.concurrent.CountDownLatch held =
      new java.util.concurrent.CountDownLatch(1);

  @BeforeAll
  static void start() {
    loops = EventLoops.create("bounds-it", 1);
    Router router = new Router()
        .post("/echo", req -> {
          calls.incrementAndGet();
          return CompletableFuture.completedFuture(HttpResponse.text(200, "" + req.body().length));
        })
        .post("/internal/echo", req -> {
          calls.incrementAndGet();
          return CompletableFuture.completedFuture(HttpResponse.text(200, "" + req.body().length));
        })
        .get("/hold", req -> {
          calls.incrementAndGet();
          held.countDown();
          return gate;
        });
    server = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops)
        .maxBodyBytes(1024)
        .maxInternalBodyBytes(8192)
        .maxUrlBytes(256)
        .maxHeaderBytes(1024)
        .maxHeaderCount(10)
        .requestTimeout(Duration.ofMillis(300))
        .maxInFlightRequests(1)
        .build().start();
  }

  @AfterAll
  static void stop() {
    gate.complete(HttpResponse.noContent());
    server.close();
    loops.close();
  }

  @BeforeEach
  void reset() {
    calls.set(0);
  }

  private static String error(RawHttp.Response r) {
    assertTrue(r.headers().getOrDefault("content-type", "").startsWith("application/json"),
        r.toString());
    assertTrue(Json.parse(r.body().getBytes()).hasNonNull("detail"), r.body());
    return Json.parse(r.body().getBytes()).get("error").asText();
  }

  @Test
  void aLongUrlIs414() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.send("POST", "/echo?x=" + "a".repeat(300), "{}");
      RawHttp.Response r = c.read();
      assertEquals(414, r.status());
      assertEquals("uri_too_long", error(r));
    }
    assertEquals(0, calls.get());
  }

  @Test
  void largeHeadersAre431() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(2000)
          + "\r\nContent-Length: 0\r\n\r\n");
      RawHttp.Response r = c.read();
      assertEquals(431, r.status());
      assertEquals("headers_too_large", error(r));
    }
    assertEquals(0, calls.get());
  }

  @Test
  void tooManyHeadersAre431AndTheConnectionStaysUsable() throws Exception {
    StringBuilder h = new StringBuilder("POST /echo HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 20; i++) {
      h.append("X-H").append(i).append(": v\r\n");
    }
    h.append("Content-Length: 0\r\n\r\n");
    try (RawHttp c = new RawHttp(server.port())) {
      c.sendRaw(h.toString());
      RawHttp.Response r = c.read();
      assertEquals(431, r.status());
      assertEquals("too_many_headers", error(r));
      assertEquals(0, calls.get());
      c.send("POST", "/echo", "{}");
      assertEquals(200, c.read().status());
    }
  }

  @Test
  void internalRoutesHaveTheirOwnBodyLimit() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.send("POST", "/echo", "x".repeat(2000));
      RawHttp.Response r = c.read();
      assertEquals(413, r.status());
      assertEquals("payload_too_large", error(r));
      assertEquals(0, calls.get());
      c.send("POST", "/internal/echo", "x".repeat(2000));
      assertEquals("2000", c.read().body());
      c.send("POST", "/internal/echo", "x".repeat(9000));
      assertEquals(413, c.read().status());
    }
    assertEquals(1, calls.get());
  }

  @Test
  void aChunkedPublicBodyOverThePublicLimitIs413() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      String chunk = "y".repeat(1000);
      String hex = Integer.toHexString(chunk.length());
      c.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + hex + "\r\n" + chunk + "\r\n" + hex + "\r\n" + chunk + "\r\n0\r\n\r\n");
      RawHttp.Response r = c.read();
      assertEquals(413, r.status());
      assertEquals("payload_too_large", error(r));
    }
    assertEquals(0, calls.get());
  }

  @Test
  void aRequestSentTooSlowlyIs408AndTheConnectionCloses() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      // slowloris: a request line and half the headers, then nothing
      c.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n");
      RawHttp.Response r = c.read();
      assertEquals(408, r.status());
      assertEquals("request_timeout", error(r));
      assertTrue(c.closedByPeer());
    }
    assertEquals(0, calls.get());
  }

  @Test
  void requestsBeyondTheInFlightBoundAre429() throws Exception {
    gate = new CompletableFuture<>();
    try (RawHttp holder = new RawHttp(server.port()); RawHttp other = new RawHttp(server.port())) {
      holder.send("GET", "/hold", null);
      // the held request is in flight once its handler ran
      assertTrue(held.await(10, java.util.concurrent.TimeUnit.SECONDS), "the handler ran");
      other.send("POST", "/echo", "{}");
      RawHttp.Response r = other.read();
      assertEquals(429, r.status());
      assertEquals("overloaded", error(r));
      assertEquals("1", r.headers().get("retry-after"));
      gate.complete(HttpResponse.text(200, "held"));
      assertEquals("held", holder.read().body());
      other.send("POST", "/echo", "{}");
      assertEquals(200, other.read().status());
    }
    assertEquals(2, calls.get());
  }
}
