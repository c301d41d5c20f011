package io.synod.server.security;

import io.synod.transport.http.TestCertificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.ConfigException;
import io.synod.server.config.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One node serving HTTPS to clients without certificates; the load tool's TLS client. */
class TlsNodeIT {
  @TempDir Path dir;

  @Test
  void theLoadToolSpeaksTlsTrustingTheConfiguredCa() throws Exception {
    TestCertificates ca = TestCertificates.shared().ca();
    TestCertificates.Issued cert = TestCertificates.shared().node();
    int port = TestHttp.freePort();
    try (SynodNode node = new SynodNode(NodeConfig.of(Map.of(
        "NODE_ID", "solo", "HTTP_PORT", Integer.toString(port), "HTTP_HOST", "127.0.0.1",
        "PEERS", "solo=https://127.0.0.1:" + port,
        "TLS_CERT", cert.certChain().toString(), "TLS_KEY", cert.key().toString()))).start()) {
      // the load tool over TLS, trusting the CA it is given (synod bench --tls-ca)
      io.synod.server.bench.BenchResult r = new io.synod.server.bench.BenchRunner(
          new io.synod.server.bench.BenchOptions(
              java.util.List.of(URI.create("https://127.0.0.1:" + port)), 2, 100,
              Duration.ofSeconds(1), Duration.ofSeconds(5), 1, "tls", Duration.ZERO, null,
              ca.caPem()), null).run(io.synod.server.bench.Scenario.CACHE);
      assertTrue(r.total().requests() > 0, "requests were served");
      assertEquals(0, r.allFailures(), "no request failed");
      HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThrows(java.io.IOException.class, () -> untrusting.send(HttpRequest.newBuilder(
              URI.create("https://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
  }

  @Test
  void tlsSettingsAreChecked() throws Exception {
    TestCertificates.Issued cert = TestCertificates.shared().node();
    ConfigException plainPeers = assertThrows(ConfigException.class, () -> NodeConfig.of(Map.of(
        "NODE_ID", "a", "PEERS", "a=http://127.0.0.1:18201,b=http://127.0.0.1:18202",
        "HTTP_PORT", "18201", "TLS_CERT", cert.certChain().toString(),
        "TLS_KEY", cert.key().toString())));
    assertTrue(plainPeers.getMessage().contains("https"), plainPeers.getMessage());
    assertThrows(ConfigException.class, () -> NodeConfig.of(Map.of(
        "TLS_CERT", cert.certChain().toString())));
    assertThrows(ConfigException.class, () -> NodeConfig.of(Map.of(
        "TLS_CERT", cert.certChain().toString(), "TLS_KEY", cert.key().toString(),
        "TLS_CLIENT_AUTH", "require")));
    assertThrows(ConfigException.class, () -> NodeConfig.of(Map.of(
        "TLS_CERT", dir.resolve("missing.pem").toString(), "TLS_KEY", cert.key().toString())));
  }
}
