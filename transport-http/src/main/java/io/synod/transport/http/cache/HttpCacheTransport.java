package io.synod.transport.http.cache;

import io.synod.cache.protocol.CacheMessage;
import io.synod.cache.spi.CacheTransport;
import io.synod.transport.http.BatchingSender;
import io.synod.transport.http.HttpClientOptions;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpError;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.RequestHandler;
import io.synod.transport.http.Router;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CacheTransport} over HTTP: each peer gets a {@link BatchingSender} that POSTs batches of
 * coherence messages as a JSON array ({@link CacheJson}) to {@value #PATH}, pipelined on the
 * connections the client pool keeps to that peer.
 *
 * <p>{@link #send} never blocks and never throws. A batch that fails (timeout, reset connection,
 * full outbox, unknown peer) is dropped: the MESI protocol resends every unanswered request
 * with the same transaction id, and its home resends every unanswered Inv and Collect, so a lost
 * batch only delays. The {@code peerFailed} listener is told, for logs and metrics; it must
 * <b>not</b> be taken as the peer being down, which only the membership (the Raft log) decides.
 *
 * <p>The receiving side is {@link #register(Router, Consumer)}: each decoded message is handed,
 * in batch order, to the local runtime's {@code CacheNode::receive} on the Netty event loop (it
 * only enqueues).
 */
public final class HttpCacheTransport implements CacheTransport, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpCacheTransport.class);

  /** Route of inbound cache batches. */
  public static final String PATH = "/internal/cache";
  /** Default largest number of messages per POST. */
  public static final int DEFAULT_MAX_BATCH_COUNT = 256;
  /** Default largest number of messages waiting per peer. */
  public static final int DEFAULT_MAX_OUTBOX_COUNT = 65_536;
  /** Default largest number of unanswered POSTs per peer. */
  public static final int DEFAULT_MAX_IN_FLIGHT_BATCHES = 8;
  /** Default per-batch timeout. */
  public static final Duration DEFAULT_BATCH_TIMEOUT = Duration.ofSeconds(5);

  private final HttpClientPool pool;
  private final Consumer<String> peerFailed;
  private final ConcurrentMap<String, BatchingSender<CacheMessage>> senders =
      new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;

  /**
   * Creates a transport.
   *
   * @param pool the client pool (not closed by this transport)
   * @param peers base URIs ({@code http://host:port}) of the other nodes, keyed by node id
   * @param peerFailed told (on any thread, possibly repeatedly) of a peer a message could not
   *     reach, for logs and metrics only (not a membership signal); must not block
   */
  public HttpCacheTransport(HttpClientPool pool, Map<String, URI> peers,
      Consumer<String> peerFailed) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.peerFailed = Objects.requireNonNull(peerFailed, "peerFailed");
    peers.forEach(this::addPeer);
  }

  /**
   * Client options for coherence traffic: a few pipelined connections per peer, short timeouts.
   *
   * @return the options
   */
  public static HttpClientOptions recommendedClientOptions() {
    return HttpClientOptions.builder()
        .maxConnectionsPerPeer(2)
        .maxPipelinedPerConnection(DEFAULT_MAX_IN_FLIGHT_BATCHES)
        .connectTimeout(Duration.ofSeconds(1))
        .requestTimeout(DEFAULT_BATCH_TIMEOUT)
        .backoff(Duration.ofMillis(50), Duration.ofSeconds(2))
        .build();
  }

  /**
   * Adds or replaces a peer. Thread-safe. Adding a peer already known at the same address keeps
   * its sender (and the messages queued in it), so callers may repeat it.
   *
   * @param node the peer's id
   * @param baseUri its {@code http://host:port}
   */
  public void addPeer(String node, URI baseUri) {
    BatchingSender<CacheMessage> current = senders.get(node);
    if (current != null && current.peer().equals(baseUri)) {
      return;
    }
    BatchingSender<CacheMessage> sender = new BatchingSender<>(pool, baseUri, PATH,
        HttpResponse.JSON, CacheJson::encodeBatch, DEFAULT_MAX_BATCH_COUNT,
        DEFAULT_MAX_OUTBOX_COUNT, DEFAULT_MAX_IN_FLIGHT_BATCHES, DEFAULT_BATCH_TIMEOUT,
        (batch, cause) -> {
          dropped.addAndGet(batch.size());
          LOG.debug("cache batch of {} to {} failed: {}", batch.size(), node, cause.toString());
          peerFailed.accept(node);
        });
    BatchingSender<CacheMessage> old = senders.put(node, sender);
    if (old != null) {
      old.close();
    }
  }

  /**
   * Removes a peer; messages queued for it are dropped. Thread-safe.
   *
   * @param node the peer's id
   */
  public void removePeer(String node) {
    BatchingSender<CacheMessage> old = senders.remove(node);
    if (old != null) {
      old.close();
    }
  }

  @Override
  public void send(CacheMessage message) {
    if (closed) {
      return;
    }
    BatchingSender<CacheMessage> sender = senders.get(message.to());
    if (sender == null || !sender.offer(message)) {
      dropped.incrementAndGet();
      peerFailed.accept(message.to());
    }
  }

  /**
   * Returns how many messages were dropped (failed batch, full outbox, unknown peer).
   *
   * @return the count
   */
  public long droppedMessages() {
    return dropped.get();
  }

  @Override
  public void close() {
    closed = true;
    senders.values().forEach(BatchingSender::close);
    senders.clear();
  }

  /**
   * Registers {@code POST} {@value #PATH} on a router.
   *
   * @param router the node's router
   * @param inbound receives each message in batch order on a Netty event loop; must not block
   *     (e.g. {@code CacheNode::receive})
   */
  public static void register(Router router, Consumer<CacheMessage> inbound) {
    router.post(PATH, handler(inbound));
  }

  /**
   * The inbound handler: decodes a batch and delivers it, answering 204; a malformed batch
   * answers 400 and delivers nothing.
   *
   * @param inbound the consumer
   * @return the handler
   */
  public static RequestHandler handler(Consumer<CacheMessage> inbound) {
    return request -> {
      List<CacheMessage> batch;
      try {
        batch = CacheJson.decodeBatch(request.body());
      } catch (HttpError e) {
        throw e;
      } catch (RuntimeException e) {
        throw new HttpError(400, "invalid_body", "cannot decode cache batch: " + e.getMessage());
      }
      batch.forEach(inbound);
      return CompletableFuture.completedFuture(HttpResponse.noContent());
    };
  }
}
