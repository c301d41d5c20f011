package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** HMAC peer authentication: signature, staleness and replay, on a clock the test moves. */
class ClusterAuthTest {
  private static final String SECRET = "a-cluster-secret-of-enough-length";
  private final MovableClock clock = new MovableClock(1_700_000_000_000L);
  private final ClusterAuth auth = ClusterAuth.create(SECRET, Duration.ofSeconds(30), clock);

  private static HttpRequestView request(
      String method, String target, Map<String, String> headers, byte[] body) {
    int q = target.indexOf('?');
    return new HttpRequestView(method, target, q < 0 ? target : target.substring(0, q), Map.of(),
        Map.of(), headers, body, null);
  }

  private static String errorOf(HttpResponse r) {
    return Json.parse(r.body()).get("error").asText();
  }

  @Test
  void aCorrectlySignedRequestVerifiesOnce() {
    byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    Map<String, String> h = auth.sender().sign("POST", "/internal/cache", body);
    assertNull(auth.verify(request("POST", "/internal/cache", h, body)));
    HttpResponse again = auth.verify(request("POST", "/internal/cache", h, body));
    assertEquals(401, again.status());
    assertEquals("replayed_request", errorOf(again));
    assertEquals(1, auth.verifiedCount());
    assertEquals(1, auth.refusedCount());
  }

  @Test
  void unsignedRequestsAreRefused() {
    HttpResponse r = auth.verify(request("POST", "/internal/raft", Map.of(), new byte[3]));
    assertEquals(401, r.status());
    assertEquals("unsigned", errorOf(r));
  }

  @Test
  void aWrongSecretIsRefused() {
    ClusterAuth other = ClusterAuth.create("another-secret-also-long-enough", Duration.ofSeconds(30),
        clock);
    byte[] body = new byte[] {1, 2, 3};
    Map<String, String> h = other.sender().sign("POST", "/internal/raft", body);
    HttpResponse r = auth.verify(request("POST", "/internal/raft", h, body));
    assertEquals(401, r.status());
    assertEquals("bad_signature", errorOf(r));
  }

  @Test
  void anyChangeToMethodTargetOrBodyBreaksTheSignature() {
    byte[] body = "{\"k\":\"v\"}".getBytes(StandardCharsets.UTF_8);
    ClusterAuth.Sender s = auth.sender();
    Map<String, String> h = s.sign("POST", "/internal/queue/publish", body);
    byte[] changed = "{\"k\":\"w\"}".getBytes(StandardCharsets.UTF_8);
    assertEquals("bad_signature",
        errorOf(auth.verify(request("POST", "/internal/queue/publish", h, changed))));
    assertEquals("bad_signature",
        errorOf(auth.verify(request("POST", "/internal/queue/ack", h, body))));
    assertEquals("bad_signature",
        errorOf(auth.verify(request("PUT", "/internal/queue/publish", h, body))));
    Map<String, String> later = new LinkedHashMap<>(h);
    later.put(ClusterAuth.TIMESTAMP_HEADER, Long.toString(clock.millis() + 1));
    assertEquals("bad_signature",
        errorOf(auth.verify(request("POST", "/internal/queue/publish", later, body))));
    // the original still verifies: the refusals consumed nothing
    assertNull(auth.verify(request("POST", "/internal/queue/publish", h, body)));
  }

  @Test
  void aReplayOutsideTheWindowIsStale() {
    byte[] body = new byte[] {9};
    Map<String, String> h = auth.sender().sign("POST", "/internal/heartbeat", body);
    clock.advance(Duration.ofSeconds(31));
    HttpResponse r = auth.verify(request("POST", "/internal/heartbeat", h, body));
    assertEquals(401, r.status());
    assertEquals("stale_request", errorOf(r));
  }

  @Test
  void aTimestampFromTheFarFutureIsStaleToo() {
    MovableClock ahead = new MovableClock(clock.millis() + 31_000);
    ClusterAuth sender = ClusterAuth.create(SECRET, Duration.ofSeconds(30), ahead);
    Map<String, String> h = sender.sender().sign("POST", "/internal/raft", new byte[0]);
    assertEquals("stale_request",
        errorOf(auth.verify(request("POST", "/internal/raft", h, new byte[0]))));
  }

  @Test
  void requestsOfOneStreamMayArriveOutOfOrderButNeverTwice() {
    ClusterAuth.Sender s = auth.sender();
    byte[] body = new byte[0];
    List<Map<String, String>> signed = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      signed.add(s.sign("POST", "/internal/raft", body));
    }
    for (int i : new int[] {3, 0, 9, 1, 2, 8, 4, 5, 7, 6}) {
      assertNull(auth.verify(request("POST", "/internal/raft", signed.get(i), body)), "#" + i);
    }
    for (int i = 0; i < 10; i++) {
      assertEquals("replayed_request",
          errorOf(auth.verify(request("POST", "/internal/raft", signed.get(i), body))));
    }
  }

  @Test
  void aRequestTooFarBehindItsStreamIsRefused() {
    ClusterAuth.Sender s = auth.sender();
    Map<String, String> first = s.sign("POST", "/internal/raft", new byte[0]);
    Map<String, String> last = null;
    for (int i = 0; i < ClusterAuth.REPLAY_BITMAP_BITS; i++) {
      last = s.sign("POST", "/internal/raft", new byte[0]);
    }
    assertNull(auth.verify(request("POST", "/internal/raft", last, new byte[0])));
    assertEquals("replayed_request",
        errorOf(auth.verify(request("POST", "/internal/raft", first, new byte[0]))));
  }

  @Test
  void theFilterGuardsOnlyInternalRoutes() {
    RequestFilter f = auth.internalRoutesFilter();
    assertNull(f.check(request("POST", "/lock/acquire", Map.of(), new byte[0])));
    assertEquals(401, f.check(request("POST", "/internal/cache", Map.of(), new byte[0])).status());
  }

  @Test
  void malformedHeadersAreRefusedNotThrown() {
    Map<String, String> h = Map.of(ClusterAuth.TIMESTAMP_HEADER, "soon",
        ClusterAuth.NONCE_HEADER, "zz", ClusterAuth.SIGNATURE_HEADER, "!!");
    assertEquals("bad_signature",
        errorOf(auth.verify(request("POST", "/internal/raft", h, new byte[0]))));
  }

  @Test
  void shortSecretsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> ClusterAuth.create("short"));
    assertEquals(43, ClusterAuth.generateSecret().length());
  }

  /** A clock the test moves by hand. */
  static final class MovableClock extends Clock {
    private long millis;

    MovableClock(long millis) {
      this.millis = millis;
    }

    void advance(Duration d) {
      millis += d.toMillis();
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
