package io.synod.transport.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Netty HTTP/1.1 server dispatching to a {@link Router}.
 *
 * <p>Every accepted socket has TCP_NODELAY; the listening socket has SO_REUSEADDR. Connections are
 * kept alive (HTTP/1.1 default, HTTP/1.0 on request) and may pipeline: responses always leave in
 * request order even when handlers complete out of order, and a connection stops being read while
 * {@link Builder#maxPipelinedRequests(int)} of its requests are in flight. Bodies are aggregated
 * up to {@link Builder#maxBodyBytes(int)} (1 MiB by default); a larger body answers 413.
 * Malformed requests answer 400, unknown routes 404, wrong methods 405, handler failures 500,
 * always with the JSON body {@code {"error": "...", "detail": "..."}}.
 *
 * <p>Usage: {@code HttpServer.builder(router).port(0).build().start()}, then {@link #port()}.
 * {@link #closeAsync(Duration)} stops accepting, lets in-flight requests finish within the
 * timeout and then closes every connection.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

  /** Default maximum request body: 1 MiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
  /** Default bound on requests in flight per connection before reading pauses. */
  public static final int DEFAULT_MAX_PIPELINED_REQUESTS = 64;
  /** Default idle time after which a connection with nothing in flight is closed. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
  /** Default maximum body of a request to {@code /internal/...}: 16 MiB (Raft batches, snapshots). */
  public static final int DEFAULT_MAX_INTERNAL_BODY_BYTES = 16 << 20;
  /** Default maximum request line (method, target, version): 8 KiB; longer answers 414. */
  public static final int DEFAULT_MAX_URL_BYTES = 8 << 10;
  /** Default maximum size of all headers together: 16 KiB; more answers 431. */
  public static final int DEFAULT_MAX_HEADER_BYTES = 16 << 10;
  /** Default maximum number of header lines; more answers 431. */
  public static final int DEFAULT_MAX_HEADER_COUNT = 100;
  /**
   * Default time a client has to send one whole request, from its first byte read to its last;
   * slower answers 408 and the connection is closed (slowloris).
   */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** Default bound on requests in flight over all connections; more answers 429 at once. */
  public static final int DEFAULT_MAX_IN_FLIGHT_REQUESTS = 20_000;
  /** Default time {@link #close()} waits for in-flight requests. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final Router router;
  private final String host;
  private final int requestedPort;
  private final int maxBodyBytes;
  private final int maxInternalBodyBytes;
  private final int maxUrlBytes;
  private final int maxHeaderBytes;
  private final int maxHeaderCount;
  private final Duration requestTimeout;
  private final int maxInFlightRequests;
  private final int maxPipelinedRequests;
  private final Duration idleTimeout;
  private final java.util.List<RequestFilter> filters;
  private final io.netty.handler.ssl.SslContext sslContext;
  private final EventLoops loops;
  private final boolean ownsLoops;
  private final String name;
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private volatile boolean closing;
  private volatile Channel serverChannel;
  private volatile int boundPort = -1;
  private CompletableFuture<Void> closeFuture;

  private HttpServer(Builder b) {
    this.router = b.router;
    this.host = b.host;
    this.requestedPort = b.port;
    this.maxBodyBytes = b.maxBodyBytes;
    this.maxInternalBodyBytes = b.maxInternalBodyBytes;
    this.maxUrlBytes = b.maxUrlBytes;
    this.maxHeaderBytes = b.maxHeaderBytes;
    this.maxHeaderCount = b.maxHeaderCount;
    this.requestTimeout = b.requestTimeout;
    this.maxInFlightRequests = b.maxInFlightRequests;
    this.maxPipelinedRequests = b.maxPipelinedRequests;
    this.idleTimeout = b.idleTimeout;
    this.filters = java.util.List.copyOf(b.filters);
    this.sslContext = b.sslContext;
    this.name = b.name;
    if (b.loops != null) {
      this.loops = b.loops;
      this.ownsLoops = false;
    } else {
      this.loops = EventLoops.create(b.name);
      this.ownsLoops = true;
    }
  }

  /**
   * Starts a builder.
   *
   * @param router the routes to serve
   * @return a builder
   */
  public static Builder builder(Router router) {
    return new Builder(router);
  }

  /**
   * Binds the port and starts serving. Blocks until bound; must not be called on an event loop.
   *
   * @return this server
   * @throws IllegalStateException when binding fails or the server was already started
   */
  public synchronized HttpServer start() {
    if (serverChannel != null || closing) {
      throw new IllegalStateException("server already started or closed");
    }
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(loops.group())
            .channel(loops.serverChannelClass())
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    channels.add(ch);
                    ChannelPipeline p = ch.pipeline();
                    if (sslContext != null) {
                      io.netty.handler.ssl.SslHandler tls = sslContext.newHandler(ch.alloc());
                      // a handshake is bounded like a request (slowloris), and on a loaded
                      // machine may take longer than Netty's 10 s default
                      tls.setHandshakeTimeoutMillis(requestTimeout.toMillis());
                      p.addLast(tls);
                    }
                    p.addLast(
                        new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
                    p.addLast(new ServerHandlers.SlowRequestGuard(requestTimeout));
                    p.addLast(new HttpServerCodec(maxUrlBytes, maxHeaderBytes, 8192));
                    p.addLast(
                        new ServerHandlers.BodyAggregator(maxBodyBytes, maxInternalBodyBytes));
                    p.addLast(new ServerHandlers.Dispatch(HttpServer.this));
                  }
                });
    InetSocketAddress address =
        host == null ? new InetSocketAddress(requestedPort) : new InetSocketAddress(host, requestedPort);
    try {
      Channel ch = bootstrap.bind(address).syncUninterruptibly().channel();
      serverChannel = ch;
      boundPort = ((InetSocketAddress) ch.localAddress()).getPort();
    } catch (RuntimeException e) {
      if (ownsLoops) {
        loops.close();
      }
      throw new IllegalStateException("cannot bind " + address + ": " + e.getMessage(), e);
    }
    LOG.info(
        "HTTP server '{}' listening on {} ({}{}, max body {} bytes)",
        name,
        serverChannel.localAddress(),
        sslContext == null ? "" : "TLS, ",
        loops.isNative() ? "epoll" : "nio",
        maxBodyBytes);
    return this;
  }

  /**
   * Returns the bound port (useful after binding port 0).
   *
   * @return the port
   * @throws IllegalStateException before {@link #start()}
   */
  public int port() {
    if (boundPort < 0) {
      throw new IllegalStateException("not started");
    }
    return boundPort;
  }

  /**
   * Returns the bound address.
   *
   * @return the local address of the listening socket
   */
  public InetSocketAddress localAddress() {
    if (serverChannel == null) {
      throw new IllegalStateException("not started");
    }
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /**
   * Returns the router; routes may still be added while serving.
   *
   * @return the router
   */
  public Router router() {
    return router;
  }

  /**
   * Returns the event loops this server runs on.
   *
   * @return the loops
   */
  public EventLoops eventLoops() {
    return loops;
  }

  /**
   * Returns the number of requests received and not yet answered.
   *
   * @return the count
   */
  public int inFlightRequests() {
    return inFlight.get();
  }

  /**
   * Returns the number of open client connections.
   *
   * @return the count
   */
  public int openConnections() {
    return channels.size();
  }

  /**
   * Stops accepting, waits up to {@code timeout} for in-flight requests to be answered, then
   * closes every connection (and the event loops when this server created them). Idempotent.
   *
   * @param timeout how long in-flight requests may take
   * @return completes when everything is closed
   */
  public synchronized CompletionStage<Void> closeAsync(Duration timeout) {
    if (closeFuture != null) {
      return closeFuture;
    }
    closing = true;
    Channel ch = serverChannel;
    CompletableFuture<Void> unbound = new CompletableFuture<>();
    if (ch == null) {
      unbound.complete(null);
    } else {
      ch.close().addListener(f -> unbound.complete(null));
    }
    if (inFlight.get() == 0) {
      drained.complete(null);
    }
    closeFuture =
        unbound
            .thenCompose(v -> drained)
            .orTimeout(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)
            .handle(
                (v, err) -> {
                  if (err != null) {
                    LOG.warn(
                        "HTTP server '{}': {} requests still in flight after {}; closing anyway",
                        name,
                        inFlight.get(),
                        timeout);
                  }
                  return null;
                })
            .thenCompose(
                v -> {
                  CompletableFuture<Void> done = new CompletableFuture<>();
                  channels.close().addListener(f -> done.complete(null));
                  return done;
                })
            .thenRun(
                () -> {
                  if (ownsLoops) {
                    // Shut down from a non-loop thread: close() waits for the loops to stop.
                    new Thread(loops::close, name + "-shutdown").start();
                  }
                  LOG.info("HTTP server '{}' on port {} closed", name, boundPort);
                });
    return closeFuture;
  }

  /** Closes with {@link #DEFAULT_CLOSE_TIMEOUT}, blocking; must not be called on an event loop. */
  @Override
  public void close() {
    closeAsync(DEFAULT_CLOSE_TIMEOUT).toCompletableFuture().join();
  }

  boolean isClosing() {
    return closing;
  }

  Router routerForDispatch() {
    return router;
  }

  java.util.List<RequestFilter> filters() {
    return filters;
  }

  int maxPipelinedRequests() {
    return maxPipelinedRequests;
  }

  int maxHeaderCount() {
    return maxHeaderCount;
  }

  int maxBodyBytes() {
    return maxBodyBytes;
  }

  int maxInFlightRequests() {
    return maxInFlightRequests;
  }

  void requestStarted() {
    inFlight.incrementAndGet();
  }

  void requestFinished() {
    if (inFlight.decrementAndGet() == 0 && closing) {
      drained.complete(null);
    }
  }

  /** Server settings; every setter has a {@code DEFAULT_*} constant on {@link HttpServer}. */
  public static final class Builder {
    private final Router router;
    private String host;
    private int port;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private int maxInternalBodyBytes = DEFAULT_MAX_INTERNAL_BODY_BYTES;
    private int maxUrlBytes = DEFAULT_MAX_URL_BYTES;
    private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
    private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int maxInFlightRequests = DEFAULT_MAX_IN_FLIGHT_REQUESTS;
    private int maxPipelinedRequests = DEFAULT_MAX_PIPELINED_REQUESTS;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private final java.util.List<RequestFilter> filters = new java.util.ArrayList<>();
    private io.netty.handler.ssl.SslContext sslContext;
    private EventLoops loops;
    private String name = "synod-http";

    private Builder(Router router) {
      this.router = Objects.requireNonNull(router, "router");
    }

    /**
     * Sets the interface to bind; all interfaces when unset.
     *
     * @param host host name or address
     * @return this builder
     */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /**
     * Sets the port; 0 (the default) picks a free one, see {@link HttpServer#port()}.
     *
     * @param port the port
     * @return this builder
     */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Sets the largest accepted request body.
     *
     * @param bytes the limit, positive
     * @return this builder
     */
    public Builder maxBodyBytes(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxBodyBytes must be positive");
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * Sets the largest accepted body of a request to {@code /internal/...} (peer traffic: Raft
     * batches and snapshots, coherence batches).
     *
     * @param bytes the limit, positive
     * @return this builder
     */
    public Builder maxInternalBodyBytes(int bytes) {
      this.maxInternalBodyBytes = positive(bytes, "maxInternalBodyBytes");
      return this;
    }

    /**
     * Sets the longest accepted request line; longer answers 414 {@code uri_too_long}.
     *
     * @param bytes the limit, positive
     * @return this builder
     */
    public Builder maxUrlBytes(int bytes) {
      this.maxUrlBytes = positive(bytes, "maxUrlBytes");
      return this;
    }

    /**
     * Sets the largest accepted size of all headers; larger answers 431 {@code headers_too_large}.
     *
     * @param bytes the limit, positive
     * @return this builder
     */
    public Builder maxHeaderBytes(int bytes) {
      this.maxHeaderBytes = positive(bytes, "maxHeaderBytes");
      return this;
    }

    /**
     * Sets the most header lines a request may have; more answers 431 {@code too_many_headers}.
     *
     * @param count the limit, positive
     * @return this builder
     */
    public Builder maxHeaderCount(int count) {
      this.maxHeaderCount = positive(count, "maxHeaderCount");
      return this;
    }

    /**
     * Sets how long a client may take to send one request, from its first byte to its last;
     * slower answers 408 {@code request_timeout} and closes the connection.
     *
     * @param timeout the timeout, positive
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive");
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * Sets how many requests may be in flight over all connections; a request beyond answers
     * 429 {@code overloaded} without reaching a handler.
     *
     * @param count the bound, positive
     * @return this builder
     */
    public Builder maxInFlightRequests(int count) {
      this.maxInFlightRequests = positive(count, "maxInFlightRequests");
      return this;
    }

    private static int positive(int v, String name) {
      if (v <= 0) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return v;
    }

    /**
     * Sets how many requests of one connection may be in flight before reading pauses.
     *
     * @param count the bound, positive
     * @return this builder
     */
    public Builder maxPipelinedRequests(int count) {
      if (count <= 0) {
        throw new IllegalArgumentException("maxPipelinedRequests must be positive");
      }
      this.maxPipelinedRequests = count;
      return this;
    }

    /**
     * Sets the idle time after which a connection is closed.
     *
     * @param timeout the idle timeout, positive
     * @return this builder
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive");
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Adds a filter run on every request before routing (after those added before it); the
     * first filter that refuses answers, and the router never sees the request.
     *
     * @param filter the filter
     * @return this builder
     */
    public Builder filter(RequestFilter filter) {
      this.filters.add(Objects.requireNonNull(filter, "filter"));
      return this;
    }

    /**
     * Serves HTTPS: every connection starts with a TLS handshake (see {@link Tls#server}).
     *
     * @param context a server context, or null (the default) for plain HTTP
     * @return this builder
     */
    public Builder sslContext(io.netty.handler.ssl.SslContext context) {
      if (context != null && !context.isServer()) {
        throw new IllegalArgumentException("a server needs a server SslContext");
      }
      this.sslContext = context;
      return this;
    }

    /**
     * Shares existing event loops (for example with an {@link HttpClientPool}); the server then
     * does not close them.
     *
     * @param loops the loops
     * @return this builder
     */
    public Builder eventLoops(EventLoops loops) {
      this.loops = loops;
      return this;
    }

    /**
     * Names the server in logs and thread names.
     *
     * @param name the name
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Builds the server (not started).
     *
     * @return the server
     */
    public HttpServer build() {
      return new HttpServer(this);
    }
  }
}
