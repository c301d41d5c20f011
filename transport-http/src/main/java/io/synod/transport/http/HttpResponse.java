package io.synod.transport.http;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable HTTP response: status, headers, content type and body bytes. Used both by server
 * handlers (what to send) and by {@link HttpClientPool} (what came back).
 *
 * <p>Header names are case-insensitive; a header with several values holds them joined by {@code
 * ", "}. The body array is owned by the response: callers must not modify it.
 */
public final class HttpResponse {
  /** Content type of JSON bodies. */
  public static final String JSON = "application/json";
  /** Content type of plain-text bodies. */
  public static final String TEXT = "text/plain; charset=utf-8";
  /** Content type of binary bodies. */
  public static final String OCTET_STREAM = "application/octet-stream";

  private static final byte[] EMPTY = new byte[0];

  private final int status;
  private final Map<String, String> headers;
  private final byte[] body;
  private final String contentType;

  private HttpResponse(int status, Map<String, String> headers, byte[] body, String contentType) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("bad status " + status);
    }
    this.status = status;
    this.headers = headers;
    this.body = body == null ? EMPTY : body;
    this.contentType = contentType;
  }

  /**
   * Creates a response.
   *
   * @param status HTTP status
   * @param contentType content type, or null for none
   * @param body body bytes (not copied), or null for an empty body
   * @return the response
   */
  public static HttpResponse of(int status, String contentType, byte[] body) {
    return new HttpResponse(status, emptyHeaders(), body, contentType);
  }

  /**
   * Creates a response from received headers; used by the client.
   *
   * @param status HTTP status
   * @param headers headers (copied)
   * @param body body bytes (not copied)
   * @return the response
   */
  public static HttpResponse received(int status, Map<String, String> headers, byte[] body) {
    Map<String, String> copy = emptyHeaders();
    copy.putAll(headers);
    return new HttpResponse(status, Collections.unmodifiableMap(copy), body, copy.get("content-type"));
  }

  /**
   * A JSON response with the value serialized by {@link Json#write(Object)}.
   *
   * @param status HTTP status
   * @param value value to serialize (a Jackson tree, a record, a map...)
   * @return the response
   */
  public static HttpResponse json(int status, Object value) {
    return of(status, JSON, Json.write(value));
  }

  /**
   * A 200 JSON response.
   *
   * @param value value to serialize
   * @return the response
   */
  public static HttpResponse ok(Object value) {
    return json(200, value);
  }

  /**
   * A plain-text response.
   *
   * @param status HTTP status
   * @param text body text, sent as UTF-8
   * @return the response
   */
  public static HttpResponse text(int status, String text) {
    return of(status, TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A 204 with no body.
   *
   * @return the response
   */
  public static HttpResponse noContent() {
    return of(204, null, EMPTY);
  }

  /**
   * The standard error body {@code {"error": code, "detail": detail}}.
   *
   * @param status HTTP status
   * @param error machine-readable code
   * @param detail human-readable detail
   * @return the response
   */
  public static HttpResponse error(int status, String error, String detail) {
    Map<String, String> body = new java.util.LinkedHashMap<>();
    body.put("error", error);
    body.put("detail", detail == null ? "" : detail);
    return json(status, body);
  }

  /**
   * Returns a copy with one more header (replacing a header of the same name).
   *
   * @param name header name
   * @param value header value
   * @return a new response
   */
  public HttpResponse withHeader(String name, String value) {
    Map<String, String> copy = emptyHeaders();
    copy.putAll(headers);
    copy.put(name, value);
    return new HttpResponse(status, Collections.unmodifiableMap(copy), body, contentType);
  }

  /**
   * Returns the status code.
   *
   * @return the status
   */
  public int status() {
    return status;
  }

  /**
   * Returns the headers, case-insensitive, excluding nothing the peer sent.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> headers() {
    return Collections.unmodifiableMap(headers);
  }

  /**
   * Returns one header.
   *
   * @param name case-insensitive name
   * @return its value, or null
   */
  public String header(String name) {
    return headers.get(name);
  }

  /**
   * Returns the body bytes; callers must not modify them.
   *
   * @return the body, never null
   */
  public byte[] body() {
    return body;
  }

  /**
   * Returns the body decoded as UTF-8.
   *
   * @return the body text
   */
  public String bodyAsString() {
    return new String(body, StandardCharsets.UTF_8);
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
   * Tells whether the status is 2xx.
   *
   * @return true for 200..299
   */
  public boolean isSuccess() {
    return status >= 200 && status < 300;
  }

  @Override
  public String toString() {
    return "HttpResponse[" + status + ", " + contentType + ", " + body.length + " bytes]";
  }

  private static Map<String, String> emptyHeaders() {
    return new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  }
}
