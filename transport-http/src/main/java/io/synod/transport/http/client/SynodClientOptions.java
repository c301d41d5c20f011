package io.synod.transport.http.client;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Immutable settings of a {@link SynodClient}. Build with {@link #builder()}, take the defaults
 * with {@link #create()}, or copy and change with {@link #mutate()}.
 *
 * <p>Retries: one call is sent at most {@link #maxAttempts()} times in all, counting redirects
 * and failovers to the next endpoint. After every endpoint of the list has been tried once in a
 * round, the client waits {@link #retryBackoff()} (doubling per round up to {@link
 * #retryBackoffMax()}) before the next round, so a cluster electing a leader or moving a topic
 * gets time to settle. Which calls are retried after an unknown outcome is documented on {@link
 * SynodClient}.
 */
public final class SynodClientOptions {
  /** Default endpoint when none is given: a node on this machine's default port. */
  public static final URI DEFAULT_ENDPOINT = URI.create("http://localhost:8001");
  /** Default connect timeout. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /** Default time from sending a request to its complete answer (waits are added to it). */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Default bound on sends of one call, redirects and failovers included. */
  public static final int DEFAULT_MAX_ATTEMPTS = 16;
  /** Default pause after a round over every endpoint failed. */
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
  /** Default largest pause between rounds. */
  public static final Duration DEFAULT_RETRY_BACKOFF_MAX = Duration.ofSeconds(2);
  /** Default bound on open keep-alive connections per endpoint. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT = 8;

  private final List<URI> endpoints;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final int maxAttempts;
  private final Duration retryBackoff;
  private final Duration retryBackoffMax;
  private final int maxConnectionsPerEndpoint;
  private final String apiKey;
  private final java.nio.file.Path tlsTrustedCa;
  private final java.nio.file.Path tlsCertChain;
  private final java.nio.file.Path tlsKey;

  private SynodClientOptions(Builder b) {
    this.endpoints = List.copyOf(b.endpoints.isEmpty() ? List.of(DEFAULT_ENDPOINT) : b.endpoints);
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.maxAttempts = b.maxAttempts;
    this.retryBackoff = b.retryBackoff;
    this.retryBackoffMax = b.retryBackoffMax;
    this.maxConnectionsPerEndpoint = b.maxConnectionsPerEndpoint;
    this.apiKey = b.apiKey;
    this.tlsTrustedCa = b.tlsTrustedCa;
    this.tlsCertChain = b.tlsCertChain;
    this.tlsKey = b.tlsKey;
  }

  /**
   * The defaults (one endpoint, {@link #DEFAULT_ENDPOINT}).
   *
   * @return options with every {@code DEFAULT_*} value
   */
  public static SynodClientOptions create() {
    return builder().build();
  }

  /**
   * A builder pre-filled with the defaults and no endpoint.
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
    b.endpoints.addAll(endpoints);
    b.connectTimeout = connectTimeout;
    b.requestTimeout = requestTimeout;
    b.maxAttempts = maxAttempts;
    b.retryBackoff = retryBackoff;
    b.retryBackoffMax = retryBackoffMax;
    b.maxConnectionsPerEndpoint = maxConnectionsPerEndpoint;
    b.apiKey = apiKey;
    b.tlsTrustedCa = tlsTrustedCa;
    b.tlsCertChain = tlsCertChain;
    b.tlsKey = tlsKey;
    return b;
  }

  /** @return the nodes to talk to, in order of preference; never empty */
  public List<URI> endpoints() {
    return endpoints;
  }

  /** @return connect timeout */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** @return time from sending a request to its complete answer, before any wait is added */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** @return bound on sends of one call */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** @return first pause between rounds over the endpoints */
  public Duration retryBackoff() {
    return retryBackoff;
  }

  /** @return largest pause between rounds */
  public Duration retryBackoffMax() {
    return retryBackoffMax;
  }

  /** @return bound on open connections per endpoint */
  public int maxConnectionsPerEndpoint() {
    return maxConnectionsPerEndpoint;
  }

  /** @return the API key sent as {@code Authorization: Bearer}, or null for none */
  public String apiKey() {
    return apiKey;
  }

  /**
   * Tells whether the client speaks TLS: when an endpoint is {@code https://} or a TLS setting
   * was given.
   *
   * @return true for TLS
   */
  public boolean tls() {
    return tlsTrustedCa != null || tlsCertChain != null
        || endpoints.stream().anyMatch(u -> "https".equalsIgnoreCase(u.getScheme()));
  }

  /** @return PEM CA certificates the nodes' certificates must chain to, or null for the JDK's */
  public java.nio.file.Path tlsTrustedCa() {
    return tlsTrustedCa;
  }

  /** @return PEM certificate chain presented to the nodes (mutual TLS), or null */
  public java.nio.file.Path tlsCertChain() {
    return tlsCertChain;
  }

  /** @return PEM PKCS#8 key of {@link #tlsCertChain()}, or null */
  public java.nio.file.Path tlsKey() {
    return tlsKey;
  }

  @Override
  public String toString() {
    return "SynodClientOptions[endpoints=" + endpoints + ", requestTimeout=" + requestTimeout
        + ", maxAttempts=" + maxAttempts + "]";
  }

  /** Mutable builder; see the getters of {@link SynodClientOptions} for each meaning. */
  public static final class Builder {
    private final List<URI> endpoints = new ArrayList<>();
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
    private Duration retryBackoffMax = DEFAULT_RETRY_BACKOFF_MAX;
    private int maxConnectionsPerEndpoint = DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT;
    private String apiKey;
    private java.nio.file.Path tlsTrustedCa;
    private java.nio.file.Path tlsCertChain;
    private java.nio.file.Path tlsKey;

    private Builder() {}

    /**
     * Speaks TLS and trusts the nodes' certificates when they chain to these CA certificates
     * (instead of the JDK's trust store). Endpoints should then be {@code https://}.
     *
     * @param caPem PEM file of CA certificates
     * @return this builder
     */
    public Builder trustedCertificates(java.nio.file.Path caPem) {
      this.tlsTrustedCa = java.util.Objects.requireNonNull(caPem, "caPem");
      return this;
    }

    /**
     * Presents a client certificate to nodes that require one (mutual TLS).
     *
     * @param certChainPem PEM certificate chain, the client's own first
     * @param keyPem its PEM PKCS#8 private key
     * @return this builder
     */
    public Builder clientCertificate(java.nio.file.Path certChainPem, java.nio.file.Path keyPem) {
      this.tlsCertChain = java.util.Objects.requireNonNull(certChainPem, "certChainPem");
      this.tlsKey = java.util.Objects.requireNonNull(keyPem, "keyPem");
      return this;
    }

    /**
     * Sends an API key with every request ({@code Authorization: Bearer KEY}), for nodes that
     * have {@code API_KEYS} configured.
     *
     * @param key the key, or null (the default) to send none
     * @return this builder
     */
    public Builder apiKey(String key) {
      if (key != null && (key.isBlank() || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
        throw new IllegalArgumentException("an API key must be printable ASCII without spaces");
      }
      this.apiKey = key;
      return this;
    }

    /**
     * Replaces the endpoint list.
     *
     * @param uris {@code http://host:port} base URIs, at least one
     * @return this builder
     * @throws IllegalArgumentException when a URI is not {@code http://host:port}
     */
    public Builder endpoints(List<URI> uris) {
      Objects.requireNonNull(uris, "uris");
      if (uris.isEmpty()) {
        throw new IllegalArgumentException("at least one endpoint is needed");
      }
      List<URI> checked = new ArrayList<>();
      for (URI u : uris) {
        checked.add(checkEndpoint(u));
      }
      endpoints.clear();
      endpoints.addAll(checked);
      return this;
    }

    /**
     * Replaces the endpoint list.
     *
     * @param uris {@code http://host:port} base URIs, at least one
     * @return this builder
     */
    public Builder endpoints(URI... uris) {
      return endpoints(List.of(uris));
    }

    /**
     * Adds one endpoint at the end of the list.
     *
     * @param uri an {@code http://host:port} base URI
     * @return this builder
     */
    public Builder endpoint(URI uri) {
      endpoints.add(checkEndpoint(uri));
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
     * @param timeout time from sending to the complete answer, positive
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * @param count bound on sends of one call, at least 1 (1 disables every retry)
     * @return this builder
     */
    public Builder maxAttempts(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1");
      }
      this.maxAttempts = count;
      return this;
    }

    /**
     * @param initial first pause between rounds, positive
     * @param max largest pause, at least {@code initial}
     * @return this builder
     */
    public Builder retryBackoff(Duration initial, Duration max) {
      positive(initial, "retryBackoff");
      positive(max, "retryBackoffMax");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("retryBackoffMax is below retryBackoff");
      }
      this.retryBackoff = initial;
      this.retryBackoffMax = max;
      return this;
    }

    /**
     * @param count bound on open connections per endpoint, positive
     * @return this builder
     */
    public Builder maxConnectionsPerEndpoint(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("maxConnectionsPerEndpoint must be positive");
      }
      this.maxConnectionsPerEndpoint = count;
      return this;
    }

    /**
     * Builds the options; with no endpoint given, {@link #DEFAULT_ENDPOINT}.
     *
     * @return the options
     */
    public SynodClientOptions build() {
      return new SynodClientOptions(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }

    static URI checkEndpoint(URI u) {
      Objects.requireNonNull(u, "endpoint");
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
        throw new IllegalArgumentException(
            "an endpoint must look like http://host:port or https://host:port: " + u);
      }
      return URI.create(scheme + "://" + u.getRawAuthority());
    }
  }
}
