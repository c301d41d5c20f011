package io.synod.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 17: the node's edge bounds come from its settings and a refusal changes nothing. */
class EdgeBoundsTest {
  private static SynodNode node;
  private static String base;

  @BeforeAll
  static void start() {
    int port = TestHttp.freePort();
    node = new SynodNode(NodeConfig.of(Map.of(
        "NODE_ID", "solo", "HTTP_PORT", Integer.toString(port), "HTTP_HOST", "127.0.0.1",
        "MAX_CACHE_VALUE_BYTES", "64", "MAX_HEADER_COUNT", "12", "MAX_URL_BYTES", "512"))).start();
    assertTrue(node.awaitLockLeader(Duration.ofSeconds(20)));
    base = "http://127.0.0.1:" + port;
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String error(TestHttp.Reply r) {
    assertTrue(r.json() != null && r.json().path("detail").isTextual(), r.body());
    return r.json().path("error").asText();
  }

  @Test
  void aCacheValueOverTheLimitIs413AndNotWritten() {
    String big = "\"" + "v".repeat(100) + "\"";
    TestHttp.Reply v1 = TestHttp.call("PUT", base + "/v1/cache/big-k", "{\"value\":" + big + "}");
    assertEquals(413, v1.status());
    assertEquals("value_too_large", error(v1));
    TestHttp.Reply legacy = TestHttp.post(base + "/cache/write",
        "{\"address\":\"big-k\",\"value\":" + big + "}");
    assertEquals(413, legacy.status());
    TestHttp.Reply read = TestHttp.get(base + "/v1/cache/big-k");
    assertEquals(404, read.status(), "nothing was written: " + read.body());
    assertEquals("never_written", error(read));
    assertEquals(200, TestHttp.call("PUT", base + "/v1/cache/big-k", "{\"value\":\"small\"}")
        .status());
  }

  @Test
  void headerCountAndUrlLengthFollowTheSettings() throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/locks"))
        .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < 20; i++) {
      b.header("X-Many-" + i, "v");
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> many = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(431, many.statusCode());
    assertEquals("too_many_headers",
        Json.parse(many.body().getBytes(StandardCharsets.UTF_8)).path("error").asText());
    TestHttp.Reply longUrl = TestHttp.get(base + "/v1/locks/" + "r".repeat(600));
    assertEquals(414, longUrl.status());
    assertEquals("uri_too_long", error(longUrl));
  }
}
