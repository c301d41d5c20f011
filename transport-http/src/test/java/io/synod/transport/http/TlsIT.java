package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, TLS on loopback with certificates the test makes: HTTPS with a server certificate,
 * and mutual TLS where the server requires a client certificate from the same CA.
 */
class TlsIT {
  @TempDir static Path dir;
  private static TestCertificates ca;
  private static TestCertificates.Issued server;
  private static TestCertificates.Issued client;
  private static TestCertificates.Issued stranger;
  private static EventLoops loops;
  private static HttpServer tls;
  private static HttpServer mutual;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCertificates.ca(dir.resolve("ca"), "synod-test-ca");
    server = ca.issue("server");
    client = ca.issue("client");
    TestCertificates otherCa = TestCertificates.ca(dir.resolve("other"), "another-ca");
    stranger = otherCa.issue("stranger");
    loops = EventLoops.create("tls-it", 1);
    Router router = new Router().get("/hello",
        req -> CompletableFuture.completedFuture(HttpResponse.text(200, "hello over tls")))
        .get("/v1/cache/{address}", req -> CompletableFuture.completedFuture(HttpResponse.ok(
            java.util.Map.of("address", req.pathParam("address"), "hit", true,
                "value", "secret value"))));
    tls = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops)
        .sslContext(Tls.server(server.certChain(), server.key(), null,
            Tls.ClientCertificates.NONE))
        .build().start();
    mutual = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops)
        .sslContext(Tls.server(server.certChain(), server.key(), ca.caPem(),
            Tls.ClientCertificates.REQUIRE))
        .build().start();
  }

  @AfterAll
  static void stop() {
    if (tls != null) {
      tls.close();
      mutual.close();
    }
    if (loops != null) {
      loops.close();
    }
  }

  private static HttpResponse get(HttpClientOptions options, String scheme, int port)
      throws Exception {
    try (HttpClientPool pool = HttpClientPool.create(loops, options.mutate()
        .requestTimeout(Duration.ofSeconds(10)).build())) {
      return pool.send(URI.create(scheme + "://127.0.0.1:" + port), ClientRequest.get("/hello"))
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClientTrustingTheCaSpeaksHttps() throws Exception {
    HttpResponse r = get(HttpClientOptions.builder()
        .sslContext(Tls.client(ca.caPem(), null, null)).build(), "https", tls.port());
    assertEquals(200, r.status());
    assertEquals("hello over tls", r.bodyAsString());
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateIsRefused() {
    HttpClientOptions o = HttpClientOptions.builder()
        .sslContext(Tls.client(stranger.ca(), null, null)).build();
    assertThrows(ExecutionException.class, () -> get(o, "https", tls.port()));
  }

  @Test
  void plainHttpToATlsPortGetsNoAnswer() {
    assertThrows(ExecutionException.class,
        () -> get(HttpClientOptions.create(), "http", tls.port()));
  }

  @Test
  void aPlainPoolRefusesHttpsUrlsAndATlsPoolHttpUrls() {
    assertThrows(ExecutionException.class,
        () -> get(HttpClientOptions.create(), "https", tls.port()));
    assertThrows(ExecutionException.class, () -> get(HttpClientOptions.builder()
        .sslContext(Tls.client(ca.caPem(), null, null)).build(), "http", tls.port()));
  }

  @Test
  void mutualTlsNeedsAClientCertificateFromTheCa() throws Exception {
    HttpResponse ok = get(HttpClientOptions.builder()
        .sslContext(Tls.client(ca.caPem(), client.certChain(), client.key())).build(),
        "https", mutual.port());
    assertEquals(200, ok.status());
    assertThrows(ExecutionException.class, () -> get(HttpClientOptions.builder()
        .sslContext(Tls.client(ca.caPem(), null, null)).build(), "https", mutual.port()));
    assertThrows(ExecutionException.class, () -> get(HttpClientOptions.builder()
        .sslContext(Tls.client(ca.caPem(), stranger.certChain(), stranger.key())).build(),
        "https", mutual.port()));
  }

  @Test
  void theJavaClientSpeaksTls() {
    try (io.synod.transport.http.client.SynodClient c =
        io.synod.transport.http.client.SynodClient.create(
            io.synod.transport.http.client.SynodClientOptions.builder()
                .endpoint(URI.create("https://127.0.0.1:" + mutual.port()))
                .trustedCertificates(ca.caPem())
                .clientCertificate(client.certChain(), client.key())
                .maxAttempts(1)
                .build())) {
      assertEquals("secret value",
          c.cache().read("k").toCompletableFuture().join().value().asText());
    }
  }
}
