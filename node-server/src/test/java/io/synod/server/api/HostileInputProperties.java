package io.synod.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.ClusterAuth;
import io.synod.transport.http.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue 17, fuzzing the HTTP edge: every route (the first system's, {@code /v1}, {@code
 * /internal}) driven with generated hostile input — malformed JSON, wrong types, huge and empty
 * strings, unicode and control characters, path segments with {@code ..}, {@code %2F} and NUL.
 * Every answer is below 500 and arrives within the client timeout (no hang); every 4xx has the
 * {@code {"error", "detail"}} shape; and a refused request changes nothing: the lock table, the
 * topics' publish/deliver/ack counts and the cache lines are what they were before it.
 *
 * <p>One node with a cluster secret; internal requests are sent both unsigned (401) and signed
 * with the node's secret (so the decoders behind the signature are fuzzed too). Tries are
 * bounded so the suite stays well under a minute in CI.
 */
class HostileInputProperties {
  private static final String SECRET = ClusterAuth.generateSecret();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private static SynodNode node;
  private static String base;
  private static int port;
  private static List<String> routes;

  @BeforeContainer
  static void start() {
    port = TestHttp.freePort();
    node = new SynodNode(NodeConfig.of(Map.of(
        "NODE_ID", "fuzz",
        "HTTP_PORT", Integer.toString(port),
        "HTTP_HOST", "127.0.0.1",
        "CLUSTER_SECRET", SECRET,
        "MAX_KEY_LENGTH", "64",
        "MAX_BODY_BYTES", "65536",
        // leases and redeliveries must not change the state between two snapshots
        "LOCK_DEFAULT_TTL_MILLIS", "86400000",
        "QUEUE_VISIBILITY_TIMEOUT_MILLIS", "86400000"))).start();
    if (!node.awaitLockLeader(Duration.ofSeconds(20))) {
      throw new IllegalStateException("the one-node group did not elect itself");
    }
    base = "http://127.0.0.1:" + port;
    routes = new ArrayList<>(node.api().routes());
    routes.add("POST /internal/raft");
    routes.add("POST /internal/cache");
    routes.add("POST /internal/queue/{kind}");
  }

  @AfterContainer
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  // ---- generators --------------------------------------------------------------------------

