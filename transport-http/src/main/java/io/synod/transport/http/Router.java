package io.synod.transport.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Maps (method, path) to a {@link RequestHandler}.
 *
 * <p>A path is matched segment by segment; a segment written {@code {name}} matches any one
 * non-empty segment and binds it as a path parameter; a last segment written {@code {name...}}
 * matches the rest of the path (one or more segments). Routes without parameters win over
 * routes with them; otherwise the first registered route wins. A path that matches no route
 * answers 404; a path that matches only under other methods answers 405 with an {@code Allow}
 * header. Routes may be added at any time; the router is thread-safe.
 */
public final class Router {
  private final List<Route> routes = new CopyOnWriteArrayList<>();

  /** Creates an empty router. */
  public Router() {}

  /**
   * Registers a handler.
   *
   * @param method HTTP method, case-insensitive
   * @param pattern path pattern beginning with {@code /}
   * @param handler the handler
   * @return this router
   * @throws IllegalArgumentException when the same method and pattern are already registered
   */
  public Router add(String method, String pattern, RequestHandler handler) {
    Route route = new Route(method.toUpperCase(Locale.ROOT), pattern, handler);
    for (Route r : routes) {
      if (r.method.equals(route.method) && r.pattern.equals(route.pattern)) {
        throw new IllegalArgumentException("duplicate route " + method + " " + pattern);
      }
    }
    routes.add(route);
    return this;
  }

  /**
   * Registers a GET handler.
   *
   * @param pattern path pattern
   * @param handler the handler
   * @return this router
   */
  public Router get(String pattern, RequestHandler handler) {
    return add("GET", pattern, handler);
  }

  /**
   * Registers a POST handler.
   *
   * @param pattern path pattern
   * @param handler the handler
   * @return this router
   */
  public Router post(String pattern, RequestHandler handler) {
    return add("POST", pattern, handler);
  }

  /**
   * Registers a PUT handler.
   *
   * @param pattern path pattern
   * @param handler the handler
   * @return this router
   */
  public Router put(String pattern, RequestHandler handler) {
    return add("PUT", pattern, handler);
  }

  /**
   * Registers a DELETE handler.
   *
   * @param pattern path pattern
   * @param handler the handler
   * @return this router
   */
  public Router delete(String pattern, RequestHandler handler) {
    return add("DELETE", pattern, handler);
  }

  /**
   * Lists the registered routes as {@code "METHOD pattern"} strings, in registration order.
   *
   * @return the routes
   */
  public List<String> routes() {
    List<String> out = new ArrayList<>();
    for (Route r : routes) {
      out.add(r.method + " " + r.pattern);
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * Routes a request and runs its handler. Never throws: every failure is turned into an error
   * response or an exceptionally completed stage carrying the cause.
   *
   * @param request the request
   * @return the handler's response stage
   */
  public CompletionStage<HttpResponse> dispatch(HttpRequestView request) {
    String[] segments = split(request.path());
    Route best = null;
    Map<String, String> bestParams = null;
    TreeSet<String> allowed = new TreeSet<>();
    for (Route r : routes) {
      Map<String, String> params = r.match(segments);
      if (params == null) {
        continue;
      }
      if (!r.method.equals(request.method())) {
        allowed.add(r.method);
        continue;
      }
      if (best == null || (best.hasParams && !r.hasParams)) {
        best = r;
        bestParams = params;
      }
    }
    if (best == null) {
      if (allowed.isEmpty()) {
        return CompletableFuture.completedFuture(
            HttpResponse.error(404, "not_found", "no route for " + request.path()));
      }
      return CompletableFuture.completedFuture(
          HttpResponse.error(
                  405,
                  "method_not_allowed",
                  request.method() + " is not allowed on " + request.path() + "; use " + allowed)
              .withHeader("Allow", String.join(", ", allowed)));
    }
    try {
      CompletionStage<HttpResponse> stage =
          best.handler.handle(bestParams.isEmpty() ? request : request.withPathParams(bestParams));
      if (stage == null) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("handler for " + best.pattern + " returned null"));
      }
      return stage;
    } catch (Exception | StackOverflowError e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static String[] split(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.isEmpty() || p.equals("/")) {
      return new String[0];
    }
    return (p.startsWith("/") ? p.substring(1) : p).split("/", -1);
  }

  private static final class Route {
    final String method;
    final String pattern;
    final RequestHandler handler;
    final String[] segments;
    final boolean hasParams;
    final boolean rest;

    Route(String method, String pattern, RequestHandler handler) {
      if (!pattern.startsWith("/")) {
        throw new IllegalArgumentException("pattern must start with '/': " + pattern);
      }
      this.method = method;
      this.pattern = pattern;
      this.handler = handler;
      this.segments = split(pattern);
      boolean params = false;
      boolean restSeen = false;
      for (int i = 0; i < segments.length; i++) {
        String s = segments[i];
        if (s.startsWith("{") && s.endsWith("}")) {
          params = true;
          if (s.endsWith("...}")) {
            if (i != segments.length - 1) {
              throw new IllegalArgumentException("{name...} must be last: " + pattern);
            }
            restSeen = true;
          }
        }
      }
      this.hasParams = params;
      this.rest = restSeen;
    }

    Map<String, String> match(String[] path) {
      if (rest ? path.length < segments.length : path.length != segments.length) {
        return null;
      }
      Map<String, String> params = Map.of();
      for (int i = 0; i < segments.length; i++) {
        String s = segments[i];
        if (s.startsWith("{") && s.endsWith("}")) {
          if (path[i].isEmpty()) {
            return null;
          }
          if (params.isEmpty()) {
            params = new LinkedHashMap<>();
          }
          if (rest && i == segments.length - 1) {
            String name = s.substring(1, s.length() - 4);
            params.put(name, String.join("/", java.util.Arrays.copyOfRange(path, i, path.length)));
          } else {
            params.put(s.substring(1, s.length() - 1), path[i]);
          }
        } else if (!s.equals(path[i])) {
          return null;
        }
      }
      return params;
    }
  }
}
