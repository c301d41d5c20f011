package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server on real loopback sockets, spoken to byte by byte. */
class HttpServerIT {
  private static EventLoops loops;
  private static HttpServer server;
  private static final CompletableFuture<HttpResponse> gate = new CompletableFuture<>();

  @BeforeAll
  static void start() {
    loops = EventLoops.create("server-it", 2);
    Router router = new Router()
        .get("/hello", req -> CompletableFuture.completedFuture(HttpResponse.text(200, "hello")))
        .post("/echo", req -> {
          JsonNode body = req.json();
          return CompletableFuture.completedFuture(HttpResponse.ok(body));
        })
        .get("/boom", req -> {
          throw new IllegalStateException("kaput");
        })
        .get("/async-boom", req -> CompletableFuture.failedFuture(
            new HttpError(409, "conflict", "held by someone else")))
        .get("/slow", req -> gate)
        .get("/delay/{ms}", req -> {
          CompletableFuture<HttpResponse> f = new CompletableFuture<>();
          long ms = Long.parseLong(req.pathParam("ms"));
          CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS)
              .execute(() -> f.complete(HttpResponse.text(200, "after " + ms)));
          return f;
        })
        .get("/query", req -> CompletableFuture.completedFuture(
            HttpResponse.text(200, req.queryParam("a") + "," + req.queryParams().get("b"))));
    server = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops).build().start();
  }

  @AfterAll
  static void stop() {
    server.close();
    loops.close();
  }

  private static String error(RawHttp.Response r) {
    return Json.parse(r.body().getBytes()).get("error").asText();
  }

  @Test
  void answersAndReusesOneConnectionForManyRequests() throws Exception {
    assertTrue(server.port() > 0);
    try (RawHttp c = new RawHttp(server.port())) {
      for (int i = 0; i < 5; i++) {
        c.send("GET", "/hello", null);
        RawHttp.Response r = c.read();
        assertEquals(200, r.status());
        assertEquals("hello", r.body());
        assertFalse("close".equalsIgnoreCase(r.headers().get("connection")));
      }
    }
  }

  @Test
  void pipelinedResponsesLeaveInRequestOrder() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      // The first request completes last; the wire order must still be request order.
      c.send("GET", "/delay/300", null);
      c.send("GET", "/delay/1", null);
      c.send("GET", "/hello", null);
      assertEquals("after 300", c.read().body());
      assertEquals("after 1", c.read().body());
      assertEquals("hello", c.read().body());
    }
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.send("POST", "/echo", "\"" + "x".repeat(2 << 20) + "\"");
      RawHttp.Response r = c.read();
      assertEquals(413, r.status());
      assertEquals("payload_too_large", error(r));
      // The rest of the body was discarded: the same connection serves the next request.
      c.send("GET", "/hello", null);
      assertEquals("hello", c.read().body());
    }
    try (RawHttp c = new RawHttp(server.port())) {
      // Pipelined behind a slow request, the 413 still comes second.
      c.send("GET", "/delay/200", null);
      c.send("POST", "/echo", "\"" + "x".repeat(2 << 20) + "\"");
      assertEquals("after 200", c.read().body());
      assertEquals(413, c.read().status());
    }
    // The server is still fine.
    try (RawHttp c = new RawHttp(server.port())) {
      c.send("POST", "/echo", "{\"a\":1}");
      assertEquals("{\"a\":1}", c.read().body());
    }
  }

  @Test
  void aClientExpecting100ContinueIsRefusedWithTheJsonError() throws Exception {
    // curl sends "Expect: 100-continue" for bodies over 1 MiB: the refusal comes before the body
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + (2 << 20) + "\r\n"
          + "Expect: 100-continue\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      java.io.InputStream in = s.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        assertTrue(b >= 0, "connection closed before the answer: " + head);
        head.append((char) b);
      }
      assertTrue(head.toString().startsWith("HTTP/1.1 413"), head.toString());
      java.util.regex.Matcher m = java.util.regex.Pattern
          .compile("(?i)content-length: (\\d+)").matcher(head);
      assertTrue(m.find(), head.toString());
      byte[] body = in.readNBytes(Integer.parseInt(m.group(1)));
      String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(text.contains("\"payload_too_large\"") && text.contains("\"detail\""), text);
    }
  }

  @Test
  void malformedJsonIs400() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.send("POST", "/echo", "{\"a\":");
      RawHttp.Response r = c.read();
      assertEquals(400, r.status());
      assertEquals("malformed_json", error(r));
      assertEquals("application/json", r.headers().get("content-type"));
      // The connection stays usable after a client error.
      c.send("POST", "/echo", "[1,2]");
      assertEquals("[1,2]", c.read().body());
    }
  }

  @Test
  void unknownRouteIs404AndWrongMethodIs405() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.send("GET", "/nowhere", null);
      RawHttp.Response r = c.read();
      assertEquals(404, r.status());
      assertEquals("not_found", error(r));
      c.send("DELETE", "/hello", null);
      r = c.read();
      assertEquals(405, r.status());
      assertEquals("GET", r.headers().get("allow"));
    }
  }

  @Test
  void handlerExceptionsAre500AndHttpErrorsKeepTheirStatus() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.send("GET", "/boom", null);
      RawHttp.Response r = c.read();
      assertEquals(500, r.status());
      assertEquals("internal_error", error(r));
      c.send("GET", "/async-boom", null);
      r = c.read();
      assertEquals(409, r.status());
      assertEquals("held by someone else",
          Json.parse(r.body().getBytes()).get("detail").asText());
    }
  }

  @Test
  void queryParametersAreDecoded() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.send("GET", "/query?a=x%20y&b=1&b=2", null);
      assertEquals("x y,[1, 2]", c.read().body());
    }
  }

  @Test
  void garbageRequestLineIs400AndClosed() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.sendRaw("HELLO\r\n\r\n");
      RawHttp.Response r = c.read();
      assertEquals(400, r.status());
      assertTrue(c.closedByPeer());
    }
  }

  @Test
  void connectionCloseIsHonoured() throws Exception {
    try (RawHttp c = new RawHttp(server.port())) {
      c.sendRaw("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      RawHttp.Response r = c.read();
      assertEquals("close", r.headers().get("connection"));
      assertTrue(c.closedByPeer());
    }
  }

  @Test
  void gracefulCloseFinishesInFlightRequestsAndStopsAccepting() throws Exception {
    CompletableFuture<HttpResponse> release = new CompletableFuture<>();
    Router router = new Router().get("/wait", req -> release);
    HttpServer s = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops).build()
        .start();
    int port = s.port();
    try (RawHttp c = new RawHttp(port)) {
      c.send("GET", "/wait", null);
      // Wait until the server holds the request, without timing assumptions.
      while (s.inFlightRequests() == 0) {
        Thread.onSpinWait();
        Thread.yield();
      }
      CompletionStage<Void> closed = s.closeAsync(Duration.ofSeconds(30));
      assertFalse(closed.toCompletableFuture().isDone());
      assertThrows(java.io.IOException.class, () -> {
        try (RawHttp again = new RawHttp(port)) {
          again.send("GET", "/wait", null);
          again.read();
        }
      });
      release.complete(HttpResponse.text(200, "done"));
      RawHttp.Response r = c.read();
      assertEquals("done", r.body());
      assertEquals("close", r.headers().get("connection"));
      closed.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
