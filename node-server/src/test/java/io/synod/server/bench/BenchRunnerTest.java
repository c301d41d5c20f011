package io.synod.server.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.synod.server.cli.SynodCli;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load tool against a small stand-in of the first system's API (the JDK's own HTTP server),
 * which checks every request it gets: the tool must send the right shapes, count what the server
 * answers, and tell failures apart.
 */
class BenchRunnerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private HttpServer server;
  private final Map<String, String> locks = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
  private final Map<String, Boolean> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong badRequests = new AtomicLong();
  private volatile boolean failCacheWrites;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    JsonNode body =
        ex.getRequestMethod().equals("POST") ? JSON.readTree(ex.getRequestBody()) : null;
    String reply;
    int status = 200;
    switch (path) {
      case "/lock/acquire" -> {
        String owner = body.path("requester_id").asText();
        boolean ok =
            body.path("mode").asText().equals("exclusive")
                && locks.putIfAbsent(body.path("resource_id").asText(), owner) == null;
        status = ok ? 200 : 409;
        reply = ok ? "{\"status\":\"acquired\"}" : "{\"error\":\"conflict\"}";
      }
      case "/lock/release" -> {
        boolean ok =
            locks.remove(body.path("resource_id").asText(), body.path("owner_id").asText());
        status = ok ? 200 : 409;
        reply = ok ? "{\"status\":\"released\"}" : "{\"error\":\"not holder\"}";
      }
      case "/queue/publish" -> {
        String id = ids.incrementAndGet() + "-0";
        queue.add(id);
        if (!body.path("message").isObject()) {
          badRequests.incrementAndGet();
        }
        reply = "{\"status\":\"published\",\"message_id\":\"" + id + "\"}";
      }
      case "/queue/consume" -> {
        String id = queue.poll();
        if (id != null) {
          pending.put(id, true);
        }
        reply =
            id == null
                ? "{\"status\":\"ok\",\"messages\":[]}"
                : "{\"status\":\"ok\",\"messages\":[{\"id\":\""
                    + id
                    + "\",\"data\":{},\"timestamp\":1}]}";
      }
      case "/queue/ack" -> {
        if (pending.remove(body.path("message_id").asText()) == null) {
          badRequests.incrementAndGet();
        }
        reply = "{\"status\":\"acknowledged\"}";
      }
      case "/cache/read" -> {
        String q = ex.getRequestURI().getQuery();
        if (q == null || !q.startsWith("address=bench-key-")) {
          badRequests.incrementAndGet();
        }
        reply = "{\"status\":\"miss\",\"address\":\"k\",\"value\":null}";
      }
      case "/cache/write" -> {
        status = failCacheWrites ? 500 : 200;
        reply = "{\"status\":\"written\",\"address\":\"k\",\"value\":\"v\"}";
      }
      case "/v3/lock/lock" -> {
        // etcd's gateway: the name in base64; the answer names the ownership key
        String name = body.path("name").asText();
        String key = name + "-owner";
        boolean ok = !name.isEmpty() && locks.putIfAbsent(key, name) == null;
        status = ok ? 200 : 400;
        reply = "{\"header\":{},\"key\":\"" + key + "\"}";
      }
      case "/v3/lock/unlock" -> {
        boolean ok = locks.remove(body.path("key").asText()) != null;
        status = ok ? 200 : 400;
        reply = "{\"header\":{}}";
      }
      default -> {
        status = 404;
        reply = "{\"error\":\"not found\"}";
      }
    }
    byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  private BenchOptions options(int users) {
    return new BenchOptions(
        List.of(base()), users, 50, Duration.ofMillis(1200), Duration.ofSeconds(5), 7, "t");
  }

  @Test
  void lockScenarioAcquiresAndReleasesEveryResourceWithoutFailures() throws Exception {
    BenchResult r = new BenchRunner(options(4), null).run(Scenario.LOCK);
    assertEquals(0, r.total().failures(), r.table());
    BenchResult.Row acquire = r.rows().get(0);
    BenchResult.Row release = r.rows().get(1);
    assertEquals("POST /lock/acquire", acquire.endpoint());
    assertTrue(acquire.requests() > 0);
    assertEquals(acquire.requests(), release.requests(), "every grant is released");
    assertTrue(locks.isEmpty(), "no lock left held: " + locks);
    assertEquals(acquire.requests() + release.requests(), r.total().requests());
  }

  @Test
  void queueScenarioAcksWhatItConsumes() throws Exception {
    BenchResult r = new BenchRunner(options(3), null).run(Scenario.QUEUE);
    assertEquals(0, r.total().failures(), r.table());
    assertEquals(0, badRequests.get());
    assertTrue(pending.isEmpty(), "every consumed message was acked");
    long published = r.rows().get(0).requests();
    long acked = r.rows().stream().filter(x -> x.endpoint().equals("POST /queue/ack")).findFirst()
        .orElseThrow().requests();
    assertEquals(published - queue.size(), acked);
  }

  @Test
  void cacheScenarioCountsServerErrorsAsFailures() throws Exception {
    failCacheWrites = true;
    BenchResult r = new BenchRunner(options(4), null).run(Scenario.CACHE);
    BenchResult.Row reads = r.rows().get(0);
    BenchResult.Row writes = r.rows().get(1);
    assertEquals("GET /cache/read", reads.endpoint());
    assertEquals(0, reads.failures());
    assertEquals(writes.requests(), writes.failures(), "every write got a 500");
    assertTrue(writes.requests() > 0 && reads.requests() > writes.requests() * 5, r.table());
    assertTrue(writes.lastFailure().contains("HTTP 500"));
    assertEquals(0, badRequests.get());
  }

  @Test
  void etcdLockScenarioUnlocksWithTheKeyTheLockReturned() throws Exception {
    BenchResult r = new BenchRunner(options(3), null).run(Scenario.ETCD_LOCK);
    assertEquals(0, r.total().failures(), r.table());
    assertEquals("POST /v3/lock/lock", r.rows().get(0).endpoint());
    assertTrue(r.rows().get(0).requests() > 0);
    assertEquals(r.rows().get(0).requests(), r.rows().get(1).requests(), "every lock unlocked");
    assertTrue(locks.isEmpty(), "no lock left held: " + locks);
  }

  @Test
  void unreachableTargetFailsEveryRequest() throws Exception {
    URI dead = base();
    server.stop(0);
    BenchOptions o =
        new BenchOptions(
            List.of(dead), 2, 50, Duration.ofMillis(500), Duration.ofSeconds(1), 1, "d");
    BenchResult r = new BenchRunner(o, null).run(Scenario.HELLO);
    assertTrue(r.total().requests() > 0);
    assertEquals(r.total().requests(), r.total().failures());
    // each user pauses after a request that got no answer instead of spinning on refusals: two
    // users for about half a second make a few requests each, not tens of thousands
    long bound = 2 * (1 + 1_000 / BenchUser.NO_RESPONSE_PAUSE_MILLIS);
    assertTrue(r.total().requests() <= bound, r.total().requests() + " > " + bound);
    String why = r.rows().get(0).lastFailure();
    assertTrue(why != null && why.contains(":") && !why.contains("CompletionException"),
        "the failure names its cause and message: " + why);
  }

  @Test
  void commandWritesJsonAndExitsZeroWhenNothingFailed(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("r.json");
    int rc =
        SynodCli.execute(
            "bench", "lock", "--target", base().toString(), "--users", "2", "--spawn-rate",
            "20", "--duration", "800ms", "--progress", "never", "--json", out.toString());
    assertEquals(0, rc);
    JsonNode results = JSON.readTree(Files.readString(out));
    assertEquals("lock", results.get(0).path("scenario").asText());
    assertTrue(results.get(0).path("rows").size() >= 2);
  }

  @Test
  void badOptionsAreRefused() {
    assertEquals(2, SynodCli.execute("bench", "lock", "--users", "0", "--target", base().toString()));
    assertEquals(2, SynodCli.execute("bench", "nonsense"));
  }

  @Test
  void warmupRequestsAreLeftOutOfTheFiguresButTheirFailuresStillFailTheRun() throws Exception {
    failCacheWrites = true;
    BenchOptions o =
        new BenchOptions(List.of(base()), 4, 1000, Duration.ofMillis(600), Duration.ofSeconds(5), 3,
            "w", Duration.ofMillis(600));
    BenchResult r = new BenchRunner(o, null).run(Scenario.CACHE);
    assertTrue(r.warmupRequests() > 0, "users ran during the warm-up: " + r.table());
    assertTrue(r.warmupFailures() > 0, "the 500s of the warm-up are counted: " + r.table());
    long served = r.rows().stream().filter(x -> !x.endpoint().equals("total"))
        .mapToLong(BenchResult.Row::requests).sum();
    assertEquals(served, r.total().requests());
    assertEquals(r.total().failures() + r.warmupFailures(), r.allFailures());
    assertTrue(r.seconds() < 1.1 + 5, "the measured time starts after the warm-up: " + r.seconds());
    assertTrue(r.table().contains("warm-up (not in the figures)"), r.table());
  }

  @Test
  void aCommandWithFailedRequestsExitsOneWarmupOrNot() {
    failCacheWrites = true;
    int rc =
        SynodCli.execute(
            "bench", "cache", "--target", base().toString(), "--users", "4", "--spawn-rate",
            "1000", "--warmup", "700ms", "--duration", "300ms", "--progress", "never");
    assertEquals(1, rc);
  }

  @Test
  void reportShowsThroughputAndLatencyOverTimeAndTheTable(@TempDir Path dir) throws Exception {
    Path html = dir.resolve("r.html");
    int rc =
        SynodCli.execute(
            "bench", "lock", "--target", base().toString(), "--users", "2", "--spawn-rate",
            "100", "--duration", "2500ms", "--progress", "never", "--report", html.toString());
    assertEquals(0, rc);
    String page = Files.readString(html);
    assertTrue(page.startsWith("<!doctype html>"), page);
    assertTrue(page.contains("aria-label=\"throughput (requests/s)\""), page);
    assertTrue(page.contains("aria-label=\"latency (ms)\""), page);
    assertTrue(page.contains("data-series=\"p99\""), page);
    assertTrue(page.contains("<td>POST /lock/acquire</td>"), page);
    for (String external : List.of("<script", "src=", "href=", "@import")) {
      assertTrue(!page.contains(external), "self-contained, but has " + external);
    }
    // at least two one-second samples were drawn as points of the throughput line
    String line = page.substring(page.indexOf("data-series=\"requests/s\""));
    line = line.substring(line.indexOf("points=\"") + 8, line.indexOf("\" fill"));
    assertTrue(line.split(" ").length >= 2, line);
  }
}
