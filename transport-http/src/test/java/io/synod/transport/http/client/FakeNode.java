package io.synod.transport.http.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpRequestView;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.HttpServer;
import io.synod.transport.http.Json;
import io.synod.transport.http.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A scripted stand-in for a Synod node: transport-http's own {@link HttpServer} and {@link Router}
 * on a free loopback port, answering each route by a function of the call's number (1, 2, ...),
 * counting calls and keeping request bodies.
 */
final class FakeNode implements AutoCloseable {
  final String name;
  private final Router router = new Router();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
  /** Per call, {@code "METHOD pattern: token"} with the session token header, or "-" for none. */
  final List<String> sessionTokens = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<HttpResponse>> hung = new CopyOnWriteArrayList<>();
  private HttpServer server;

  FakeNode(String name) {
    this.name = name;
  }

  /** Answers {@code method pattern} with {@code answer(n, request)} for its n-th call. */
  FakeNode route(String method, String pattern,
      BiFunction<Integer, HttpRequestView, HttpResponse> answer) {
    String key = method + " " + pattern;
    hits.put(key, new AtomicInteger());
    router.add(method, pattern, req -> {
      int n = hits.get(key).incrementAndGet();
      if (req.body().length > 0) {
        bodies.add(req.json());
      }
      String token = req.header(LockCommands.SESSION_TOKEN_HEADER);
      sessionTokens.add(key + ": " + (token == null ? "-" : token));
      HttpResponse r = answer.apply(n, req);
      if (r == null) {
        // never answers (until close, so the server need not wait out its drain timeout)
        CompletableFuture<HttpResponse> never = new CompletableFuture<>();
        hung.add(never);
        return never;
      }
      // a scripted answer may name another node, as a forwarded answer does
      return CompletableFuture.completedFuture(
          r.header("X-Synod-Node") != null ? r : r.withHeader("X-Synod-Node", name));
    });
    return this;
  }

  /** Answers every call of the route the same way. */
  FakeNode always(String method, String pattern, HttpResponse answer) {
    return route(method, pattern, (n, req) -> answer);
  }

  FakeNode start(EventLoops loops) {
    server = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops).name(name)
        .build().start();
    return this;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  int hits(String method, String pattern) {
    AtomicInteger n = hits.get(method + " " + pattern);
    return n == null ? 0 : n.get();
  }

  int totalHits() {
    return hits.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  @Override
  public void close() {
    hung.forEach(f -> f.complete(HttpResponse.error(503, "closing", "fake node closing")));
    if (server != null) {
      server.close();
    }
  }

  static HttpResponse ok(Object body) {
    return HttpResponse.ok(body);
  }

  static HttpResponse error(int status, String code, String detail) {
    return HttpResponse.error(status, code, detail);
  }

  static JsonNode json(String text) {
    return Json.parse(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** A loopback URI where nothing listens. */
  static URI deadEndpoint() {
    try (ServerSocket s = new ServerSocket(0)) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
