package io.synod.server.api;

import static io.synod.server.TestHttp.get;
import static io.synod.server.TestHttp.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} follows Prometheus conventions: HELP and TYPE on every family, counters as
 * counters with {@code _total}, request durations as a histogram in seconds with the HTTP method as
 * its own label, JVM metrics, and {@code promtool check metrics} accepts the exposition.
 */
class MetricsExpositionTest {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*\\})? .+$");
  private static SynodNode node;
  private static String base;

  @BeforeAll
  static void start() {
    int port = TestHttp.freePort();
    node = new SynodNode(NodeConfig.of(Map.of(
        "NODE_ID", "m1",
        "PEERS", "m1=http://127.0.0.1:" + port,
        "HTTP_PORT", Integer.toString(port),
        "HTTP_HOST", "127.0.0.1"))).start();
    assertTrue(node.awaitLockLeader(Duration.ofSeconds(20)), "a one-node group elects itself");
    base = "http://127.0.0.1:" + port;
    post(base + "/queue/publish", "{\"topic\":\"m-t\",\"message\":{\"n\":1}}");
    post(base + "/lock/acquire", "{\"resource_id\":\"m-r\",\"mode\":\"bogus\",\"requester_id\":\"u\"}");
    get(base + "/cache/read?address=m-k");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> scrape() throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    return c.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyFamilyHasHelpAndTypeAndCountersEndInTotal() throws Exception {
    HttpResponse<String> r = scrape();
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"),
        r.headers().toString());
    Set<String> help = new HashSet<>();
    Map<String, String> type = new java.util.HashMap<>();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("# HELP ")) {
        help.add(line.split(" ")[2]);
      } else if (line.startsWith("# TYPE ")) {
        String[] p = line.split(" ");
        type.put(p[2], p[3]);
      }
    }
    int samples = 0;
    for (String line : r.body().split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertTrue(m.matches(), "not a sample line: " + line);
      String family = familyOf(m.group(1), type);
      assertTrue(type.containsKey(family), "no TYPE for " + m.group(1));
      assertTrue(help.contains(family), "no HELP for " + m.group(1));
      if (type.get(family).equals("counter")) {
        assertTrue(m.group(1).endsWith("_total") || m.group(1).endsWith("_created"),
            "a counter sample without _total: " + line);
      }
      samples++;
    }
    assertTrue(samples > 50, "a full exposition: " + samples + " samples");
    assertEquals("counter", type.get("synod_queue_published_total"), type.toString());
    assertEquals("gauge", type.get("synod_cluster_term"));
    assertEquals("histogram", type.get("synod_http_request_duration_seconds"));
    assertTrue(type.containsKey("jvm_memory_used_bytes"), "JVM metrics are exposed");
  }

  @Test
  void requestDurationsAreAHistogramByMethodRouteAndStatus() throws Exception {
    String body = scrape().body();
    assertTrue(body.contains("synod_http_request_duration_seconds_bucket{le=\"+Inf\","
        + "method=\"POST\",route=\"/queue/publish\",status=\"2xx\"} 1")
        || body.lines().anyMatch(l -> l.startsWith("synod_http_request_duration_seconds_bucket")
            && l.contains("method=\"POST\"") && l.contains("route=\"/queue/publish\"")
            && l.contains("status=\"2xx\"") && l.contains("le=\"+Inf\"")), body);
    assertTrue(body.lines().anyMatch(l -> l.startsWith("synod_http_request_duration_seconds_count")
        && l.contains("route=\"/lock/acquire\"") && l.contains("status=\"4xx\"")
        && l.endsWith(" 1")), "the refused acquire is counted as a 4xx: " + body);
    assertTrue(body.contains("synod_node_info{node=\"m1\"} 1"), body);
    long counted = body.lines().filter(l -> l.startsWith("synod_queue_published_total"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst().orElse(-1);
    assertEquals(node.api().publishedCount(), counted, "the counter reads the node's count");
  }

  @Test
  void promtoolAcceptsTheExposition() throws Exception {
    boolean ci = System.getenv("CI") != null;
    boolean present = List.of(System.getenv("PATH").split(File.pathSeparator)).stream()
        .anyMatch(d -> new File(d, "promtool").canExecute());
    if (ci) {
      assertTrue(present, "CI installs promtool (Debian package prometheus, .ci/run)");
    }
    assumeTrue(present, "promtool is not installed (apt-get install prometheus)");
    String body = scrape().body();
    Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(body.getBytes(StandardCharsets.UTF_8));
    }
    String out = readAll(p.getInputStream());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool finished");
    assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
    assertEquals("", out.trim(), "promtool reports no lint problem");
  }

  private static String familyOf(String sample, Map<String, String> type) {
    if (type.containsKey(sample)) {
      return sample;
    }
    for (String suffix : List.of("_total", "_created", "_bucket", "_count", "_sum", "_info")) {
      if (sample.endsWith(suffix)) {
        String f = sample.substring(0, sample.length() - suffix.length());
        if (type.containsKey(f)) {
          return f;
        }
      }
    }
    return sample;
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    in.transferTo(b);
    return b.toString(StandardCharsets.UTF_8);
  }
}
