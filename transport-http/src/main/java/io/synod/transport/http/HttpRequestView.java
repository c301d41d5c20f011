package io.synod.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fully received HTTP request as a handler sees it: method, path, path and query parameters,
 * headers, body bytes and the peer's address. Immutable; the body must not be modified.
 */
public final class HttpRequestView {
  private final String method;
  private final String uri;
  private final String path;
  private final Map<String, String> pathParams;
  private final Map<String, List<String>> queryParams;
  private final Map<String, String> headers;
  private final byte[] body;
  private final InetSocketAddress remoteAddress;

  /**
   * Creates a view.
   *
   * @param method upper-case method name
   * @param uri the raw request target (path and query)
   * @param path the decoded path
   * @param pathParams values bound to {@code {name}} segments of the route
   * @param queryParams decoded query parameters, in request order
   * @param headers headers; names are matched case-insensitively
   * @param body body bytes (not copied)
   * @param remoteAddress peer address, or null when unknown
   */
  public HttpRequestView(
      String method,
      String uri,
      String path,
      Map<String, String> pathParams,
      Map<String, List<String>> queryParams,
      Map<String, String> headers,
      byte[] body,
      InetSocketAddress remoteAddress) {
    this.method = method;
    this.uri = uri;
    this.path = path;
    this.pathParams = Collections.unmodifiableMap(pathParams);
    this.queryParams = Collections.unmodifiableMap(queryParams);
    Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    h.putAll(headers);
    this.headers = Collections.unmodifiableMap(h);
    this.body = body == null ? new byte[0] : body;
    this.remoteAddress = remoteAddress;
  }

  /**
   * Returns a copy bound to the given path parameters; used by the router.
   *
   * @param params the parameters
   * @return a new view
   */
  HttpRequestView withPathParams(Map<String, String> params) {
    return new HttpRequestView(
        method, uri, path, params, queryParams, headers, body, remoteAddress);
  }

  /**
   * Returns the method.
   *
   * @return upper-case method name, e.g. {@code GET}
   */
  public String method() {
    return method;
  }

  /**
   * Returns the raw request target.
   *
   * @return path and query as sent
   */
  public String uri() {
    return uri;
  }

  /**
   * Returns the decoded path without the query.
   *
   * @return the path
   */
  public String path() {
    return path;
  }

  /**
   * Returns the path parameters bound by the route pattern.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> pathParams() {
    return pathParams;
  }

  /**
   * Returns one path parameter.
   *
   * @param name parameter name as written in the route, without braces
   * @return its value, or null
   */
  public String pathParam(String name) {
    return pathParams.get(name);
  }

  /**
   * Returns all query parameters.
   *
   * @return an unmodifiable map from name to values in request order
   */
  public Map<String, List<String>> queryParams() {
    return queryParams;
  }

  /**
   * Returns the first value of a query parameter.
   *
   * @param name the parameter name
   * @return its first value, or null when absent
   */
  public String queryParam(String name) {
    List<String> values = queryParams.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /**
   * Returns the headers.
   *
   * @return an unmodifiable, case-insensitive map
   */
  public Map<String, String> headers() {
    return headers;
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
   * @return the body, empty when none was sent
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
   * Parses the body as a JSON tree.
   *
   * @return the tree
   * @throws HttpError 400 when the body is empty or not valid JSON
   */
  public JsonNode json() {
    return Json.parse(body);
  }

  /**
   * Parses the body into a type.
   *
   * @param type the target type
   * @param <T> the target type
   * @return the value
   * @throws HttpError 400 when the body is malformed or does not fit the type
   */
  public <T> T json(Class<T> type) {
    return Json.parse(body, type);
  }

  /**
   * Returns the peer's address.
   *
   * @return the address, or null when unknown
   */
  public InetSocketAddress remoteAddress() {
    return remoteAddress;
  }

  @Override
  public String toString() {
    return method + " " + uri;
  }
}
