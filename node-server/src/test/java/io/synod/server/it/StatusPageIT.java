package io.synod.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.queue.ring.HashRing;
import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.Json;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page as an operator's browser renders it: a three-node cluster in this JVM, a few
 * lock, queue and cache requests, then headless Chromium loads {@code /} from one node, runs its
 * script for a few seconds of virtual time and dumps the DOM, which must show every section with
 * the cluster's real values and no "undefined" or "NaN". With API keys the key is handed over in
 * the URL fragment ({@code #key=KEY}, the page's documented hook) and the sections must render
 * just the same. Chromium runs bounded in time and is killed (with its children) on any failure.
 */
class StatusPageIT {
  private static final String READ_KEY = "status-read-key-0123456789";
  private static final String WRITE_KEY = "status-write-key-0123456789";
  private static final Duration CHROMIUM_LIMIT = Duration.ofSeconds(120);
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private final Map<String, SynodNode> nodes = new LinkedHashMap<>();
  private final Map<String, String> urls = new LinkedHashMap<>();
  private String key;
  private CompletableFuture<HttpResponse<String>> waiter;

  @TempDir Path tmp;

  @AfterEach
  void stop() {
    nodes.values().forEach(SynodNode::close);
    if (waiter != null) {
      waiter.cancel(true);
    }
  }

  private void startCluster(boolean withKeys) {
    StringBuilder peers = new StringBuilder();
    String secret = io.synod.transport.http.ClusterAuth.generateSecret();
    for (int i = 1; i <= 3; i++) {
      int port = TestHttp.freePort();
      urls.put("node" + i, "http://127.0.0.1:" + port);
      peers.append(i > 1 ? "," : "").append("node").append(i).append("=http://127.0.0.1:")
          .append(port);
    }
    for (int i = 1; i <= 3; i++) {
      String id = "node" + i;
      String url = urls.get(id);
      Map<String, String> env = new HashMap<>(Map.of(
          "NODE_ID", id, "PEERS", peers.toString(),
          "HTTP_PORT", url.substring(url.lastIndexOf(':') + 1),
          "HTTP_HOST", "127.0.0.1", "HEARTBEAT_INTERVAL_MILLIS", "100",
          "FAILURE_TIMEOUT_MILLIS", "3000", "CLUSTER_SECRET", secret));
      if (withKeys) {
        env.put("API_KEYS", "read:" + READ_KEY + ",write:" + WRITE_KEY);
      }
      nodes.put(id, new SynodNode(NodeConfig.of(env)).start());
    }
    key = withKeys ? WRITE_KEY : null;
    for (SynodNode n : nodes.values()) {
      assertTrue(n.awaitLockLeader(Duration.ofSeconds(30)), "a lock leader is elected");
    }
  }

  private HttpResponse<String> call(String method, String url, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
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

  private JsonNode json(String method, String url, String body) {
    HttpResponse<String> r = call(method, url, body);
    assertTrue(r.statusCode() < 300, method + " " + url + " -> " + r.statusCode() + " " + r.body());
    return Json.parse(r.body().getBytes(StandardCharsets.UTF_8));
  }

  /** A held lock with a waiter, a topic with a pending message, cache lines on node1. */
  private void traffic() {
    String n1 = urls.get("node1");
    String n2 = urls.get("node2");
    json("POST", n1 + "/lock/acquire",
        "{\"resource_id\":\"status-lock\",\"mode\":\"exclusive\",\"requester_id\":\"alice\"}");
    // names are the clients': the page must draw them as text, never as markup
    json("POST", n1 + "/lock/acquire", "{\"resource_id\":\"<i>xss-lock</i>\",\"mode\":\"shared\","
        + "\"requester_id\":\"<img src=x onerror=document.body.dataset.pwned=1>\"}");
    // a second owner waits (long enough to outlive the browser run; released in stop())
    HttpRequest.Builder w = HttpRequest.newBuilder(URI.create(n2 + "/v1/locks/status-lock/acquire"))
        .timeout(Duration.ofSeconds(200)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"owner_id\":\"bob\",\"mode\":\"exclusive\",\"wait_ms\":180000}"));
    if (key != null) {
      w.header("Authorization", "Bearer " + key);
    }
    waiter = HTTP.sendAsync(w.build(), HttpResponse.BodyHandlers.ofString());
    Await.until(Duration.ofSeconds(30), "bob waits for status-lock", () -> {
      for (JsonNode l : json("GET", n1 + "/v1/locks", null).get("locks")) {
        if (l.get("resource_id").asText().equals("status-lock") && l.get("waiters").asInt() == 1) {
          return true;
        }
      }
      return false;
    });
    for (int i = 0; i < 3; i++) {
      json("POST", n2 + "/v1/topics/status-topic/publish", "{\"message\":{\"n\":" + i + "}}");
    }
    json("POST", n1 + "/v1/topics/status-topic/consume",
        "{\"consumer_group\":\"status-group\",\"consumer_id\":\"c1\",\"max_messages\":1}");
    json("PUT", n1 + "/v1/cache/status-addr-1", "{\"value\":\"written on node1\"}");
    json("PUT", n2 + "/v1/cache/status-addr-2", "{\"value\":\"written on node2\"}");
    json("GET", n1 + "/v1/cache/status-addr-2", null);
  }

  /**
   * Loads a page in headless Chromium and returns its DOM after the script ran.
   *
   * @param url the page
   * @return the serialized DOM
   */
  private String render(String url) throws Exception {
    String chromium = findChromium();
    Path profile = Files.createDirectories(tmp.resolve("profile"));
    Path dom = tmp.resolve("dom.html");
    Path screenshot = Path.of("target", "status.png").toAbsolutePath();
    List<String> base = List.of(chromium, "--headless", "--disable-gpu", "--no-sandbox",
        "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
        // eight seconds of page time: four refreshes, so the charts have deltas to draw
        "--virtual-time-budget=8000", "--window-size=1280,2200");
    List<String> dump = new ArrayList<>(base);
    dump.add("--dump-dom");
    dump.add(url);
    runBounded(dump, dom.toFile());
    List<String> shot = new ArrayList<>(base);
    shot.add("--screenshot=" + screenshot);
    shot.add(url);
    Files.createDirectories(screenshot.getParent());
    runBounded(shot, tmp.resolve("shot.log").toFile());
    return Files.readString(dom);
  }

  private static void runBounded(List<String> command, File out) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(false)
        .redirectOutput(out).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertTrue(p.waitFor(CHROMIUM_LIMIT.toSeconds(), TimeUnit.SECONDS),
          "chromium did not finish within " + CHROMIUM_LIMIT);
      assertEquals(0, p.exitValue(), "chromium exit status");
    } finally {
      // chromium forks helpers: end them all, also when the run failed
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String findChromium() {
    for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new AssertionError("headless Chromium is required for this test (Debian package "
        + "'chromium'; .ci/run installs it)");
  }

  /** The text of one {@code <div id=...>} (nested divs included), tags stripped. */
  private static String section(String dom, String id) {
    int start = dom.indexOf("<div id=\"" + id + "\"");
    assertTrue(start >= 0, "section " + id + " in " + dom);
    Matcher m = Pattern.compile("<div[\\s>]|</div>").matcher(dom);
    int depth = 0;
    int end = -1;
    m.region(start, dom.length());
    while (m.find()) {
      depth += m.group().startsWith("</") ? -1 : 1;
      if (depth == 0) {
        end = m.end();
        break;
      }
    }
    assertTrue(end > 0, "section " + id + " is closed");
    return dom.substring(start, end).replaceAll("<[^>]+>", " ")
        .replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
        .replaceAll("\\s+", " ");
  }

  private void checkRendered(String dom, String servedBy) {
    // the script's own text mentions undefined/NaN; only the rendered body counts
    String body = dom.replaceAll("(?s)<script.*?</script>", "")
        .replaceAll("(?s)<style.*?</style>", "")
        .replaceAll("(?s)<!--.*?-->", "");
    assertFalse(body.contains("undefined"), body);
    assertFalse(body.contains("NaN"), body);
    assertFalse(body.contains("unavailable"), body);
    assertFalse(body.contains("<i>xss-lock</i>") || body.contains("<img")
        || body.contains("data-pwned"),
        "a client's name was drawn as markup: " + body);
    assertTrue(body.contains("&lt;i&gt;xss-lock&lt;/i&gt;"), body);
    assertTrue(body.contains("<form id=\"keyform\" hidden"), "no key is asked for: " + body);
    JsonNode c = json("GET", urls.get(servedBy) + "/v1/cluster", null);
    String summary = section(dom, "summary");
    assertTrue(summary.contains("served by " + servedBy), summary);
    String members = section(dom, "members");
    for (String id : urls.keySet()) {
      assertTrue(members.contains(id), members);
    }
    assertTrue(members.contains(" up "), members);
    String groups = section(dom, "groups");
    String leader = c.get("groups").get(0).get("leader").asText();
    int lockRow = groups.indexOf("lock lock ");
    assertTrue(lockRow >= 0, groups);
    assertTrue(groups.substring(lockRow, Math.min(groups.length(), lockRow + 60)).contains(leader),
        "the lock group's leader " + leader + " in " + groups);
    for (JsonNode g : c.get("groups")) {
      assertTrue(groups.contains(g.get("name").asText()), groups);
    }
    String rings = section(dom, "rings");
    assertTrue(rings.contains(Integer.toString(HashRing.DEFAULT_VNODES)), rings);
    // the shares drawn are the routing ring's own
    HashRing qr = HashRing.of(urls.keySet());
    double[] shares = qr.ownershipShares();
    for (int i = 0; i < shares.length; i++) {
      String pct = String.format(java.util.Locale.ROOT, "%.1f%%", shares[i] * 100);
      assertTrue(rings.contains(qr.nodes().get(i) + " " + pct), pct + " in " + rings);
    }
    String topics = section(dom, "topics");
    assertTrue(topics.matches(".*status-topic 3 status-group 1 \\d+ 0 \\d+.*"), topics);
    String locks = section(dom, "locks");
    assertTrue(locks.contains("status-lock exclusive alice ("), locks);
    assertTrue(locks.matches(".*\\) 1 .*|.*\\) 1$"), locks);
    String cache = section(dom, "cache");
    JsonNode st = json("GET", urls.get(servedBy) + "/v1/cache", null);
    assertTrue(st.get("lines").asLong() >= 1, st.toString());
    assertTrue(cache.contains(servedBy + " " + count(st, "m") + " " + count(st, "e") + " "
        + count(st, "s") + " " + st.get("lines").asLong() + " / "), cache);
    String routes = section(dom, "routes");
    assertTrue(routes.contains("GET /v1/cluster 2xx"), routes);
    String rate = section(dom, "rate-chart");
    assertTrue(dom.contains("<polyline"), "the charts draw a line");
    assertTrue(rate.contains("now ") && rate.contains("req/s"), rate);
    assertTrue(section(dom, "p99-chart").contains(" ms "), dom);
  }

  private static long count(JsonNode st, String state) {
    return st.get("lines_by_state").path(state).asLong(0);
  }

  @Test
  void thePageShowsTheClusterAsItIs() throws Exception {
    startCluster(false);
    traffic();
    checkRendered(render(urls.get("node1") + "/"), "node1");
    // a node goes away: the page still renders, shows it down and draws nothing undefined
    nodes.remove("node3").close();
    Await.until(Duration.ofSeconds(60), "node1 sees node3 down and is ready", () -> {
      JsonNode c = json("GET", urls.get("node1") + "/v1/cluster", null);
      for (JsonNode m : c.get("members")) {
        if (m.get("node_id").asText().equals("node3") && !m.get("state").asText().equals("down")) {
          return false;
        }
      }
      return call("GET", urls.get("node1") + "/ready", null).statusCode() == 200;
    });
    String after = render(urls.get("node1") + "/");
    String body = after.replaceAll("(?s)<script.*?</script>", "");
    assertFalse(body.contains("undefined") || body.contains("NaN"), body);
    assertTrue(section(after, "members").contains("node3 down"), section(after, "members"));
    assertTrue(section(after, "locks").contains("status-lock"), section(after, "locks"));
  }

  @Test
  void withApiKeysThePageLoadsWithoutOneAndItsDataWithTheKeyFromTheFragment() throws Exception {
    startCluster(true);
    traffic();
    HttpResponse<String> page = HTTP.send(
        HttpRequest.newBuilder(URI.create(urls.get("node2") + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    // without a key the page asks for one and draws no data
    String asked = render(urls.get("node2") + "/");
    assertTrue(asked.contains("<form id=\"keyform\">"), "the key form is shown: " + asked);
    assertFalse(section(asked, "members").contains("node3"), asked);
    // with the read key handed over in the fragment every section renders
    checkRendered(render(urls.get("node2") + "/#key=" + READ_KEY), "node2");
  }
}
