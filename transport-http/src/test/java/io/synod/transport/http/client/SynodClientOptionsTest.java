package io.synod.transport.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.synod.transport.http.HttpResponse;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Options, request values and the executor's classification of answers, without sockets. */
class SynodClientOptionsTest {

  @Test
  void defaultsAreTheDocumentedConstants() {
    SynodClientOptions o = SynodClientOptions.create();
    assertEquals(List.of(SynodClientOptions.DEFAULT_ENDPOINT), o.endpoints());
    assertEquals(SynodClientOptions.DEFAULT_REQUEST_TIMEOUT, o.requestTimeout());
    assertEquals(SynodClientOptions.DEFAULT_CONNECT_TIMEOUT, o.connectTimeout());
    assertEquals(SynodClientOptions.DEFAULT_MAX_ATTEMPTS, o.maxAttempts());
    assertEquals(SynodClientOptions.DEFAULT_RETRY_BACKOFF, o.retryBackoff());
    assertEquals(SynodClientOptions.DEFAULT_RETRY_BACKOFF_MAX, o.retryBackoffMax());
    assertEquals(SynodClientOptions.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT,
        o.maxConnectionsPerEndpoint());
  }

  @Test
  void mutateCopiesAndLeavesTheOriginalUnchanged() {
    SynodClientOptions a = SynodClientOptions.builder()
        .endpoints(URI.create("http://a:1"), URI.create("http://b:2/ignored/path"))
        .maxAttempts(3).requestTimeout(Duration.ofSeconds(1)).build();
    SynodClientOptions b = a.mutate().endpoint(URI.create("http://c:3")).maxAttempts(9).build();
    assertEquals(List.of(URI.create("http://a:1"), URI.create("http://b:2")), a.endpoints(),
        "an endpoint is its scheme and authority");
    assertEquals(3, a.maxAttempts());
    assertEquals(3, b.endpoints().size());
    assertEquals(9, b.maxAttempts());
    assertEquals(Duration.ofSeconds(1), b.requestTimeout());
  }

  @Test
  void badOptionsAreRefusedWithAClearMessage() {
    SynodClientOptions.Builder b = SynodClientOptions.builder();
    // https:// is an endpoint since the client speaks TLS (issue 17); ftp:// is not
    assertEquals("an endpoint must look like http://host:port or https://host:port: ftp://x:1",
        assertThrows(IllegalArgumentException.class,
            () -> b.endpoint(URI.create("ftp://x:1"))).getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.endpoints(List.of()));
    assertThrows(IllegalArgumentException.class, () -> b.maxAttempts(0));
    assertThrows(IllegalArgumentException.class, () -> b.requestTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> b.retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    // nothing above changed the builder
    assertEquals(SynodClientOptions.create().toString(), b.build().toString());
  }

  @Test
  void lockRequestsValidateAndCopy() {
    LockRequest r = LockRequest.of("r", "o");
    assertEquals(LockMode.EXCLUSIVE, r.mode());
    assertEquals(Duration.ZERO, r.waitTime());
    assertNull(r.sessionId());
    LockSession session = new LockSession("s1", Duration.ofSeconds(9), "secret");
    LockRequest s = r.withMode(LockMode.SHARED).withSession(session)
        .withTtl(Duration.ofSeconds(3)).withWait(Duration.ofSeconds(1));
    assertEquals(new LockRequest("r", "o", LockMode.SHARED, session, Duration.ofSeconds(3),
        Duration.ofSeconds(1)), s);
    assertEquals("s1", s.sessionId());
    assertThrows(IllegalArgumentException.class, () -> LockRequest.of("", "o"));
    assertThrows(IllegalArgumentException.class,
        () -> r.withSession(new LockSession("", Duration.ofSeconds(1), "t")));
    // the token is a secret: a logged request or session does not show it
    assertFalse(s.toString().contains("secret"), s.toString());
    assertFalse(new LockGrant("r", "o", LockMode.SHARED, 1, 0, "n1", session).toString()
        .contains("secret"));
    assertThrows(IllegalArgumentException.class, () -> r.withTtl(Duration.ofSeconds(-1)));
  }

  @Test
  void refusalsAreTheAnswersThatSayNothingWasDone() {
    assertEquals(true, RequestExecutor.isRefusal(HttpResponse.error(503, "not_owner", "")));
    assertEquals(true, RequestExecutor.isRefusal(HttpResponse.error(503, "no_queue_node", "")));
    assertEquals(true, RequestExecutor.isRefusal(HttpResponse.error(421, "anything", "")));
    assertEquals(false,
        RequestExecutor.isRefusal(HttpResponse.error(503, "node_unavailable", "")),
        "the forwarder may have lost the owner's answer");
    assertEquals(false, RequestExecutor.isRefusal(HttpResponse.error(500, "not_owner", "")));
    assertEquals(false, RequestExecutor.isRefusal(HttpResponse.text(503, "busy")));
  }

  @Test
  void hintsAreUrlsResolvedAgainstTheAnsweringNode() {
    URI from = URI.create("http://10.0.0.1:8001");
    assertEquals(URI.create("http://10.0.0.2:8002"), RequestExecutor.hint(from,
        HttpResponse.of(307, null, null).withHeader("Location", "http://10.0.0.2:8002/v1/x")));
    assertEquals(from, RequestExecutor.hint(from,
        HttpResponse.of(307, null, null).withHeader("Location", "/v1/elsewhere")));
    assertEquals(URI.create("http://n3:8003"), RequestExecutor.hint(from,
        HttpResponse.json(503, java.util.Map.of("error", "not_owner", "leader_url",
            "http://n3:8003"))));
    assertNull(RequestExecutor.hint(from, HttpResponse.error(503, "not_owner", "ask node2")));
    assertNull(RequestExecutor.hint(from,
        HttpResponse.of(307, null, null).withHeader("Location", "ftp://x/y")));
  }
}
