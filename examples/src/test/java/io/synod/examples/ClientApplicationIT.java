package io.synod.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.server.SynodNode;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link ClientApplication} against three node-server nodes started in this JVM on free
 * loopback ports (as node-server's {@code InProcessClusterIT} does), with a dead endpoint first in
 * the client's list.
 */
class ClientApplicationIT {
  private final List<SynodNode> nodes = new ArrayList<>();
  private final List<URI> urls = new ArrayList<>();

  @BeforeEach
  void startCluster() throws Exception {
    StringBuilder peers = new StringBuilder();
    List<Integer> ports = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      int port = freePort();
      ports.add(port);
      urls.add(URI.create("http://127.0.0.1:" + port));
      peers.append(i > 1 ? "," : "").append("node").append(i).append("=http://127.0.0.1:")
          .append(port);
    }
    for (int i = 1; i <= 3; i++) {
      nodes.add(new SynodNode(NodeConfig.of(Map.of(
          "NODE_ID", "node" + i, "PEERS", peers.toString(),
          "HTTP_PORT", String.valueOf(ports.get(i - 1)), "HTTP_HOST", "127.0.0.1",
          // no failover is tested here: a generous failure timeout keeps the leader steady on
          // a loaded machine, where heartbeats can be late by seconds
          "HEARTBEAT_INTERVAL_MILLIS", "100", "FAILURE_TIMEOUT_MILLIS", "15000"))).start());
    }
    awaitOneLeaderSeenByAll(Duration.ofSeconds(20));
  }

  @AfterEach
  void stopCluster() {
    nodes.forEach(SynodNode::close);
  }

  @Test
  void theClientApplicationRunsAgainstAThreeNodeCluster() throws Exception {
    List<URI> endpoints = new ArrayList<>();
    endpoints.add(URI.create("http://127.0.0.1:" + freePort())); // nothing listens there
    endpoints.addAll(urls);

    ClientApplication.Result r = ClientApplication.run(endpoints, "it");

    assertTrue(r.aliceToken() > 0, "a v1 grant carries a fencing token");
    assertTrue(r.bobRefusedWhileHeld(), "mutual exclusion across the client");
    assertTrue(r.bobToken() > r.aliceToken(), "fencing tokens increase per resource");
    assertTrue(r.sessionIdAloneRefused(),
        "the session id without its token neither releases the session's lock nor closes it");
    assertTrue(r.sessionLockFreedOnClose(), "closing a session frees its locks");
    assertEquals(3, r.published().size());
    assertEquals(r.published(), r.consumed(), "every published message, once, in order");
    assertEquals(0, r.leftAfterAck(), "acknowledged messages are not delivered again");
    assertEquals("hello", r.cacheValue());
  }

  private void awaitOneLeaderSeenByAll(Duration timeout) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<String> leaders = new ArrayList<>();
      for (URI u : urls) {
        try {
          HttpResponse<byte[]> resp = http.send(
              HttpRequest.newBuilder(u.resolve("/v1/cluster")).timeout(Duration.ofSeconds(2))
                  .build(), HttpResponse.BodyHandlers.ofByteArray());
          JsonNode leader = Json.parse(resp.body()).path("leader");
          leaders.add(leader.isTextual() ? leader.asText() : null);
        } catch (IOException e) {
          leaders.add(null);
        }
      }
      if (!leaders.contains(null) && leaders.stream().distinct().count() == 1) {
        return;
      }
      LockSupport.parkNanos(50_000_000L);
    }
    throw new AssertionError("no leader agreed by all nodes within " + timeout);
  }

  /**
   * A free port below Linux's ephemeral range, so no outgoing connection can take it between
   * this check and the node's bind (see node-server's TestHttp.freePort).
   */
  private static int freePort() {
    for (int i = 0; i < 2_000; i++) {
      int port = 30_000 + Math.floorMod(NEXT_PORT.getAndIncrement(), 2_000);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // in use: try the next one
      }
    }
    throw new UncheckedIOException(new IOException("no free port below 32768"));
  }

  private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT =
      new java.util.concurrent.atomic.AtomicInteger((int) (ProcessHandle.current().pid() % 2_000));
}
