package io.synod.server.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synod.transport.http.ClientRequest;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpResponse;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * One simulated user: runs its scenario's step in a closed loop, asynchronously, until told to
 * stop. No thread is held while a request is in flight.
 */
final class BenchUser {

  static final String QUEUE_TOPIC = "bench-topic";
  static final String QUEUE_GROUP = "bench-group";
  static final int CACHE_KEYS = 50;
  static final double CACHE_WRITE_SHARE = 0.05;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final int id;
  private final URI target;
  private final Scenario scenario;
  private final HttpClientPool http;
  private final BenchStats stats;
  private final BenchOptions options;
  private final SplittableRandom random;
  private final BooleanSupplier running;
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private long iteration;
  /** Set when a request of the current step got no response (refused, reset, timed out). */
  private volatile boolean noResponse;

  /**
   * Pause after a step whose request got no response: a target that refuses connections fails a
   * request in microseconds, and looping on it at once would spin a core measuring nothing.
   */
  static final long NO_RESPONSE_PAUSE_MILLIS = 100;

  BenchUser(
      int id,
      URI target,
      Scenario scenario,
      HttpClientPool http,
      BenchStats stats,
      BenchOptions options,
      BooleanSupplier running) {
    this.id = id;
    this.target = target;
    this.scenario = scenario;
    this.http = http;
    this.stats = stats;
    this.options = options;
    this.random = new SplittableRandom(options.seed() * 1_000_003L + id);
    this.running = running;
  }

  /** Starts the loop; the returned future completes when the user has stopped. */
  CompletableFuture<Void> start() {
    loop();
    return finished;
  }

  private void loop() {
    if (!running.getAsBoolean()) {
      finished.complete(null);
      return;
    }
    iteration++;
    CompletableFuture<Void> step;
    try {
      step = step();
    } catch (RuntimeException e) {
      step = CompletableFuture.failedFuture(e);
    }
    // errors are counted where the request finished; the loop goes on regardless, after a
    // pause when the target did not answer at all (also keeps a refused step off this stack)
    step.whenComplete((ok, error) -> {
      if (noResponse || error != null) {
        noResponse = false;
        CompletableFuture.delayedExecutor(NO_RESPONSE_PAUSE_MILLIS,
            java.util.concurrent.TimeUnit.MILLISECONDS).execute(this::loop);
      } else {
        loop();
      }
    });
  }

  private CompletableFuture<Void> step() {
    switch (scenario) {
      case LOCK:
        return lockStep();
      case QUEUE:
        return queueStep();
      case CACHE:
        return cacheStep();
      case HELLO:
        return call(Endpoint.HELLO, get(pathOf(target)), null).thenApply(r -> null);
      case ETCD_PUT:
        return etcdPutStep();
      case ETCD_LOCK:
        return etcdLockStep();
      default:
        throw new IllegalStateException("unknown scenario " + scenario);
    }
  }

  private String owner() {
    return "bench-user-" + id;
  }

  private CompletableFuture<Void> lockStep() {
    String resource = "bench-" + options.runId() + "-" + id + "-" + iteration;
    ObjectNode acquire = JSON.createObjectNode();
    acquire.put("resource_id", resource);
    acquire.put("mode", "exclusive");
    acquire.put("requester_id", owner());
    return call(Endpoint.LOCK_ACQUIRE, post("/lock/acquire", acquire), "acquired")
        .thenCompose(
            body -> {
              if (body == null) {
                return CompletableFuture.completedFuture(null);
              }
              ObjectNode release = JSON.createObjectNode();
              release.put("resource_id", resource);
              release.put("owner_id", owner());
              return call(Endpoint.LOCK_RELEASE, post("/lock/release", release), "released")
                  .thenApply(r -> null);
            });
  }

  private CompletableFuture<Void> queueStep() {
    ObjectNode publish = JSON.createObjectNode();
    publish.put("topic", QUEUE_TOPIC);
    ObjectNode message = publish.putObject("message");
    message.put("user", id);
    message.put("n", iteration);
    ObjectNode consume = JSON.createObjectNode();
    consume.put("topic", QUEUE_TOPIC);
    consume.put("consumer_group", QUEUE_GROUP);
    consume.put("consumer_id", owner());
    return call(Endpoint.QUEUE_PUBLISH, post("/queue/publish", publish), "published")
        .thenCompose(p -> call(Endpoint.QUEUE_CONSUME, post("/queue/consume", consume), "ok"))
        .thenCompose(this::ackAll);
  }

