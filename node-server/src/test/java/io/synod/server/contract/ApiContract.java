package io.synod.server.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The HTTP contract (docs/api.yaml, as the build copied it into the node's classpath) as a
 * checker of real exchanges: {@link #check} fails with an {@link AssertionError} when a response
 * has a status code, a media type, a field, a type or a missing header the document does not
 * allow for its operation, or when the server accepted (2xx) a request the document says is
 * invalid.
 *
 * <p>The document is parsed twice: by swagger-parser, which must report no problem (a broken
 * document fails every test that talks HTTP), and as a plain JSON tree whose schemas are handed
 * to networknt's JSON Schema validator (OpenAPI 3.1 schemas are JSON Schema 2020-12). Every
 * schema is validated together with the document's {@code components}, so its
 * {@code #/components/...} references resolve.
 *
 * <p>Thread-safe; tests share {@link #get()}. It also records which operation answered which
 * status ({@link #seen()}), so a test can prove it drove every operation.
 */
public final class ApiContract {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch");
  private static volatile ApiContract instance;

  private final JsonNode doc;
  private final List<Route> routes = new ArrayList<>();
  private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().build();
  private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  /** One documented operation: its method, path template and the template as a pattern. */
  private record Route(String method, String template, Pattern pattern, boolean literal,
                       JsonNode operation, JsonNode pathItem) {}

  ApiContract(String yaml) {
    ParseOptions options = new ParseOptions();
    options.setResolve(false);
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(yaml, null, options);
    if (parsed.getOpenAPI() == null || (parsed.getMessages() != null && !parsed.getMessages().isEmpty())) {
      throw new AssertionError("docs/api.yaml is not a valid OpenAPI document: " + parsed.getMessages());
    }
    try {
      doc = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
    while (paths.hasNext()) {
      Map.Entry<String, JsonNode> p = paths.next();
      String template = p.getKey();
      Pattern pattern = Pattern.compile(
          Pattern.quote(template).replaceAll("\\{[^}/]+}", "\\\\E[^/]+\\\\Q"));
      Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().fields();
      while (ops.hasNext()) {
        Map.Entry<String, JsonNode> op = ops.next();
        if (METHODS.contains(op.getKey())) {
          routes.add(new Route(op.getKey().toUpperCase(Locale.ROOT), template, pattern,
              !template.contains("{"), op.getValue(), p.getValue()));
        }
      }
    }
  }

  /**
   * The contract as built into the node's classpath.
   *
   * @return the shared instance
   */
  public static ApiContract get() {
    ApiContract c = instance;
    if (c == null) {
      synchronized (ApiContract.class) {
        c = instance;
        if (c == null) {
          try (InputStream in = ApiContract.class.getResourceAsStream("/io/synod/server/api.yaml")) {
            if (in == null) {
              throw new AssertionError("io/synod/server/api.yaml is not on the classpath "
                  + "(node-server's build copies docs/api.yaml there)");
            }
            c = new ApiContract(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          instance = c;
        }
      }
    }
    return c;
  }

  /** @return every documented operation as {@code "METHOD template"} */
  public List<String> operations() {
    List<String> out = new ArrayList<>();
    routes.forEach(r -> out.add(r.method() + " " + r.template()));
    return out;
  }

  /** @return {@code "METHOD template STATUS"} of every exchange checked so far */
  public Set<String> seen() {
    return Set.copyOf(seen);
  }

  /**
   * Checks one exchange.
   *
   * @param method the request method
   * @param uri the request URI (path and query are used)
   * @param requestBody the request body, or null for none
   * @param status the response status
   * @param contentType the response's Content-Type, or null
   * @param headers the response's header names, lower case
   * @param responseBody the response body (empty for none)
   * @throws AssertionError when the exchange breaks the contract
   */
  public void check(String method, URI uri, String requestBody, int status, String contentType,
                    Set<String> headers, String responseBody) {
    String path = uri.getRawPath();
    String where = method + " " + path + " -> " + status + " " + abbreviate(responseBody);
    Optional<Route> route = match(method, path);
    if (route.isEmpty()) {
      // no documented operation: the router's own refusals, documented once in components
      boolean pathKnown = routes.stream().anyMatch(r -> r.pattern().matcher(path).matches());
      int expected = pathKnown ? 405 : 404;
      if (status != expected) {
        fail(where, "an undocumented operation must answer " + expected);
      }
      validate(where, "#/components/responses/" + (pathKnown ? "MethodNotAllowed" : "NoRoute")
          + "/content/application~1json/schema", schemaOf(
              pathKnown ? "MethodNotAllowed" : "NoRoute"), parse(where, responseBody));
      return;
    }
    Route r = route.get();
    seen.add(r.method() + " " + r.template() + " " + status);
    JsonNode response = deref(r.operation().path("responses").get(Integer.toString(status)));
    if (response == null) {
      fail(where, "status " + status + " is not documented for " + r.method() + " " + r.template()
          + " (documented: " + names(r.operation().path("responses")) + ")");
    }
    // headers the document marks required
    JsonNode hs = response.path("headers");
    for (Iterator<Map.Entry<String, JsonNode>> it = hs.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> h = it.next();
      if (deref(h.getValue()).path("required").asBoolean(false)
          && !headers.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        fail(where, "the required header " + h.getKey() + " is missing");
      }
    }
    JsonNode content = response.get("content");
    if (content == null || content.isEmpty()) {
      if (responseBody != null && !responseBody.isEmpty()) {
        fail(where, "the document says this response has no body");
      }
    } else {
      String media = contentType == null ? "" : contentType.split(";", 2)[0].trim()
          .toLowerCase(Locale.ROOT);
      JsonNode mt = content.get(media);
      if (mt == null) {
        fail(where, "media type '" + media + "' is not documented (documented: " + names(content)
            + ")");
      }
      if (media.equals("application/json")) {
        validate(where, "response body", mt.get("schema"), parse(where, responseBody));
      }
    }
    if (status >= 200 && status < 300) {
      checkRequest(where, r, uri, requestBody);
    }
  }

  /** A request the server accepted must be one the document allows. */
  private void checkRequest(String where, Route r, URI uri, String body) {
    List<JsonNode> params = new ArrayList<>();
    r.pathItem().path("parameters").forEach(p -> params.add(deref(p)));
    r.operation().path("parameters").forEach(p -> params.add(deref(p)));
    for (JsonNode p : params) {
      if (!"query".equals(p.path("in").asText())) {
        continue;
      }
      String value = query(uri, p.path("name").asText());
      if (value == null && p.path("required").asBoolean(false)) {
        fail(where, "the server accepted a request without the required query parameter "
            + p.path("name").asText());
      }
    }
    JsonNode rb = deref(r.operation().get("requestBody"));
    boolean empty = body == null || body.isEmpty();
    if (rb == null) {
      return;
    }
    if (empty) {
      if (rb.path("required").asBoolean(false)) {
        fail(where, "the server accepted a request without its required body");
      }
      return;
    }
    JsonNode mt = rb.path("content").get("application/json");
    if (mt != null) {
      validate(where, "request body (accepted by the server)", mt.get("schema"), parse(where, body));
    }
  }

  private Optional<Route> match(String method, String path) {
    Route best = null;
    for (Route r : routes) {
      if (r.method().equals(method) && r.pattern().matcher(path).matches()
          && (best == null || r.literal() && !best.literal())) {
        best = r;
      }
    }
    return Optional.ofNullable(best);
  }

  private JsonNode schemaOf(String response) {
    return doc.path("components").path("responses").path(response).path("content")
        .path("application/json").get("schema");
  }

  private void validate(String where, String what, JsonNode schema, JsonNode value) {
    if (schema == null) {
      return;
    }
    JsonSchema s = schemas.computeIfAbsent(schema.toString(), k -> {
      // the schema with the document's components beside it, so #/components/... resolves
      ObjectNode root = JSON.createObjectNode();
      root.setAll((ObjectNode) schema.deepCopy());
      root.set("components", doc.get("components"));
      return factory.getSchema(root, config);
    });
    Set<ValidationMessage> errors = s.validate(value);
    if (!errors.isEmpty()) {
      List<String> m = new ArrayList<>();
      errors.forEach(e -> m.add(e.getMessage()));
      fail(where, what + " breaks the document: " + m);
    }
  }

  private JsonNode parse(String where, String body) {
    if (body == null || body.isEmpty()) {
      fail(where, "the document says this response has a JSON body; it has none");
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      fail(where, "the body is not JSON: " + e.getMessage());
      return null;
    }
  }

  /** Follows a local {@code $ref} (responses, parameters, request bodies, headers). */
  private JsonNode deref(JsonNode n) {
    while (n != null && n.has("$ref")) {
      String ref = n.get("$ref").asText();
      if (!ref.startsWith("#/")) {
        throw new AssertionError("only local references are supported: " + ref);
      }
      n = doc.at(ref.substring(1));
      if (n.isMissingNode()) {
        throw new AssertionError("docs/api.yaml: dangling reference " + ref);
      }
    }
    return n;
  }

  private static String query(URI uri, String name) {
    String q = uri.getRawQuery();
    if (q == null) {
      return null;
    }
    for (String part : q.split("&")) {
      String[] kv = part.split("=", 2);
      if (URLDecoder.decode(kv[0], StandardCharsets.UTF_8).equals(name)) {
        return kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
      }
    }
    return null;
  }

  private static List<String> names(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  private static void fail(String where, String why) {
    throw new AssertionError("HTTP contract (docs/api.yaml) broken: " + where + ": " + why);
  }
}
