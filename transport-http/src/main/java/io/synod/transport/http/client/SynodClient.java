package io.synod.transport.http.client;

import io.synod.transport.http.HttpClientOptions;
import io.synod.transport.http.HttpClientPool;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The asynchronous Java client of a Synod cluster's public HTTP API, grouped by service: {@link
 * #locks()}, {@link #queues()}, {@link #cache()}.
 *
 * <pre>{@code
 * try (SynodClient client = SynodClient.create(URI.create("http://node1:8001"),
 *     URI.create("http://node2:8002"))) {
 *   LockGrant g = client.locks().acquire("orders", "worker-1", LockMode.EXCLUSIVE,
 *       Duration.ofSeconds(5)).toCompletableFuture().join();
 *   // ... use g.fencingToken() with the guarded storage ...
 *   // the default lease puts the hold in a session the server opened for it: the grant keeps
 *   // that session's token, and releasing by the grant presents it
 *   client.locks().release(g).toCompletableFuture().join();
 * }
 * }</pre>
 *
 * <p>Any node serves any request (it forwards to the lock leader or the topic's or address's
 * owner). When a node cannot, the client goes elsewhere:
 *
 * <ul>
 *   <li><b>Redirects and refusals</b> (307/308 with {@code Location}, 421, 503 {@code not_owner},
 *       {@code no_lock_node}...): the node did nothing; the call goes to the node named by {@code
 *       Location} (or an {@code X-Synod-Leader} / {@code X-Synod-Owner} URL), else to the next
 *       endpoint. Every call, publish included, is resent in this case.
 *   <li><b>Connect failures</b>: the request was never sent; the next endpoint is tried, and the
 *       endpoint that answers becomes where later calls start.
 *   <li><b>Unknown outcomes</b> (connection lost or timed out after sending, a 5xx that is not a
 *       refusal): only idempotent calls are resent: cache reads, writes and invalidations, lock
 *       release by owner, session keep-alive and close, ack. Publish, consume, acquire and open
 *       session fail with {@link SynodException#outcomeUnknown()} set, since the server keeps no
 *       idempotency key for them and a resend could publish twice or count a lock twice.
 * </ul>
 *
 * <p>One call is sent at most {@link SynodClientOptions#maxAttempts()} times; after a whole round
 * over the endpoints it pauses ({@link SynodClientOptions#retryBackoff()}, doubling). Errors
 * surface as {@link SynodException} carrying the server's {@code {"error", "detail"}}.
 *
 * <p>Threads: the client uses {@link HttpClientPool}'s keep-alive connections and its Netty event
 * loops; returned stages complete on those threads, so dependent actions must not block (use the
 * {@code *Async} variants with an executor for blocking work). Thread-safe; methods never block.
 */
public final class SynodClient implements AutoCloseable {
  private final SynodClientOptions options;
  private final HttpClientPool pool;
  private final RequestExecutor exec;
  private final LockCommands locks;
  private final QueueCommands queues;
  private final CacheCommands cache;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();

  private SynodClient(SynodClientOptions options) {
    this.options = options;
    this.pool = HttpClientPool.create(HttpClientOptions.builder()
        .connectTimeout(options.connectTimeout())
        .requestTimeout(options.requestTimeout())
        .maxConnectionsPerPeer(options.maxConnectionsPerEndpoint())
        // reconnect probes stay short so a restarted node is used again soon
        .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
        .sslContext(options.tls() ? io.synod.transport.http.Tls.client(options.tlsTrustedCa(),
            options.tlsCertChain(), options.tlsKey()) : null)
        .build());
    this.exec = new RequestExecutor(pool, options);
    this.locks = new LockCommands(exec);
    this.queues = new QueueCommands(exec);
    this.cache = new CacheCommands(exec);
  }

  /**
   * A client of the nodes at these base URIs ({@code http://host:port}), tried in this order.
   *
   * @param endpoints at least one; none gives {@link SynodClientOptions#DEFAULT_ENDPOINT}
   * @return the client; the caller must close it
   */
  public static SynodClient create(URI... endpoints) {
    SynodClientOptions.Builder b = SynodClientOptions.builder();
    if (endpoints.length > 0) {
      b.endpoints(List.of(endpoints));
    }
    return create(b.build());
  }

  /**
   * A client with these options.
   *
   * @param options the options
   * @return the client; the caller must close it
   */
  public static SynodClient create(SynodClientOptions options) {
    return new SynodClient(java.util.Objects.requireNonNull(options, "options"));
  }

  /**
   * The lock service.
   *
   * @return the lock commands
   */
  public LockCommands locks() {
    return locks;
  }

  /**
   * The queue.
   *
   * @return the queue commands
   */
  public QueueCommands queues() {
    return queues;
  }

  /**
   * The cache.
   *
   * @return the cache commands
   */
  public CacheCommands cache() {
    return cache;
  }

  /**
   * The options the client was created with.
   *
   * @return the options
   */
  public SynodClientOptions options() {
    return options;
  }

  /**
   * The endpoint the next call starts at: the one that answered last.
   *
   * @return its base URI
   */
  public URI preferredEndpoint() {
    return exec.preferredEndpoint();
  }

  /**
   * Fails calls not yet answered, closes the connections and stops the client's threads. Blocks
   * briefly; must not be called from a stage's callback (use {@link #closeAsync()} there).
   * Calling it again does nothing.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      exec.close();
      try {
        pool.close();
      } finally {
        closedFuture.complete(null);
      }
    } else {
      closedFuture.join();
    }
  }

  /**
   * Closes the client on a thread of its own.
   *
   * @return completes when closed
   */
  public CompletionStage<Void> closeAsync() {
    if (closed.get()) {
      return closedFuture;
    }
    Thread t = new Thread(() -> {
      try {
        close();
      } catch (RuntimeException e) {
        closedFuture.completeExceptionally(e);
      }
    }, "synod-client-close");
    t.setDaemon(true);
    t.start();
    return closedFuture;
  }
}
