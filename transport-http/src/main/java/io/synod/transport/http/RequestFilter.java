package io.synod.transport.http;

/**
 * A check {@link HttpServer} runs on every request before routing it, in the order the filters
 * were added: authentication, access control, input bounds. A filter sees the aggregated request
 * (headers and raw body bytes) and nothing has decoded the body yet.
 *
 * <p>Filters run on a Netty event loop: they must not block, and must not throw (a filter that
 * throws answers 500).
 */
@FunctionalInterface
public interface RequestFilter {
  /**
   * Checks a request.
   *
   * @param request the request, path parameters not yet bound
   * @return null to let the request through, or the response that refuses it
   */
  HttpResponse check(HttpRequestView request);
}
