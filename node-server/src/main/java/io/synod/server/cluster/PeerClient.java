package io.synod.server.cluster;

import io.synod.transport.http.HttpRequestView;
import io.synod.transport.http.HttpResponse;
import java.net.URI;
import io.synod.transport.http.ClientRequest;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpClientOptions;
import io.synod.transport.http.HttpClientPool;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls other nodes over HTTP/1.1 with pooled keep-alive connections (transport-http's Netty
 * {@link HttpClientPool}): forwards public requests to the node that must serve them, and sends
 * heartbeats. Never blocks the caller; every call has a timeout. An unreachable peer is logged
 * once per outage.
 *
 * <p>It used the JDK's {@code java.net.http.HttpClient} at first; that client capped forwarding
 * at about a fifth of what the leader serves directly (docs/PERFORMANCE.md), so forwarding now
 * shares the event loops and the client the Raft, queue and cache transports use.
 */
public final class PeerClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerClient.class);

  /** Header that marks a forwarded request with the forwarding node's id. */
  public static final String FORWARDED = "X-Synod-Forwarded-By";

  /** Shortest timeout of a forwarded request. */
  public static final Duration MIN_FORWARD_TIMEOUT = Duration.ofSeconds(10);

  /** Connections per peer at most: one per request in flight, as many as a busy node needs. */
  static final int MAX_CONNECTIONS_PER_PEER = 256;

  /** Client credentials a forwarded request keeps. */
  private static final java.util.List<String> FORWARDED_CREDENTIALS =
      java.util.List.of("Authorization", "X-API-Key", "X-Synod-Session-Token");

  private final String self;
  private final HttpClientPool http;
  private final Duration timeout;
  private final Map<String, Boolean> unreachable = new ConcurrentHashMap<>();

  /**
   * Creates the client.
   *
   * @param self this node's id (sent in {@link #FORWARDED})
   * @param timeout per-request timeout
   * @param loops the node's event loops (not closed by this client)
   */
  public PeerClient(String self, Duration timeout, EventLoops loops) {
    this(self, timeout, loops, o -> o);
  }

  /**
   * Creates the client with the node's peer security (cluster secret, TLS).
   *
   * @param self this node's id (sent in {@link #FORWARDED})
   * @param timeout per-request timeout
   * @param loops the node's event loops (not closed by this client)
   * @param security adds the peer security to the client options (see
   *     {@code NodeConfig.peerClientOptions})
   */
  public PeerClient(String self, Duration timeout, EventLoops loops,
      java.util.function.UnaryOperator<HttpClientOptions> security) {
    this.self = self;
    this.timeout = timeout;
    this.http = HttpClientPool.create(loops, security.apply(HttpClientOptions.builder()
        .maxConnectionsPerPeer(MAX_CONNECTIONS_PER_PEER)
        .maxPipelinedPerConnection(1)
        .maxPendingPerPeer(16_384)
        .connectTimeout(timeout)
        .requestTimeout(timeout)
        .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
        .build()));
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
    String ct = request.header("content-type");
    ClientRequest r = ClientRequest.of(request.method(), request.uri())
        .header(FORWARDED, self)
        .timeout(forwardTimeout(request.path()));
    // the owner checks the client's API key again, and the lock leader the session token, so
    // both travel with the request
    for (String h : FORWARDED_CREDENTIALS) {
      String v = request.header(h);
      if (v != null) {
        r = r.header(h, v);
      }
    }
    if (request.body().length > 0 || ct != null) {
      r = r.body(request.body(), ct == null ? HttpResponse.JSON : ct);
    }
    return send(peer, base, r);
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
    String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    ClientRequest r = ClientRequest.of("POST", target)
        .body(json, HttpResponse.JSON)
        .header(FORWARDED, self)
        .timeout(timeout);
    return send(peer, url, r);
  }

  private CompletableFuture<HttpResponse> send(String peer, URI base, ClientRequest req) {
    return http.send(base, req).toCompletableFuture()
        .handle(
            (r, err) -> {
              if (err != null) {
                if (unreachable.put(peer, Boolean.TRUE) == null) {
                  LOG.warn("peer {} at {} is unreachable: {}", peer, base, rootMessage(err));
                }
                throw new PeerUnreachableException(peer, rootMessage(err));
              }
              if (unreachable.remove(peer) != null) {
                LOG.info("peer {} is reachable again", peer);
              }
              // hop-by-hop and framing headers belong to this connection, not to the answer
              Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
              r.headers().forEach((k, v) -> {
                if (!k.equalsIgnoreCase("content-length") && !k.equalsIgnoreCase("connection")
                    && !k.equalsIgnoreCase("transfer-encoding")
                    && !k.equalsIgnoreCase("keep-alive")) {
                  headers.put(k.toLowerCase(java.util.Locale.ROOT), v);
                }
              });
              return HttpResponse.received(r.status(), headers, r.body());
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
    http.close();
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
