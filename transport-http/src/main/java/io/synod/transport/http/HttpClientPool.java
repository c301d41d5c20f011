package io.synod.transport.http;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An asynchronous HTTP/1.1 client keeping a bounded pool of reused keep-alive connections per
 * peer ({@code host:port}).
 *
 * <p>Every socket has TCP_NODELAY. Per peer at most {@link
 * HttpClientOptions#maxConnectionsPerPeer()} connections are opened, each carrying up to {@link
 * HttpClientOptions#maxPipelinedPerConnection()} unanswered requests (more than one means HTTP/1.1
 * pipelining); requests beyond that wait in a bounded queue, and beyond that bound fail at once
 * with {@link java.util.concurrent.RejectedExecutionException}. A request fails with {@link
 * java.util.concurrent.TimeoutException} when its response has not arrived within its timeout
 * (the connection it was written to is then closed, since later responses on it can no longer be
 * matched).
 *
 * <p>When a connect fails and the peer has no open connection, the peer is marked unreachable:
 * one WARN line is logged, requests to it fail fast with {@link PeerUnreachableException}, and the
 * pool reconnects in the background with exponential backoff ({@link
 * HttpClientOptions#backoffInitial()} doubling up to {@link HttpClientOptions#backoffMax()}). The
 * first successful connect logs one INFO line and requests flow again. A connection lost with
 * requests in flight fails them with {@link ConnectionLostException}, except idempotent requests,
 * which are sent once more on another connection.
 *
 * <p>All state of a peer lives on one event loop, so the pool takes no locks. Returned stages
 * complete on that event loop: dependent actions must not block. Thread-safe; {@link #send} may
 * be called from any thread and never blocks.
 */
public final class HttpClientPool implements AutoCloseable {
  private final EventLoops loops;
  private final boolean ownsLoops;
  private final HttpClientOptions options;
  private final ConcurrentMap<String, PeerPool> peers = new ConcurrentHashMap<>();
  private final AtomicLong connectionsOpened = new AtomicLong();
  private final List<PeerStateListener> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private HttpClientPool(EventLoops loops, boolean ownsLoops, HttpClientOptions options) {
    this.loops = loops;
    this.ownsLoops = ownsLoops;
    this.options = options;
  }

  /**
   * A pool with default options on its own event loops.
   *
   * @return the pool; the caller must close it
   */
  public static HttpClientPool create() {
    return create(HttpClientOptions.create());
  }

  /**
   * A pool on its own event loops.
   *
   * @param options the options
   * @return the pool; the caller must close it
   */
  public static HttpClientPool create(HttpClientOptions options) {
    return new HttpClientPool(EventLoops.create("synod-http-client"), true, options);
  }

  /**
   * A pool sharing existing event loops (for example the {@link HttpServer}'s); closing the pool
   * leaves them running.
   *
   * @param loops the loops
   * @param options the options
   * @return the pool; the caller must close it
   */
  public static HttpClientPool create(EventLoops loops, HttpClientOptions options) {
    return new HttpClientPool(loops, false, options);
  }

  /**
   * Sends a request to a peer. Never blocks and never throws: every failure completes the stage
   * exceptionally.
   *
   * @param host peer host name or address
   * @param port peer port
   * @param request the request
   * @return the response (any status); completes on an event loop
   */
  public CompletionStage<HttpResponse> send(String host, int port, ClientRequest request) {
    CompletableFuture<HttpResponse> future = new CompletableFuture<>();
    if (closed) {
      future.completeExceptionally(new IllegalStateException("client pool is closed"));
      return future;
    }
    PeerPool peer =
        peers.computeIfAbsent(
            host.toLowerCase(Locale.ROOT) + ":" + port,
            key -> new PeerPool(this, host, port, loops.group().next()));
    peer.submit(new PeerPool.Call(request, future));
    return future;
  }

  /**
   * Sends a request to the peer named by an {@code http://host:port} URI; any path in the URI is
   * ignored in favour of the request's target.
   *
   * @param peer the peer's base URI
   * @param request the request
   * @return the response
   */
  public CompletionStage<HttpResponse> send(URI peer, ClientRequest request) {
    boolean tls = options.sslContext() != null;
    if (peer.getScheme() != null && !(tls ? "https" : "http").equalsIgnoreCase(peer.getScheme())) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(tls
          ? "this pool speaks TLS; use https:// for " + peer
          : "this pool speaks plain HTTP (no TLS context); use http:// for " + peer));
    }
    if (peer.getHost() == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("peer URI has no host: " + peer));
    }
    String host = peer.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return send(host, peer.getPort() < 0 ? (tls ? 443 : 80) : peer.getPort(), request);
  }

  /**
   * Tells whether a peer is currently considered reachable (true until a connect fails).
   *
   * @param host peer host
   * @param port peer port
   * @return false while the peer is marked unreachable
   */
  public boolean isReachable(String host, int port) {
    PeerPool p = peers.get(host.toLowerCase(Locale.ROOT) + ":" + port);
    return p == null || p.reachableView();
  }

  /**
   * Adds a listener told of every reachability change of every peer.
   *
   * @param listener the listener; must not block
   */
  public void addPeerStateListener(PeerStateListener listener) {
    listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Returns the number of open connections to a peer.
   *
   * @param host peer host
   * @param port peer port
   * @return the count
   */
  public int openConnections(String host, int port) {
    PeerPool p = peers.get(host.toLowerCase(Locale.ROOT) + ":" + port);
    return p == null ? 0 : p.openView();
  }

  /**
   * Returns how many connections this pool has opened since it was created.
   *
   * @return the count
   */
  public long connectionsOpened() {
    return connectionsOpened.get();
  }

  /**
   * Returns the options.
   *
   * @return the options
   */
  public HttpClientOptions options() {
    return options;
  }

  /**
   * Returns the event loops.
   *
   * @return the loops
   */
  public EventLoops eventLoops() {
    return loops;
  }

  /**
   * Fails pending requests, closes every connection and, when the pool created its own event
   * loops, shuts them down. Blocks briefly; must not be called on an event loop.
   */
  @Override
  public void close() {
    closed = true;
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (PeerPool p : peers.values()) {
      done.add(p.shutdown());
    }
    try {
      CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0]))
          .get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Closing anyway: the loops' shutdown closes whatever is left.
    }
    if (ownsLoops) {
      loops.close();
    }
  }

  boolean isClosed() {
    return closed;
  }

  void connectionOpened() {
    connectionsOpened.incrementAndGet();
  }

  void notifyUnreachable(String peer, Throwable cause) {
    for (PeerStateListener l : listeners) {
      try {
        l.peerUnreachable(peer, cause);
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(HttpClientPool.class)
            .warn("peer state listener failed", e);
      }
    }
  }

  void notifyReachable(String peer) {
    for (PeerStateListener l : listeners) {
      try {
        l.peerReachable(peer);
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(HttpClientPool.class)
            .warn("peer state listener failed", e);
      }
    }
  }
}
