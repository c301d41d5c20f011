package io.synod.server.security;

import io.synod.transport.http.TestCertificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.transport.http.client.LockMode;
import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.client.LockGrant;
import io.synod.transport.http.client.SynodClient;
import io.synod.transport.http.client.SynodClientOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, TLS between clients and nodes and mutual TLS between peers instead of the cluster
 * secret: three nodes with a certificate from the test's CA, {@code TLS_CLIENT_AUTH=require}
 * and no {@code CLUSTER_SECRET}. The cluster elects a leader and serves locks and the cache to a
 * client presenting a certificate; a client without one, or speaking plain HTTP, gets nothing.
 */
class TlsClusterIT {
  private static TestCertificates.Issued node;
  private static TestCertificates.Issued client;
  private static final List<SynodNode> nodes = new ArrayList<>();
  private static final List<URI> urls = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestCertificates.shared().node();
    client = TestCertificates.shared().client();
    StringBuilder peers = new StringBuilder();
    List<Integer> ports = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      int port = TestHttp.freePort();
      ports.add(port);
      urls.add(URI.create("https://127.0.0.1:" + port));
      peers.append(i > 1 ? "," : "").append("node").append(i).append("=https://127.0.0.1:")
          .append(port);
    }
    for (int i = 1; i <= 3; i++) {
      NodeConfig c = NodeConfig.of(Map.of(
          "NODE_ID", "node" + i, "PEERS", peers.toString(),
          "HTTP_PORT", Integer.toString(ports.get(i - 1)), "HTTP_HOST", "127.0.0.1",
          "HEARTBEAT_INTERVAL_MILLIS", "100", "FAILURE_TIMEOUT_MILLIS", "3000",
          "TLS_CERT", node.certChain().toString(), "TLS_KEY", node.key().toString(),
          "TLS_CA", node.ca().toString(), "TLS_CLIENT_AUTH", "require"));
      assertTrue(c.peersMutualTls());
      assertTrue(!c.peersUnauthenticated(), "mutual TLS authenticates the peers");
      nodes.add(new SynodNode(c).start());
    }
    for (SynodNode n : nodes) {
      // a bound, not a timing claim: the first TLS handshakes of a cold JVM on a loaded machine
      // took tens of seconds
      assertTrue(n.awaitLockLeader(Duration.ofSeconds(120)), "a leader over mutual TLS");
    }
  }

  @AfterAll
  static void stop() {
    nodes.forEach(SynodNode::close);
    nodes.clear();
    urls.clear();
  }

  private static SynodClient client(boolean withCertificate) {
    SynodClientOptions.Builder b = SynodClientOptions.builder().endpoints(urls)
        .trustedCertificates(node.ca()).requestTimeout(Duration.ofSeconds(10));
    if (withCertificate) {
      b.clientCertificate(client.certChain(), client.key());
    } else {
      b.maxAttempts(1).requestTimeout(Duration.ofSeconds(3));
    }
    return SynodClient.create(b.build());
  }

  @Test
  void aClientWithACertificateUsesLocksAndTheCache() {
    try (SynodClient c = client(true)) {
      LockGrant g = c.locks().acquire("tls-r", "tls-owner", LockMode.EXCLUSIVE, Duration.ZERO)
          .toCompletableFuture().join();
      assertTrue(g.fencingToken() > 0);
      c.locks().release(g).toCompletableFuture().join();
      c.cache().write("tls-k", "tls-v").toCompletableFuture().join();
      assertEquals("tls-v", c.cache().read("tls-k").toCompletableFuture().join().value().asText());
    }
  }

  @Test
  void aClientWithoutACertificateGetsNothing() {
    try (SynodClient c = client(false)) {
      assertThrows(CompletionException.class,
          () -> c.cache().read("tls-k").toCompletableFuture().join());
    }
  }

  @Test
  void plainHttpGetsNoAnswer() {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + urls.get(0).getPort()
        + "/internal/heartbeat")).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{\"node_id\":\"evil\"}")).build();
    assertThrows(java.io.IOException.class,
        () -> plain.send(r, HttpResponse.BodyHandlers.ofString()));
  }
}
