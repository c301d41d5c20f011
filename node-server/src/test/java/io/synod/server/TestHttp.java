package io.synod.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A tiny blocking HTTP helper for tests (JDK client, bounded timeouts). Every exchange is checked
 * against the HTTP contract ({@link io.synod.server.contract.ApiContract}).
 */
public final class TestHttp {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** A response: status, the serving node, the body parsed as JSON (or null), the raw body. */
  public record Reply(int status, String node, JsonNode json, String body) {
    /** @return the body's {@code status} field */
    public String statusField() {
      return json == null ? null : json.path("status").asText(null);
    }
  }

  private TestHttp() {}

  /** Sends a request. */
  public static Reply call(String method, String url, String body) {
    return call(method, url, body, java.util.Map.of());
  }

  /** Sends a request with extra headers. */
  public static Reply call(String method, String url, String body,
      java.util.Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    headers.forEach(b::header);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = null;
      try {
        json = r.body().isEmpty() ? null : MAPPER.readTree(r.body());
      } catch (IOException notJson) {
        json = null;
      }
      // every exchange a test makes is checked against the HTTP contract (docs/api.yaml): an
      // undocumented status, field, type or missing header fails the test that saw it
      java.util.Set<String> names = new java.util.HashSet<>();
      r.headers().map().keySet().forEach(h -> names.add(h.toLowerCase(java.util.Locale.ROOT)));
      io.synod.server.contract.ApiContract.get().check(method, URI.create(url), body,
          r.statusCode(), r.headers().firstValue("content-type").orElse(null), names, r.body());
      return new Reply(
          r.statusCode(), r.headers().firstValue("x-synod-node").orElse(null), json, r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** POSTs JSON. */
  public static Reply post(String url, String json) {
    return call("POST", url, json);
  }

  /** GETs. */
  public static Reply get(String url) {
    return call("GET", url, null);
  }

  /** Returns a port that was free a moment ago. */
  public static int freePort() {
    // Below Linux's ephemeral range (32768-60999): a port the OS handed out with bind(0) and that
    // was released again can be taken by any outgoing connection before the test binds it (the
    // nodes open many), which made cluster tests fail with "Address already in use". Ports here
    // are only ever bound on purpose. The start is spread by process id so that parallel test
    // JVMs do not walk the same sequence.
    for (int i = 0; i < PORT_SPAN; i++) {
      int port = PORT_FLOOR + Math.floorMod(NEXT_PORT.getAndIncrement(), PORT_SPAN);
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // in use: try the next one
      }
    }
    throw new IllegalStateException("no free port in " + PORT_FLOOR + ".." + (PORT_FLOOR + PORT_SPAN));
  }

  private static final int PORT_FLOOR = 20_000;
  private static final int PORT_SPAN = 12_000;
  private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT =
      new java.util.concurrent.atomic.AtomicInteger(
          (int) (ProcessHandle.current().pid() * 97 % PORT_SPAN));
}
