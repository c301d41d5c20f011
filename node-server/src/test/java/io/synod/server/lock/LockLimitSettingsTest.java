package io.synod.server.lock;

import static io.synod.server.TestHttp.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LOCK_MAX_RESOURCES and LOCK_MAX_SESSIONS bound a node's lock table (429 past them). */
class LockLimitSettingsTest {

  @Test
  void theLockTableRefusesResourcesAndSessionsPastItsSettings() {
    int port = TestHttp.freePort();
    String base = "http://127.0.0.1:" + port;
    try (SynodNode node = new SynodNode(NodeConfig.of(Map.of(
        "NODE_ID", "solo",
        "PEERS", "solo=" + base,
        "HTTP_PORT", Integer.toString(port),
        "HTTP_HOST", "127.0.0.1",
        "ROLES", "lock",
        "LOCK_MAX_RESOURCES", "2",
        "LOCK_MAX_SESSIONS", "2"))).start()) {
      assertTrue(node.awaitLockLeader(Duration.ofSeconds(20)), "a one-node group elects itself");
      String owner = "{\"owner_id\":\"o\",\"ttl_ms\":0}";
      assertEquals(200, post(base + "/v1/locks/r1/acquire", owner).status());
      assertEquals(200, post(base + "/v1/locks/r2/acquire", owner).status());
      TestHttp.Reply third = post(base + "/v1/locks/r3/acquire", owner);
      assertEquals(429, third.status(), third.body());
      // a resource already in the table still takes holders
      assertEquals(200, post(base + "/v1/locks/r1/acquire", owner).status());
      String session = "{\"ttl_ms\":60000}";
      assertEquals(200, post(base + "/v1/sessions", session).status());
      assertEquals(200, post(base + "/v1/sessions", session).status());
      TestHttp.Reply refused = post(base + "/v1/sessions", session);
      assertEquals(429, refused.status(), refused.body());
    }
  }
}
