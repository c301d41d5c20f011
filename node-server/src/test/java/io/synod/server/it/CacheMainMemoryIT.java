package io.synod.server.it;

import static io.synod.server.TestHttp.call;
import static io.synod.server.TestHttp.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.queue.ring.HashRing;
import io.synod.server.TestHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: on embedded storage the cache's main memory is replicated in Raft groups, so a value
 * acknowledged to a client outlives the home of its address. Three {@code synod node} processes
 * with {@code DATA_DIR}; the home is killed with SIGKILL. Before, main memory lived in the home's
 * process and the restarted home answered 404 {@code never_written}.
 */
class CacheMainMemoryIT {
  private static final String SECRET = io.synod.transport.http.ClusterAuth.generateSecret();
  private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
  private final Map<String, String> urls = new LinkedHashMap<>();

  @BeforeEach
  void start(@TempDir Path dataDir) throws Exception {
    StringBuilder peers = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      int port = TestHttp.freePort();
      urls.put("node" + i, "http://127.0.0.1:" + port);
      peers.append(i > 1 ? "," : "").append("node").append(i).append("=http://127.0.0.1:")
          .append(port);
    }
    Path logs = Files.createDirectories(Path.of("target", "cache-memory-logs"));
    for (String id : urls.keySet()) {
      Map<String, String> env = new LinkedHashMap<>();
      env.put("NODE_ID", id);
      env.put("PEERS", peers.toString());
      env.put("CLUSTER_SECRET", SECRET);
      env.put("HTTP_PORT", urls.get(id).substring(urls.get(id).lastIndexOf(':') + 1));
      env.put("HTTP_HOST", "127.0.0.1");
      env.put("DATA_DIR", dataDir.toString());
      env.put("CACHE_WRITE_POLICY", "write-through");
      env.put("HEARTBEAT_INTERVAL_MILLIS", "100");
      env.put("FAILURE_TIMEOUT_MILLIS", "1000");
      nodes.put(id, new NodeProcess(id, env, logs));
    }
    for (NodeProcess n : nodes.values()) {
      n.start();
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (NodeProcess n : nodes.values()) {
      n.close();
    }
  }

  /** An address whose home (the ring over the configured peers) is {@code home}. */
  private static String addressHomedAt(String home) {
    HashRing ring = HashRing.of(java.util.List.of("node1", "node2", "node3"));
    for (int i = 0; ; i++) {
      if (ring.ownerOf("acct-" + i).equals(home)) {
        return "acct-" + i;
      }
    }
  }

  private TestHttp.Reply write(String node, String address, String json) {
    return call("PUT", urls.get(node) + "/v1/cache/" + address, "{\"value\":" + json + "}");
  }

  @Test
  void aWriteThroughValueOutlivesItsKilledHome() throws Exception {
    String address = addressHomedAt("node3");
    AtomicReference<TestHttp.Reply> last = new AtomicReference<>();
    // the first write may meet groups still electing: retried until acknowledged
    Await.until(Duration.ofSeconds(60), "a write through node1 is acknowledged", () -> {
      last.set(write("node1", address, "{\"balance\":42}"));
      return last.get().status() == 200;
    });

    // SIGKILL of the home: its directory and, before, main memory with it
    nodes.get("node3").kill();
    nodes.get("node3").start();

    // served again once the home is back and rebuilt its directory entry; never "never written"
    Await.until(Duration.ofSeconds(60), "node2 reads " + address + " (last: " + last + ")", () -> {
      last.set(get(urls.get("node2") + "/v1/cache/" + address));
      return last.get().status() != 503;
    });
    assertEquals(200, last.get().status(), last.get().body());
    assertEquals(42, last.get().json().path("value").path("balance").asInt(), last.get().body());
    // and the home itself reads it too
    TestHttp.Reply atHome = get(urls.get("node3") + "/v1/cache/" + address);
    assertEquals(200, atHome.status(), atHome.body());
    assertEquals(42, atHome.json().path("value").path("balance").asInt(), atHome.body());
  }
}
