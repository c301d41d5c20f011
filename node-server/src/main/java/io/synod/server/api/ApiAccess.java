package io.synod.server.api;

import io.synod.server.config.ApiKeys;
import io.synod.transport.http.ClusterAuth;
import io.synod.transport.http.HttpRequestView;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.RequestFilter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client access control in front of the router: with API keys configured, every public request
 * must present one ({@code Authorization: Bearer KEY} or {@code X-API-Key: KEY}) whose level
 * covers the request; with none configured every request passes, so the first system's clients
 * keep working unchanged.
 *
 * <p>Levels: {@code GET}/{@code HEAD} need {@link ApiKeys.Level#READ}; membership changes
 * ({@code /v1/cluster/members...}) need {@link ApiKeys.Level#ADMIN}; every other request needs
 * {@link ApiKeys.Level#WRITE}. {@code /health} and {@code /ready} stay open (probes of an
 * orchestrator carry no key), so does {@code GET /} (the status page: static HTML holding no data,
 * whose script asks for a key when a data route answers 401), and {@code /internal/...} is left to the cluster secret
 * ({@link ClusterAuth}). A missing or unknown key answers 401, a key of too low a level 403,
 * both with the JSON error shape and before anything is decoded.
 */
public final class ApiAccess implements RequestFilter {
  /** Header carrying a key, as an alternative to {@code Authorization: Bearer}. */
  public static final String KEY_HEADER = "X-API-Key";

  private final ApiKeys keys;
  private final AtomicLong unauthenticated = new AtomicLong();
  private final AtomicLong forbidden = new AtomicLong();

  /**
   * Creates the filter.
   *
   * @param keys the configured keys; empty lets everything through
   */
  public ApiAccess(ApiKeys keys) {
    this.keys = keys;
  }

  /**
   * The level a request needs.
   *
   * @param method the method
   * @param path the path
   * @return the level, or null when the route is open to everyone
   */
  static ApiKeys.Level required(String method, String path) {
    if (path.startsWith(ClusterAuth.INTERNAL_PREFIX) || path.equals("/health")
        || path.equals("/ready")) {
      return null;
    }
    if (path.equals("/") && (method.equals("GET") || method.equals("HEAD"))) {
      return null;
    }
    if (path.equals("/v1/cluster/members") || path.startsWith("/v1/cluster/members/")) {
      return method.equals("GET") || method.equals("HEAD")
          ? ApiKeys.Level.READ : ApiKeys.Level.ADMIN;
    }
    return method.equals("GET") || method.equals("HEAD")
        ? ApiKeys.Level.READ : ApiKeys.Level.WRITE;
  }

  /**
   * Extracts the presented key.
   *
   * @param request the request
   * @return the key, or null when none is presented
   */
  public static String presentedKey(HttpRequestView request) {
    String k = request.header(KEY_HEADER);
    if (k != null && !k.isBlank()) {
      return k.strip();
    }
    String auth = request.header("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.substring(7).strip();
    }
    return null;
  }

  @Override
  public HttpResponse check(HttpRequestView request) {
    if (keys.isEmpty()) {
      return null;
    }
    ApiKeys.Level needed = required(request.method(), request.path());
    if (needed == null) {
      return null;
    }
    String key = presentedKey(request);
    ApiKeys.Level level = keys.levelOf(key);
    if (level == null) {
      unauthenticated.incrementAndGet();
      return HttpResponse.error(401, "unauthorized",
          key == null ? "this node requires an API key (Authorization: Bearer KEY or X-API-Key)"
              : "unknown API key")
          .withHeader("WWW-Authenticate", "Bearer realm=\"synod\"");
    }
    if (level.compareTo(needed) < 0) {
      forbidden.incrementAndGet();
      return HttpResponse.error(403, "forbidden",
          "this key is " + level.name().toLowerCase(java.util.Locale.ROOT) + "; "
              + request.method() + " " + request.path() + " needs "
              + needed.name().toLowerCase(java.util.Locale.ROOT));
    }
    return null;
  }

  /** @return requests refused for a missing or unknown key */
  public long unauthenticatedCount() {
    return unauthenticated.get();
  }

  /** @return requests refused for a key of too low a level */
  public long forbiddenCount() {
    return forbidden.get();
  }
}
