package io.synod.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The harness's HTTP client: every call has a deadline, and its result is classified the way a
 * history needs it. A 2xx is {@link Outcome#OK}; a 4xx is a definite {@link Outcome#FAIL} (the
 * request was refused and changed nothing); anything else (5xx, a timeout, a reset connection) is
 * {@link Outcome#UNKNOWN}: the request may or may not have taken effect.
 */
final class ChaosHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final ChaosHttp SHARED = new ChaosHttp();

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofMillis(1000))
      .build();

  static ChaosHttp shared() {
    return SHARED;
  }

  /** What a call did, as far as the client can know. */
  enum Outcome {
    OK,
    FAIL,
    UNKNOWN
  }

  /** A classified reply; {@code json} is a missing node when the body was not JSON. */
  record Reply(Outcome outcome, int status, JsonNode json) {
    boolean ok() {
      return outcome == Outcome.OK;
    }
  }

  Reply get(URI uri, Duration timeout) {
    return send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build());
  }

  Reply post(URI uri, Object body, Duration timeout) {
    return post(uri, body, timeout, java.util.Map.of());
  }

  /** A POST with extra request headers (a session token). */
  Reply post(URI uri, Object body, Duration timeout, java.util.Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Content-Type", "application/json");
    headers.forEach(b::header);
    return send(b.POST(HttpRequest.BodyPublishers.ofString(json(body))).build());
  }

  Reply put(URI uri, Object body, Duration timeout) {
    return send(HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json(body))).build());
  }

  private static String json(Object body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private Reply send(HttpRequest req) {
    try {
      HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
      JsonNode json;
      try {
        json = JSON.readTree(r.body());
      } catch (IOException notJson) {
        json = MissingNode.getInstance();
      }
      if (json == null) {
        json = MissingNode.getInstance();
      }
      int s = r.statusCode();
      Outcome o = s >= 200 && s < 300 ? Outcome.OK
          : s >= 400 && s < 500 ? Outcome.FAIL : Outcome.UNKNOWN;
      return new Reply(o, s, json);
    } catch (IOException e) {
      return new Reply(Outcome.UNKNOWN, 0, MissingNode.getInstance());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Reply(Outcome.UNKNOWN, 0, MissingNode.getInstance());
    }
  }
}