  private CompletableFuture<Void> ackAll(JsonNode consumed) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    if (consumed == null || !consumed.path("messages").isArray()) {
      return chain;
    }
    for (JsonNode m : consumed.path("messages")) {
      ObjectNode ack = JSON.createObjectNode();
      ack.put("topic", QUEUE_TOPIC);
      ack.put("consumer_group", QUEUE_GROUP);
      ack.put("message_id", m.path("id").asText());
      chain =
          chain.thenCompose(
              v ->
                  call(Endpoint.QUEUE_ACK, post("/queue/ack", ack), "acknowledged")
                      .thenApply(r -> null));
    }
    return chain;
  }

  private CompletableFuture<Void> cacheStep() {
    String key = "bench-key-" + random.nextInt(CACHE_KEYS);
    if (random.nextDouble() < CACHE_WRITE_SHARE) {
      ObjectNode write = JSON.createObjectNode();
      write.put("address", key);
      write.put("value", "v-" + id + "-" + iteration);
      return call(Endpoint.CACHE_WRITE, post("/cache/write", write), "written")
          .thenApply(r -> null);
    }
    String uri = "/cache/read?address=" + URLEncoder.encode(key, StandardCharsets.UTF_8);
    return call(Endpoint.CACHE_READ, get(uri), null)
        .thenApply(r -> null);
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private CompletableFuture<Void> etcdPutStep() {
    ObjectNode put = JSON.createObjectNode();
    put.put("key", base64("bench-" + id + "-" + iteration % 100));
    put.put("value", base64("v-" + iteration));
    return call(Endpoint.ETCD_PUT, post("/v3/kv/put", put), null).thenApply(r -> null);
  }

  private CompletableFuture<Void> etcdLockStep() {
    ObjectNode lock = JSON.createObjectNode();
    lock.put("name", base64("bench-" + options.runId() + "-" + id + "-" + iteration));
    return call(Endpoint.ETCD_LOCK, post("/v3/lock/lock", lock), null)
        .thenCompose(
            body -> {
              if (body == null || !body.path("key").isTextual()) {
                return CompletableFuture.completedFuture(null);
              }
              ObjectNode unlock = JSON.createObjectNode();
              unlock.put("key", body.path("key").asText());
              return call(Endpoint.ETCD_UNLOCK, post("/v3/lock/unlock", unlock), null)
                  .thenApply(r -> null);
            });
  }

  private ClientRequest post(String path, JsonNode body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return withKey(ClientRequest.of("POST", path)
        .body(bytes, HttpResponse.JSON)
        .timeout(options.requestTimeout()));
  }

  private ClientRequest get(String pathAndQuery) {
    return withKey(ClientRequest.get(pathAndQuery).timeout(options.requestTimeout()));
  }

  private ClientRequest withKey(ClientRequest r) {
    return options.apiKey() == null ? r : r.header("Authorization", "Bearer " + options.apiKey());
  }

  /** The request target (path and query) of a URL given on the command line. */
  static String pathOf(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  /**
   * Sends one request and records it. Completes with the parsed body when the request
   * succeeded (2xx and, when {@code expectedStatus} is given, that {@code status} field), or with
   * {@code null} when it failed; never exceptionally.
   */
  private CompletableFuture<JsonNode> call(
      Endpoint endpoint, ClientRequest request, String expectedStatus) {
    long start = System.nanoTime();
    return http.send(target, request)
        .toCompletableFuture()
        .handle(
            (response, error) -> {
              long latency = System.nanoTime() - start;
              if (error != null) {
                noResponse = true;
                stats.record(endpoint, latency, describe(error));
                return null;
              }
              String failure = null;
              JsonNode body = null;
              if (response.status() / 100 != 2) {
                failure = "HTTP " + response.status() + " " + snippet(response.body());
              } else if (endpoint != Endpoint.HELLO) {
                try {
                  body = JSON.readTree(response.body());
                  String status = body.path("status").asText();
                  if (expectedStatus != null && !expectedStatus.equals(status)) {
                    failure = "status '" + status + "' where '" + expectedStatus + "' expected";
                  } else if (expectedStatus == null
                      && endpoint == Endpoint.CACHE_READ
                      && !status.equals("hit")
                      && !status.equals("miss")) {
                    failure = "status '" + status + "' where hit or miss expected";
                  }
                } catch (Exception e) {
                  failure = "unreadable body: " + snippet(response.body());
                }
              }
              stats.record(endpoint, latency, failure);
              return failure == null ? (body == null ? JSON.nullNode() : body) : null;
            });
  }

  /** The failure's own cause, not the CompletionException that wraps it. */
  static String describe(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message == null || message.isBlank() ? cause.getClass().getSimpleName()
        : cause.getClass().getSimpleName() + ": " + message;
  }

  private static String snippet(byte[] body) {
    String s = new String(body, StandardCharsets.UTF_8);
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }
}
