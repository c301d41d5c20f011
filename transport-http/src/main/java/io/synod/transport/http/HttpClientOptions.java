package io.synod.transport.http;

import java.time.Duration;

/**
 * Immutable settings of an {@link HttpClientPool}. Build with {@link #builder()}, take the
 * defaults with {@link #create()}, or copy and change with {@link #mutate()}.
 */
public final class HttpClientOptions {
  /** Default bound on open connections per peer. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_PEER = 8;
  /** Default bound on requests written to one connection and not yet answered. */
  public static final int DEFAULT_MAX_PIPELINED_PER_CONNECTION = 1;
  /** Default bound on requests waiting for a connection, per peer. */
  public static final int DEFAULT_MAX_PENDING_PER_PEER = 4096;
  /** Default connect timeout. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /** Default time from submission to the complete response. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Default first reconnect delay after a failed connect. */
  public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofMillis(50);
  /** Default largest reconnect delay. */
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(5);
  /** Default largest accepted response body. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 64 << 20;
  /** Default idle time after which a pooled connection is closed. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final int maxConnectionsPerPeer;
  private final int maxPipelinedPerConnection;
  private final int maxPendingPerPeer;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Duration backoffInitial;
  private final Duration backoffMax;
  private final int maxResponseBytes;
  private final Duration idleTimeout;
  private final ClusterAuth clusterAuth;
  private final io.netty.handler.ssl.SslContext sslContext;

  private HttpClientOptions(Builder b) {
    this.maxConnectionsPerPeer = b.maxConnectionsPerPeer;
    this.maxPipelinedPerConnection = b.maxPipelinedPerConnection;
    this.maxPendingPerPeer = b.maxPendingPerPeer;
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.backoffInitial = b.backoffInitial;
    this.backoffMax = b.backoffMax;
    this.maxResponseBytes = b.maxResponseBytes;
    this.idleTimeout = b.idleTimeout;
    this.clusterAuth = b.clusterAuth;
    this.sslContext = b.sslContext;
  }

  /**
   * The defaults.
   *
   * @return options with every {@code DEFAULT_*} value
   */
  public static HttpClientOptions create() {
    return builder().build();
  }

  /**
   * A builder pre-filled with the defaults.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder pre-filled with these options.
   *
   * @return the builder
   */
  public Builder mutate() {
    Builder b = new Builder();
    b.maxConnectionsPerPeer = maxConnectionsPerPeer;
    b.maxPipelinedPerConnection = maxPipelinedPerConnection;
    b.maxPendingPerPeer = maxPendingPerPeer;
    b.connectTimeout = connectTimeout;
    b.requestTimeout = requestTimeout;
    b.backoffInitial = backoffInitial;
    b.backoffMax = backoffMax;
    b.maxResponseBytes = maxResponseBytes;
    b.idleTimeout = idleTimeout;
    b.clusterAuth = clusterAuth;
    b.sslContext = sslContext;
    return b;
  }

  /** @return the cluster secret requests are signed with, or null to send them unsigned */
  public ClusterAuth clusterAuth() {
    return clusterAuth;
  }

  /** @return the TLS client context every connection uses, or null for plain HTTP */
  public io.netty.handler.ssl.SslContext sslContext() {
    return sslContext;
  }

  /** @return bound on open connections per peer */
  public int maxConnectionsPerPeer() {
    return maxConnectionsPerPeer;
  }

  /** @return bound on unanswered requests per connection (1 means no pipelining) */
  public int maxPipelinedPerConnection() {
    return maxPipelinedPerConnection;
  }

  /** @return bound on requests waiting for a connection, per peer */
  public int maxPendingPerPeer() {
    return maxPendingPerPeer;
  }

  /** @return connect timeout */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** @return time from submission to complete response */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** @return first reconnect delay */
  public Duration backoffInitial() {
    return backoffInitial;
  }

  /** @return largest reconnect delay */
  public Duration backoffMax() {
    return backoffMax;
  }

  /** @return largest accepted response body */
  public int maxResponseBytes() {
    return maxResponseBytes;
  }

  /** @return idle time before a pooled connection is closed */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** Mutable builder; see the getters of {@link HttpClientOptions} for each meaning. */
  public static final class Builder {
    private int maxConnectionsPerPeer = DEFAULT_MAX_CONNECTIONS_PER_PEER;
    private int maxPipelinedPerConnection = DEFAULT_MAX_PIPELINED_PER_CONNECTION;
    private int maxPendingPerPeer = DEFAULT_MAX_PENDING_PER_PEER;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration backoffInitial = DEFAULT_BACKOFF_INITIAL;
    private Duration backoffMax = DEFAULT_BACKOFF_MAX;
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private ClusterAuth clusterAuth;
    private io.netty.handler.ssl.SslContext sslContext;

    private Builder() {}

    /**
     * @param count bound on open connections per peer, positive
     * @return this builder
     */
    public Builder maxConnectionsPerPeer(int count) {
      this.maxConnectionsPerPeer = positive(count, "maxConnectionsPerPeer");
      return this;
    }

    /**
     * @param count bound on unanswered requests per connection, positive (1 = no pipelining)
     * @return this builder
     */
    public Builder maxPipelinedPerConnection(int count) {
      this.maxPipelinedPerConnection = positive(count, "maxPipelinedPerConnection");
      return this;
    }

    /**
     * @param count bound on requests waiting for a connection, per peer, positive
     * @return this builder
     */
    public Builder maxPendingPerPeer(int count) {
      this.maxPendingPerPeer = positive(count, "maxPendingPerPeer");
      return this;
    }

    /**
     * @param timeout connect timeout, positive
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * @param timeout time from submission to complete response, positive
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * @param initial first reconnect delay, positive
     * @param max largest reconnect delay, at least {@code initial}
     * @return this builder
     */
    public Builder backoff(Duration initial, Duration max) {
      positive(initial, "backoff initial");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("backoff max below initial");
      }
      this.backoffInitial = initial;
      this.backoffMax = max;
      return this;
    }

    /**
     * @param bytes largest accepted response body, positive
     * @return this builder
     */
    public Builder maxResponseBytes(int bytes) {
      this.maxResponseBytes = positive(bytes, "maxResponseBytes");
      return this;
    }

    /**
     * @param timeout idle time before a pooled connection is closed, positive
     * @return this builder
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout, "idleTimeout");
      return this;
    }

    /**
     * Signs every request with the cluster secret ({@link ClusterAuth}); each connection signs
     * its requests as one stream, at the moment it writes them, so a request resent on another
     * connection carries a fresh nonce.
     *
     * @param auth the authenticator, or null (the default) to send requests unsigned
     * @return this builder
     */
    public Builder clusterAuth(ClusterAuth auth) {
      this.clusterAuth = auth;
      return this;
    }

    /**
     * Speaks HTTPS: every connection starts with a TLS handshake that checks the peer's
     * certificate and host name (see {@link Tls#client}).
     *
     * @param context a client context, or null (the default) for plain HTTP
     * @return this builder
     */
    public Builder sslContext(io.netty.handler.ssl.SslContext context) {
      if (context != null && !context.isClient()) {
        throw new IllegalArgumentException("a client needs a client SslContext");
      }
      this.sslContext = context;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public HttpClientOptions build() {
      return new HttpClientOptions(this);
    }

    private static int positive(int v, String name) {
      if (v <= 0) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return v;
    }

    private static Duration positive(Duration d, String name) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }
  }
}
