package io.synod.transport.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An immutable request for {@link HttpClientPool}: method, request target (path and query),
 * headers, body and an optional per-request timeout overriding the pool's.
 */
public final class ClientRequest {
  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  private final String method;
  private final String target;
  private final Map<String, String> headers;
  private final byte[] body;
  private final String contentType;
  private final Duration timeout;

  private ClientRequest(
      String method,
      String target,
      Map<String, String> headers,
      byte[] body,
      String contentType,
      Duration timeout) {
    if (!target.startsWith("/")) {
      throw new IllegalArgumentException("request target must start with '/': " + target);
    }
    this.method = method.toUpperCase(Locale.ROOT);
    this.target = target;
    this.headers = headers;
    this.body = body == null ? new byte[0] : body;
    this.contentType = contentType;
    this.timeout = timeout;
  }

  /**
   * A request with no body.
   *
   * @param method HTTP method
   * @param target path and query, beginning with {@code /}
   * @return the request
   */
  public static ClientRequest of(String method, String target) {
    return new ClientRequest(method, target, Map.of(), null, null, null);
  }

  /**
   * A GET request.
   *
   * @param target path and query
   * @return the request
   */
  public static ClientRequest get(String target) {
    return of("GET", target);
  }

  /**
   * A POST request with a JSON body serialized by {@link Json#write(Object)}.
   *
   * @param target path and query
   * @param value the body value
   * @return the request
   */
  public static ClientRequest postJson(String target, Object value) {
    return of("POST", target).body(Json.write(value), HttpResponse.JSON);
  }

  /**
   * Returns a copy with this body.
   *
   * @param bytes body bytes (not copied; must not be modified afterwards)
   * @param type content type
   * @return a new request
   */
  public ClientRequest body(byte[] bytes, String type) {
    return new ClientRequest(method, target, headers, bytes, type, timeout);
  }

  /**
   * Returns a copy with this UTF-8 text body.
   *
   * @param text body text
   * @param type content type
   * @return a new request
   */
  public ClientRequest body(String text, String type) {
    return body(text.getBytes(StandardCharsets.UTF_8), type);
  }

  /**
   * Returns a copy with one more header.
   *
   * @param name header name
   * @param value header value
   * @return a new request
   */
  public ClientRequest header(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new ClientRequest(
        method, target, Collections.unmodifiableMap(copy), body, contentType, timeout);
  }

  /**
   * Returns a copy with this timeout, measured from submission to the complete response.
   *
   * @param value the timeout, positive
   * @return a new request
   */
  public ClientRequest timeout(Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    return new ClientRequest(method, target, headers, body, contentType, value);
  }

  /**
   * Returns the method.
   *
   * @return upper-case method
   */
  public String method() {
    return method;
  }

  /**
   * Returns the request target.
   *
   * @return path and query
   */
  public String target() {
    return target;
  }

  /**
   * Returns the extra headers.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> headers() {
    return headers;
  }

  /**
   * Returns the body.
   *
   * @return the body, empty when none
   */
  public byte[] body() {
    return body;
  }

  /**
   * Returns the content type.
   *
   * @return the content type, or null
   */
  public String contentType() {
    return contentType;
  }

  /**
   * Returns the per-request timeout.
   *
   * @return the timeout, or null to use the pool's
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Tells whether the method is idempotent, so that a request lost with its connection may be
   * sent again.
   *
   * @return true for GET, HEAD, OPTIONS, PUT, DELETE, TRACE
   */
  public boolean isIdempotent() {
    return IDEMPOTENT.contains(method);
  }

  @Override
  public String toString() {
    return method + " " + target;
  }
}