  /** Path segments, already percent-encoded where they must be to form a URI. */
  @Provide
  Arbitrary<String> segments() {
    return Arbitraries.oneOf(
        Arbitraries.of("..", ".", "%2F", "a%2Fb", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%00",
            "a%00b", "%0A", "%0D%0A", "%20", "%C3%A9t%C3%A9", "%E2%80%AE", "%F0%9F%98%80",
            "%FF%FE", "%C0%AF", "~", "%25", "a;b", "%7B%7D", "null", "-1", "%09"),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12),
        Arbitraries.strings().withCharRange('a', 'z').ofLength(65),
        Arbitraries.strings().withCharRange('a', 'z').ofLength(4000));
  }

  /** Text that is no name a route accepts: wrong, empty, too long, control characters. */
  private static Arbitrary<Object> hostileValue() {
    return Arbitraries.oneOf(
        Arbitraries.of("", " ", "\u0000", "a\u0000b", "\n", "\u0007bell", "\u001b[31m",
            "x".repeat(65), "x".repeat(100_00)).map(s -> (Object) s),
        Arbitraries.of(-1L, Long.MIN_VALUE, Long.MAX_VALUE, 1e308, -0.5).map(n -> (Object) n),
        Arbitraries.of(Boolean.TRUE, Boolean.FALSE).map(b -> (Object) b),
        Arbitraries.just(List.of(1, "two", List.of())).map(l -> (Object) l),
        Arbitraries.just(Map.of("nested", Map.of("deeper", List.of()))).map(m -> (Object) m),
        Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMinLength(1).ofMaxLength(8)
            .map(s -> (Object) s));
  }

  private static final List<String> FIELDS = List.of("resource_id", "mode", "requester_id",
      "owner_id", "session_id", "ttl_ms", "wait_ms", "topic", "message", "messages",
      "message_id", "message_ids", "consumer_group", "consumer_id", "max_messages", "address",
      "value", "node_id", "url", "roles");

  /** Bodies: malformed JSON, JSON that is not an object, objects with hostile fields, binary. */
  @Provide
  Arbitrary<byte[]> bodies() {
    Arbitrary<byte[]> malformed = Arbitraries.of("", "{", "}", "{\"a\":", "[1,2", "nul", "tru",
            "{\"resource_id\":}", "{'single':'quotes'}", "{\"a\":1,}", "\u0000{}",
            "{\"a\":\"\\ud800\"}", "\"unterminated", "{\"a\":1}{\"b\":2}", "<xml/>",
            "{\"a\":" + "[".repeat(5000) + "}")
        .map(s -> s.getBytes(StandardCharsets.UTF_8));
    Arbitrary<byte[]> notObjects = Arbitraries.of("[]", "123", "\"str\"", "null", "true",
            "[{\"resource_id\":\"r\"}]", "-0.0e-9999")
        .map(s -> s.getBytes(StandardCharsets.UTF_8));
    Arbitrary<byte[]> hostileObjects = Arbitraries.subsetOf(FIELDS).ofMinSize(1)
        .flatMap(fields -> Combinators.combine(
                Arbitraries.just(fields), hostileValue().list().ofSize(fields.size()))
            .as((fs, vs) -> {
              Map<String, Object> m = new java.util.LinkedHashMap<>();
              int i = 0;
              for (String f : fs) {
                m.put(f, vs.get(i++));
              }
              return Json.write(m);
            }));
    Arbitrary<byte[]> unicode = Arbitraries.strings().all().ofMaxLength(200)
        .map(s -> s.getBytes(StandardCharsets.UTF_8));
    Arbitrary<byte[]> binary = Arbitraries.bytes().array(byte[].class).ofMaxSize(300)
        .map(b -> {
          // half of them open like a Raft batch, to get past the version check
          if (b.length > 0 && (b[0] & 1) == 0) {
            b[0] = 1;
          }
          return b;
        });
    return Arbitraries.oneOf(malformed, notObjects, hostileObjects, hostileObjects, unicode,
        binary);
  }

  @Provide
  Arbitrary<String> routeList() {
    return Arbitraries.of(routes);
  }

  // ---- the state a refusal must leave alone --------------------------------------------------

  /**
   * What a request may touch: the lock table, the queue's counts, and the cache values at the
   * addresses it names (the node's cache statistics are refreshed in the background, so they
   * are no exact snapshot; the values read back are).
   */
  private record State(String locks, long published, long delivered, long acked,
      Map<String, String> cacheValues) {}

  private static State state(List<String> addresses) {
    TestHttp.Reply locks = TestHttp.get(base + "/v1/locks");
    Map<String, String> values = new java.util.TreeMap<>();
    for (String a : addresses) {
      TestHttp.Reply r = TestHttp.get(base + "/cache/read?address="
          + java.net.URLEncoder.encode(a, StandardCharsets.UTF_8));
      values.put(a, r.status() + " " + (r.json() == null ? r.body() : r.json().path("value")));
    }
    return new State(locks.body(), node.api().publishedCount(), node.api().deliveredCount(),
        node.api().ackedCount(), values);
  }

  /** The cache addresses a request could name: its path segment and an "address" field. */
  private static List<String> addressesOf(String segment, byte[] body) {
    List<String> out = new ArrayList<>();
    String decoded = java.net.URLDecoder.decode(segment.replace("+", "%2B"),
        StandardCharsets.UTF_8);
    if (!decoded.isEmpty() && decoded.length() <= 64) {
      out.add(decoded);
    }
    try {
      JsonNode n = Json.parse(body);
      if (n.path("address").isTextual() && !n.path("address").asText().isEmpty()
          && n.path("address").asText().length() <= 64) {
        out.add(n.path("address").asText());
      }
    } catch (RuntimeException notJson) {
      // no address field
    }
    return out;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return b.length() > 200 ? b.substring(0, 200) + "..." : b.toString();
  }

  private static String fill(String pattern, String segment) {
    return pattern.replaceAll("\\{[a-z_]+(\\.\\.\\.)?}", java.util.regex.Matcher
        .quoteReplacement(segment));
  }

  private static void checkAnswer(String rawWhat, int status, String body, State before,
      List<String> addresses) {
    String what = printable(rawWhat);
    assertTrue(status < 500, what + " answered " + status + ": " + body);
    if (status >= 400) {
      JsonNode j;
      try {
        j = Json.parse(body.getBytes(StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        throw new AssertionError(what + " answered " + status + " without JSON: " + body, e);
      }
      assertTrue(j.path("error").isTextual() && j.path("detail").isTextual(),
          what + " answered " + status + " without the error shape: " + body);
      assertEquals(before, state(addresses),
          what + " was refused (" + status + ") but changed state");
    }
  }

  // ---- properties -----------------------------------------------------------------------------

  @Property(tries = 250, shrinking = ShrinkingMode.OFF)
  void everyRouteRefusesHostileInputWithA4xxAndChangesNothing(
      @ForAll("routeList") String route, @ForAll("segments") String segment,
      @ForAll("bodies") byte[] body, @ForAll boolean signInternal) throws Exception {
    String method = route.substring(0, route.indexOf(' '));
    String path = fill(route.substring(route.indexOf(' ') + 1), segment);
    if (method.equals("GET") && path.startsWith("/cache/read")) {
      path = path + "?address=" + segment;
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", path.equals("/internal/raft")
            ? "application/octet-stream" : "application/json")
        .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    if (signInternal && path.startsWith("/internal/")) {
      ClusterAuth signer = ClusterAuth.create(SECRET);
      String target = URI.create(base + path).getRawPath()
          + (URI.create(base + path).getRawQuery() == null ? ""
              : "?" + URI.create(base + path).getRawQuery());
      signer.sender().sign(method, target, body).forEach(b::header);
    }
    List<String> addresses = addressesOf(segment, body);
    State before = state(addresses);
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    checkAnswer(method + " " + path, r.statusCode(), r.body(), before, addresses);
  }

  /** Raw request targets the JDK client would not send: raw NUL, spaces, bytes over 0x7f. */
  @Provide
  Arbitrary<byte[]> rawTargets() {
    return Arbitraries.oneOf(
        Arbitraries.of("/v1/locks/a\u0000b/acquire", "/lock/../internal/raft", "/../../etc/passwd",
            "/v1/cache/\u00e9t\u00e9", "/v1/cache/a b", "//v1//locks", "/v1/topics/%/publish",
            "/v1/cache/%zz", "*", "http://evil/v1/cluster", "/v1/locks/\r/acquire",
            "/internal/raft/../raft", "/\u0000")
            .map(s -> s.getBytes(StandardCharsets.ISO_8859_1)),
        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40)
            .map(b -> {
              byte[] out = new byte[b.length + 1];
              out[0] = '/';
              for (int i = 0; i < b.length; i++) {
                // no CR/LF: those would end the request line and make a different request
                out[i + 1] = (b[i] == '\r' || b[i] == '\n') ? (byte) '_' : b[i];
              }
              return out;
            }));
  }

  @Property(tries = 80, shrinking = ShrinkingMode.OFF)
  void rawHostileRequestTargetsAnswer4xxJson(
      @ForAll("rawTargets") byte[] target, @ForAll("bodies") byte[] body,
      @ForAll boolean post) throws Exception {
    List<String> addresses = addressesOf("", body);
    State before = state(addresses);
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.write((post ? "POST " : "GET ").getBytes(StandardCharsets.US_ASCII));
      req.write(target);
      req.write((" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      req.write(body);
      out.write(req.toByteArray());
      out.flush();
      InputStream in = s.getInputStream();
      byte[] all = in.readAllBytes();
      String text = new String(all, StandardCharsets.ISO_8859_1);
      assertTrue(text.startsWith("HTTP/1.1 ") || text.startsWith("HTTP/1.0 "),
          "an HTTP answer, not a hang or a reset: " + printable(text));
      int status = Integer.parseInt(text.substring(9, 12));
      int split = text.indexOf("\r\n\r\n");
      String responseBody = new String(all, split + 4, all.length - split - 4,
          StandardCharsets.UTF_8);
      checkAnswer("raw " + new String(target, StandardCharsets.ISO_8859_1), status, responseBody,
          before, addresses);
    } catch (IOException e) {
      throw new AssertionError("the server did not answer: " + e, e);
    }
  }
}
