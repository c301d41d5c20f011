package io.synod.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.ApiKeys;
import io.synod.server.config.ConfigException;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.Json;
import io.synod.transport.http.client.CacheEntry;
import io.synod.transport.http.client.SynodClient;
import io.synod.transport.http.client.SynodClientOptions;
import io.synod.transport.http.client.SynodException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, client access control: one node with API keys; every public route needs a key of
 * the right level, the first system's endpoints included, and a refusal changes nothing.
 */
class ApiKeysTest {
  private static final String READ = "read-key-0123456789";
  private static final String WRITE = "write-key-0123456789";
  private static final String ADMIN = "admin-key-0123456789";
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private static SynodNode node;
  private static String base;

  @BeforeAll
  static void start() {
    int port = TestHttp.freePort();
    node = new SynodNode(NodeConfig.of(Map.of(
        "NODE_ID", "solo",
        "HTTP_PORT", Integer.toString(port),
        "HTTP_HOST", "127.0.0.1",
        "API_KEYS", "read:" + READ + ",write:" + WRITE + ",admin:" + ADMIN))).start();
    assertTrue(node.awaitLockLeader(Duration.ofSeconds(20)));
    base = "http://127.0.0.1:" + port;
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> call(String method, String path, String body, String key,
      boolean bearer) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (key != null) {
      b.header(bearer ? "Authorization" : "X-API-Key", bearer ? "Bearer " + key : key);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> call(String method, String path, String body, String key) {
    return call(method, path, body, key, true);
  }

  private static String error(HttpResponse<String> r) {
    JsonNode j = Json.parse(r.body().getBytes(StandardCharsets.UTF_8));
    assertTrue(j.hasNonNull("detail"), r.body());
    return j.path("error").asText();
  }

  private static JsonNode lockTable() {
    return Json.parse(call("GET", "/v1/locks", null, READ).body().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theFirstSystemsEndpointsNeedAKeyOnceKeysAreConfigured() {
    String acquire = "{\"resource_id\":\"k-r1\",\"mode\":\"exclusive\",\"requester_id\":\"u1\"}";
    JsonNode before = lockTable();
    HttpResponse<String> none = call("POST", "/lock/acquire", acquire, null);
    assertEquals(401, none.statusCode());
    assertEquals("unauthorized", error(none));
    HttpResponse<String> wrong = call("POST", "/lock/acquire", acquire, "not-a-key-0123456789");
    assertEquals(401, wrong.statusCode());
    assertEquals(before, lockTable(), "a refused acquire holds nothing");
    assertEquals(401, call("GET", "/cache/read?address=k1", null, null).statusCode());
    HttpResponse<String> ok = call("POST", "/lock/acquire", acquire, WRITE);
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(200, call("POST", "/lock/release",
        "{\"resource_id\":\"k-r1\",\"owner_id\":\"u1\"}", WRITE, false).statusCode());
  }

  @Test
  void aReadKeyReadsButDoesNotWrite() {
    // a read key may read: a never-written address answers 404 never_written, not 401 or 403
    HttpResponse<String> first = call("GET", "/v1/cache/k-read", null, READ);
    assertEquals(404, first.statusCode(), first.body());
    assertEquals("never_written", error(first));
    HttpResponse<String> w = call("PUT", "/v1/cache/k-read", "{\"value\":1}", READ);
    assertEquals(403, w.statusCode());
    assertEquals("forbidden", error(w));
    HttpResponse<String> r = call("GET", "/v1/cache/k-read", null, READ);
    assertEquals(404, r.statusCode(), "the refused write wrote nothing: " + r.body());
    assertEquals(403, call("POST", "/queue/publish",
        "{\"topic\":\"k-t\",\"message\":{\"n\":1}}", READ).statusCode());
    HttpResponse<String> stats = call("GET", "/v1/topics/k-t/stats", null, READ);
    assertEquals(200, stats.statusCode(), stats.body());
    assertEquals(0, Json.parse(stats.body().getBytes(StandardCharsets.UTF_8))
        .path("depth").asLong(-1), stats.body());
  }

  @Test
  void membershipChangesNeedAnAdminKey() {
    String add = "{\"node_id\":\"node9\",\"url\":\"http://127.0.0.1:1\"}";
    HttpResponse<String> w = call("POST", "/v1/cluster/members", add, WRITE);
    assertEquals(403, w.statusCode());
    assertEquals(403, call("DELETE", "/v1/cluster/members/node9", null, WRITE).statusCode());
    // an admin key passes the filter; whatever the cluster then answers, it is not 401/403
    int admin = call("DELETE", "/v1/cluster/members/node9", null, ADMIN).statusCode();
    assertTrue(admin != 401 && admin != 403, "status " + admin);
  }

  @Test
  void probesStayOpen() {
    assertEquals(200, call("GET", "/health", null, null).statusCode());
    assertEquals(401, call("GET", "/metrics", null, null).statusCode());
    assertEquals(200, call("GET", "/metrics", null, READ).statusCode());
  }

  @Test
  void theStatusPageLoadsWithoutAKeyButItsDataRoutesNeedOne() {
    HttpResponse<String> page = call("GET", "/", null, null);
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("<html"), page.body());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    // the page holds no data: everything it draws comes from routes that still need a key
    for (String data : java.util.List.of("/v1/cluster", "/v1/locks", "/v1/cache", "/metrics",
        "/v1/topics/t/stats")) {
      assertEquals(401, call("GET", data, null, null).statusCode(), data);
      assertEquals(200, call("GET", data, null, READ).statusCode(), data);
    }
    // only reading the page is open
    assertEquals(401, call("POST", "/", "{}", null).statusCode());
  }

  @Test
  void theJavaClientSendsItsKey() {
    try (SynodClient keyed = SynodClient.create(SynodClientOptions.builder()
            .endpoint(URI.create(base)).apiKey(WRITE).build());
        SynodClient anonymous = SynodClient.create(SynodClientOptions.builder()
            .endpoint(URI.create(base)).maxAttempts(1).build())) {
      keyed.cache().write("k-client", "v").toCompletableFuture().join();
      CacheEntry e = keyed.cache().read("k-client").toCompletableFuture().join();
      assertEquals("v", e.value().asText());
      CompletionException refused = assertThrows(CompletionException.class,
          () -> anonymous.cache().read("k-client").toCompletableFuture().join());
      assertTrue(refused.getCause() instanceof SynodException, refused.toString());
      assertEquals(401, ((SynodException) refused.getCause()).status());
    }
  }

  @Test
  void keysAreParsedFromTheSettingAndAFile(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("keys");
    Files.writeString(f, "# operators\nadmin:" + ADMIN + "\n\nread:" + READ + "\n");
    ApiKeys keys = ApiKeys.load("write:" + WRITE, f.toString());
    assertEquals(3, keys.size());
    assertEquals(ApiKeys.Level.ADMIN, keys.levelOf(ADMIN));
    assertEquals(ApiKeys.Level.WRITE, keys.levelOf(WRITE));
    assertEquals(ApiKeys.Level.READ, keys.levelOf(READ));
    assertNull(keys.levelOf("nope"));
    assertThrows(ConfigException.class, () -> ApiKeys.load("root:" + ADMIN, null));
    assertThrows(ConfigException.class, () -> ApiKeys.load("read:short", null));
    assertThrows(ConfigException.class, () -> ApiKeys.load(null, dir.resolve("missing").toString()));
    assertTrue(ApiKeys.load(null, null).isEmpty());
  }

  @Test
  void levelsByRoute() {
    assertNull(ApiAccess.required("POST", "/internal/raft"));
    assertNull(ApiAccess.required("GET", "/ready"));
    assertNull(ApiAccess.required("GET", "/"));
    assertEquals(ApiKeys.Level.WRITE, ApiAccess.required("POST", "/"));
    assertEquals(ApiKeys.Level.READ, ApiAccess.required("GET", "/v1/cluster"));
    assertEquals(ApiKeys.Level.WRITE, ApiAccess.required("POST", "/queue/consume"));
    assertEquals(ApiKeys.Level.ADMIN, ApiAccess.required("POST", "/v1/cluster/members"));
    assertEquals(ApiKeys.Level.ADMIN, ApiAccess.required("DELETE", "/v1/cluster/members/n2"));
  }
}
