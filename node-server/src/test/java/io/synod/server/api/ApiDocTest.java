package io.synod.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** docs/api.yaml and the server agree: every documented route answers, every route is documented. */
class ApiDocTest {

  private static Path apiYaml() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("docs/api.yaml"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("docs/api.yaml not found above " + Path.of("").toAbsolutePath());
    }
    return p.resolve("docs/api.yaml");
  }

  private static Set<String> documented() throws Exception {
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(apiYaml().toFile());
    assertTrue(doc.path("openapi").asText().startsWith("3."), "an OpenAPI 3 document");
    Set<String> out = new TreeSet<>();
    Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
    while (paths.hasNext()) {
      Map.Entry<String, JsonNode> e = paths.next();
      Iterator<String> methods = e.getValue().fieldNames();
      while (methods.hasNext()) {
        String m = methods.next();
        if (Set.of("get", "post", "put", "delete", "patch").contains(m)) {
          out.add(m.toUpperCase(Locale.ROOT) + " " + e.getKey());
        }
      }
    }
    return out;
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteAnswers() throws Exception {
    Set<String> documented = documented();
    int port = TestHttp.freePort();
    try (SynodNode node =
        new SynodNode(
                NodeConfig.of(
                    Map.of(
                        "NODE_ID", "doc",
                        "PEERS", "doc=http://127.0.0.1:" + port,
                        "HTTP_PORT", Integer.toString(port),
                        "HTTP_HOST", "127.0.0.1")))
            .start()) {
      assertTrue(node.awaitLockLeader(java.time.Duration.ofSeconds(20)));
      // the API's routes and the transports' node-to-node routes, all documented
      Set<String> served = new TreeSet<>(node.api().routes());
      served.add("POST " + io.synod.transport.http.raft.HttpRaftTransport.PATH);
      served.add("POST " + io.synod.transport.http.cache.HttpCacheTransport.PATH);
      served.add("POST " + io.synod.transport.http.queue.HttpQueueTransport.PATH_PREFIX + "{kind}");
      served.add("POST " + io.synod.server.cache.RaftMainMemory.PATH);
      assertEquals(served, documented);
      for (String route : documented) {
        String method = route.substring(0, route.indexOf(' '));
        String path =
            route.substring(route.indexOf(' ') + 1)
                .replace("{resource}", "doc-r")
                .replace("{session}", "no-such-session")
                .replace("{topic}", "doc-t")
                .replace("{address}", "doc-k")
                .replace("{group}", "no-such-group")
                .replace("{consumer}", "no-such-consumer")
                .replace("{node}", "no-such-node")
                .replace("{kind}", "no-such-kind");
        String body = method.equals("GET") || method.equals("DELETE") ? null : "{}";
        TestHttp.Reply r = TestHttp.call(method, "http://127.0.0.1:" + port + path, body);
        // the route exists and answers: any status but "no such route" or "wrong method"
        assertTrue(r.status() != 404 || r.json() != null && !"not_found".equals(
            r.json().path("error").asText()), route + " -> " + r.status() + " " + r.body());
        assertTrue(r.status() != 405 && r.status() < 500, route + " -> " + r.status() + " "
            + r.body());
      }
    }
  }
}
