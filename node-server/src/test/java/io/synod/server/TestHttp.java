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

/** A tiny blocking HTTP helper for tests (JDK client, bounded timeouts). */
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
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
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
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
