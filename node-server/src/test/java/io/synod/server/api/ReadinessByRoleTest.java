package io.synod.server.api;

import static io.synod.server.TestHttp.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.TestHttp.Reply;
import io.synod.server.config.NodeConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /ready} judges each role a node runs by what that role needs. Two nodes of a three-member
 * cluster whose peers never start: there is no quorum, so no lock or queue group has a leader. A
 * cache-only node is still ready (the embedded cache needs no quorum); a node running every role
 * is not, and says which roles are not and why; {@code /health} answers on both.
 */
class ReadinessByRoleTest {
  private static final String SECRET = "readiness-test-secret-0123456789abcdef";
  private static SynodNode all;
  private static SynodNode cacheOnly;
  private static String allBase;
  private static String cacheBase;

  @BeforeAll
  static void start() {
    int[] ports = {TestHttp.freePort(), TestHttp.freePort(), TestHttp.freePort()};
    String peers = "a=http://127.0.0.1:" + ports[0] + ",b=http://127.0.0.1:" + ports[1]
        + ",c=http://127.0.0.1:" + ports[2];
    all = new SynodNode(NodeConfig.of(config("a", ports[0], peers, "lock,queue,cache"))).start();
    cacheOnly = new SynodNode(NodeConfig.of(config("b", ports[1], peers, "cache"))).start();
    allBase = "http://127.0.0.1:" + ports[0];
    cacheBase = "http://127.0.0.1:" + ports[1];
  }

  private static Map<String, String> config(String id, int port, String peers, String roles) {
    Map<String, String> m = new HashMap<>();
    m.put("NODE_ID", id);
    m.put("PEERS", peers);
    m.put("HTTP_PORT", Integer.toString(port));
    m.put("HTTP_HOST", "127.0.0.1");
    m.put("CLUSTER_SECRET", SECRET);
    m.put("ROLES", roles);
    return m;
  }

  @AfterAll
  static void stop() {
    if (all != null) {
      all.close();
    }
    if (cacheOnly != null) {
      cacheOnly.close();
    }
  }

  @Test
  void aCacheOnlyNodeIsReadyWithoutALockLeader() {
    Reply r = get(cacheBase + "/ready");
    assertEquals(200, r.status(), r.body());
    assertEquals("ready", r.json().path("roles").path("cache").path("status").asText(), r.body());
    assertTrue(r.json().path("roles").path("lock").isMissingNode(), r.body());
    assertEquals(200, get(cacheBase + "/ready?role=cache").status());
    assertEquals(200, get(cacheBase + "/health").status());
  }

  @Test
  void aNodeWithEveryRoleNamesTheRolesThatAreNotReady() {
    Reply r = get(allBase + "/ready");
    assertEquals(503, r.status(), r.body());
    assertEquals("not_ready", r.json().path("error").asText(), r.body());
    assertEquals("not_ready", r.json().path("roles").path("lock").path("status").asText());
    assertTrue(r.json().path("roles").path("lock").path("detail").asText().contains("leader"));
    assertEquals("not_ready", r.json().path("roles").path("queue").path("status").asText());
    assertEquals("ready", r.json().path("roles").path("cache").path("status").asText(), r.body());
    assertEquals(503, get(allBase + "/ready?role=lock").status());
    assertEquals(200, get(allBase + "/ready?role=cache").status());
    assertEquals(200, get(allBase + "/health").status(), "liveness does not need a quorum");
  }

  @Test
  void aRoleTheNodeDoesNotRunOrDoesNotKnowIsAClearError() {
    Reply notRun = get(cacheBase + "/ready?role=lock");
    assertEquals(404, notRun.status(), notRun.body());
    assertEquals("role_not_run", notRun.json().path("error").asText());
    Reply bogus = get(cacheBase + "/ready?role=bogus");
    assertEquals(400, bogus.status(), bogus.body());
    assertEquals("bad_role", bogus.json().path("error").asText());
    assertTrue(bogus.json().path("detail").asText().contains("bogus"));
  }
}
