package io.synod.server.cluster;

import io.synod.transport.http.HttpRequestView;
import io.synod.transport.http.HttpResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls other nodes over HTTP/1.1 with pooled keep-alive connections (the JDK client): forwards
 * public requests to the node that must serve them, and sends heartbeats. Never blocks the
 * caller; every call has a timeout. An unreachable peer is logged once per outage.
 */
public final class PeerClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerClient.class);

  /** Header that marks a forwarded request with the forwarding node's id. */
  public static final String FORWARDED = "X-Synod-Forwarded-By";

  private final String self;
  private final HttpClient http;
  /** Shortest timeout of a forwarded request. */
  public static final Duration MIN_FORWARD_TIMEOUT = Duration.ofSeconds(10);

  private final Duration timeout;
  private final Map<String, Boolean> unreachable = new ConcurrentHashMap<>();

  /**
   * Creates the client.
   *
   * @param self this node's id (sent in {@link #FORWARDED})
   * @param timeout per-request timeout
   * @param executor runs response callbacks
   */
  public PeerClient(String self, Duration timeout, Executor executor) {
    this.self = self;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .executor(executor)
            .build();
  }

  /**
   * Forwards a request to another node and returns its answer as received.
   *
   * @param peer the target's id (for logs)
   * @param base the target's URL
   * @param request the request to forward
   * @return the target's response; completes exceptionally when it cannot be reached
   */
  public CompletableFuture<HttpResponse> forward(String peer, URI base, HttpRequestView request) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(request.uri()))
            .timeout(forwardTimeout(request.path()))
            .header(FORWARDED, self)
            .method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body()));
    String ct = request.header("content-type");
    if (ct != null) {
      b.header("Content-Type", ct);
    }
    return send(peer, b.build());
  }

  /**
   * Sends a JSON POST to another node.
   *
   * @param peer the target's id
   * @param url the full URL
   * @param json the body
   * @return the response
   */
  public CompletableFuture<HttpResponse> post(String peer, URI url, byte[] json) {
    HttpRequest req =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header(FORWARDED, self)
            .POST(HttpRequest.BodyPublishers.ofByteArray(json))
            .build();
    return send(peer, req);
  }

  private CompletableFuture<HttpResponse> send(String peer, HttpRequest req) {
    return http.sendAsync(req, java.net.http.HttpResponse.BodyHandlers.ofByteArray())
        .handle(
            (r, err) -> {
              if (err != null) {
                if (unreachable.put(peer, Boolean.TRUE) == null) {
                  LOG.warn("peer {} at {} is unreachable: {}", peer, req.uri(), rootMessage(err));
                }
                throw new PeerUnreachableException(peer, rootMessage(err));
              }
              if (unreachable.remove(peer) != null) {
                LOG.info("peer {} is reachable again", peer);
              }
              Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
              r.headers().map().forEach((k, v) -> {
                if (!v.isEmpty() && !k.equalsIgnoreCase("content-length")
                    && !k.equalsIgnoreCase("connection")) {
                  headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0));
                }
              });
              return HttpResponse.received(r.statusCode(), headers, r.body());
            });
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
  }

  /**
   * The timeout of a forwarded request: never below {@link #MIN_FORWARD_TIMEOUT} (a forwarded
   * write waits for a Raft commit or a replica, which a loaded machine may delay well past the
   * heartbeat timeout), plus the longest wait a long poll or a blocking acquire may ask for.
   */
  private Duration forwardTimeout(String path) {
    Duration base = timeout.compareTo(MIN_FORWARD_TIMEOUT) < 0 ? MIN_FORWARD_TIMEOUT : timeout;
    if (path.contains("consume")) {
      return base.plusSeconds(30);
    }
    if (path.endsWith("/acquire")) {
      return base.plusSeconds(300);
    }
    return base;
  }

  @Override
  public void close() {
    unreachable.clear();
  }

  /** A peer did not answer. */
  public static final class PeerUnreachableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates it.
     *
     * @param peer the peer
     * @param why the cause
     */
    public PeerUnreachableException(String peer, String why) {
      super("node " + peer + " is unreachable: " + why, null, false, false);
    }
  }
}
