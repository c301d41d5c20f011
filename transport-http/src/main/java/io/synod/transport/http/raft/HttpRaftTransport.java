package io.synod.transport.http.raft;

import io.synod.raft.NodeId;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.message.RaftMessageCodec;
import io.synod.raft.spi.RaftTransport;
import io.synod.transport.http.BatchingSender;
import io.synod.transport.http.HttpClientOptions;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpError;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.RequestHandler;
import io.synod.transport.http.Router;
import java.io.IOException;
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
 * {@link RaftTransport} over HTTP: each peer gets a {@link BatchingSender} that POSTs batches of
 * messages, encoded with {@link RaftMessageCodec#encodeBatch(List)} as {@code
 * application/octet-stream}, to {@value #PATH}, pipelining up to {@link
 * Options#maxInFlightBatches()} batches on the connection the client pool keeps to that peer.
 *
 * <p>{@link #send} never blocks and never throws: messages beyond a peer's bounded outbox, for an
 * unknown peer, or in a batch that fails (peer down, timeout) are dropped and counted; Raft
 * resends by protocol. The pool logs one WARN when a peer becomes unreachable and one INFO when
 * it is back. Use a pool built with {@link #recommendedClientOptions()} (one connection per peer)
 * and not shared with request forwarding, so that Raft traffic never queues behind client
 * requests.
 *
 * <p>The receiving side is {@link #register(Router, Consumer)}: it decodes each batch and hands
 * every message, in order, to the local runtime's inbound consumer on the Netty event loop (so
 * that consumer must only enqueue).
 */
public final class HttpRaftTransport implements RaftTransport {
  private static final Logger LOG = LoggerFactory.getLogger(HttpRaftTransport.class);

  /** Route of inbound Raft batches. */
  public static final String PATH = "/internal/raft";

  private final HttpClientPool pool;
  private final Options options;
  private final ConcurrentMap<NodeId, BatchingSender<RaftMessage>> senders =
      new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong unknownPeerDrops = new AtomicLong();
  private volatile boolean closed;

  /**
   * Creates a transport.
   *
   * @param pool the client pool (not closed by this transport)
   * @param peers base URIs of the other members ({@code http://host:port}), keyed by node id
   * @param options batching bounds
   */
  public HttpRaftTransport(HttpClientPool pool, Map<NodeId, URI> peers, Options options) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.options = Objects.requireNonNull(options, "options");
    peers.forEach(this::addPeer);
  }

  /**
   * Client options suited to Raft traffic: one connection per peer, pipelining, short timeouts
   * and a fast reconnect.
   *
   * @return the options
   */
  public static HttpClientOptions recommendedClientOptions() {
    return HttpClientOptions.builder()
        .maxConnectionsPerPeer(1)
        .maxPipelinedPerConnection(Options.DEFAULT_MAX_IN_FLIGHT_BATCHES)
        .connectTimeout(Duration.ofSeconds(1))
        .requestTimeout(Duration.ofSeconds(5))
        .backoff(Duration.ofMillis(50), Duration.ofSeconds(2))
        .build();
  }

  /**
   * Adds (or replaces) a peer, for example after a membership change. Thread-safe.
   *
   * @param id the peer's node id
   * @param baseUri its {@code http://host:port}
   */
  public void addPeer(NodeId id, URI baseUri) {
    BatchingSender<RaftMessage> sender =
        new BatchingSender<>(
            pool,
            baseUri,
            PATH,
            HttpResponse.OCTET_STREAM,
            RaftMessageCodec::encodeBatch,
            options.maxBatchCount(),
            options.maxOutboxCount(),
            options.maxInFlightBatches(),
            options.batchTimeout(),
            (batch, cause) -> dropped.addAndGet(batch.size()));
    BatchingSender<RaftMessage> old = senders.put(id, sender);
    if (old != null) {
      old.close();
    }
  }

  /**
   * Removes a peer; messages still queued for it are dropped. Thread-safe.
   *
   * @param id the peer's node id
   */
  public void removePeer(NodeId id) {
    BatchingSender<RaftMessage> old = senders.remove(id);
    if (old != null) {
      old.close();
    }
  }

  @Override
  public void send(NodeId to, List<RaftMessage> batch) {
    if (closed || batch.isEmpty()) {
      return;
    }
    BatchingSender<RaftMessage> sender = senders.get(to);
    if (sender == null) {
      if (unknownPeerDrops.getAndIncrement() == 0) {
        LOG.warn("no address for Raft peer {}; dropping messages to it", to);
      }
      dropped.addAndGet(batch.size());
      return;
    }
    for (RaftMessage m : batch) {
      if (!sender.offer(m)) {
        dropped.incrementAndGet();
      }
    }
  }

  /**
   * Returns how many messages were dropped (outbox full, unknown peer, failed batch).
   *
   * @return the count
   */
  public long droppedMessages() {
    return dropped.get();
  }

  /**
   * Returns how many messages were handed to the network, per peer.
   *
   * @return peer to message count
   */
  public Map<NodeId, Long> sentMessages() {
    Map<NodeId, Long> out = new java.util.TreeMap<>();
    senders.forEach((id, s) -> out.put(id, s.counters()[1]));
    return out;
  }

  @Override
  public void close() {
    closed = true;
    senders.values().forEach(BatchingSender::close);
    senders.clear();
  }

  /**
   * Registers the inbound route {@value #PATH} on a router.
   *
   * @param router the node's router
   * @param inbound receives each decoded message in batch order on a Netty event loop; must not
   *     block (enqueue to the Raft thread, e.g. {@code RaftServer::receive})
   */
  public static void register(Router router, Consumer<RaftMessage> inbound) {
    router.post(PATH, handler(inbound));
  }

  /**
   * The inbound handler: decodes a batch, delivers its messages, answers 204; a body that does
   * not decode answers 400 and delivers nothing.
   *
   * @param inbound the consumer (see {@link #register})
   * @return the handler
   */
  public static RequestHandler handler(Consumer<RaftMessage> inbound) {
    return request -> {
      List<RaftMessage> messages;
      try {
        messages = RaftMessageCodec.decodeBatch(request.body());
      } catch (IOException | RuntimeException e) {
        throw new HttpError(400, "bad_raft_batch", "cannot decode Raft batch: " + e.getMessage());
      }
      for (RaftMessage m : messages) {
        inbound.accept(m);
      }
      return CompletableFuture.completedFuture(HttpResponse.noContent());
    };
  }

  /** Batching bounds of the transport. */
  public record Options(
      int maxBatchCount, int maxOutboxCount, int maxInFlightBatches, Duration batchTimeout) {
    /** Default largest number of messages per POST. */
    public static final int DEFAULT_MAX_BATCH_COUNT = 256;
    /** Default largest number of messages waiting per peer. */
    public static final int DEFAULT_MAX_OUTBOX_COUNT = 8192;
    /** Default largest number of unanswered POSTs per peer. */
    public static final int DEFAULT_MAX_IN_FLIGHT_BATCHES = 4;
    /** Default per-batch timeout. */
    public static final Duration DEFAULT_BATCH_TIMEOUT = Duration.ofSeconds(5);

    /** Validates the bounds. */
    public Options {
      if (maxBatchCount <= 0 || maxOutboxCount <= 0 || maxInFlightBatches <= 0) {
        throw new IllegalArgumentException("bounds must be positive");
      }
      Objects.requireNonNull(batchTimeout, "batchTimeout");
    }

    /**
     * The defaults.
     *
     * @return options with every {@code DEFAULT_*} value
     */
    public static Options create() {
      return new Options(
          DEFAULT_MAX_BATCH_COUNT,
          DEFAULT_MAX_OUTBOX_COUNT,
          DEFAULT_MAX_IN_FLIGHT_BATCHES,
          DEFAULT_BATCH_TIMEOUT);
    }
  }
}
