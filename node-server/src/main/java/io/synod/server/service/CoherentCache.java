package io.synod.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.cache.CacheConfig;
import io.synod.cache.CacheStats;
import io.synod.cache.CacheValue;
import io.synod.cache.protocol.LineState;
import io.synod.cache.runtime.CacheNode;
import io.synod.cache.runtime.InMemoryMainMemory;
import io.synod.cache.spi.MainMemory;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.Json;
import io.synod.transport.http.Router;
import io.synod.transport.http.cache.HttpCacheTransport;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's MESI-coherent cache: a {@link CacheNode} (the mesi-cache runtime) over
 * {@link HttpCacheTransport} and a {@link MainMemory} (Redis or in memory), with each address's
 * home given by a supplied function (the node plugs in its hash ring). It keeps the method names
 * of the former CacheStore ({@code read}, {@code write}, {@code invalidate},
 * {@code flush}, {@code stats}) so the REST layer changes little; the protocol is asynchronous,
 * so the operations return {@link CompletionStage}s, and a read also reports the line's MESI
 * state.
 *
 * <p>Values are JSON documents, stored as their UTF-8 JSON text. Membership comes only from the
 * Raft log: call {@link #nodeDown} when the log no longer counts a peer (operations waiting on
 * its keys fail; its copies are given up once their leases ran out), {@link #nodeUp} when it
 * counts it again, and {@link #selfDown} while it does not count this node (every line is then
 * revalidated with its home before it is served again). A coherence batch that fails is only
 * counted: the protocol resends what is unanswered.
 */
public final class CoherentCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CoherentCache.class);

  /**
   * A read's outcome: hit or miss, the value ({@code null} when the address was never written;
   * a stored JSON null is a {@code NullNode}), line state.
   */
  public record Read(boolean hit, JsonNode value, String state) {}

  private final String nodeId;
  private final CacheConfig config;
  private final HttpCacheTransport transport;
  private final CacheNode node;
  /** Peers the membership declared down and not taken back yet. */
  private final java.util.Set<String> down = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private CoherentCache(String nodeId, CacheConfig config, Function<String, String> homeOf,
      HttpClientPool pool, Map<String, URI> peers, MainMemory memory, Duration timeout) {
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    this.config = Objects.requireNonNull(config, "config");
    Objects.requireNonNull(homeOf, "homeOf");
    this.transport = new HttpCacheTransport(pool, peers, this::peerUnreachable);
    // a restarted home asks every member what it holds before it serves an address
    CacheConfig withMembers = config;
    if (config.members().isEmpty()) {
      java.util.TreeSet<String> members = new java.util.TreeSet<>(peers.keySet());
      members.add(nodeId);
      withMembers = config.mutate().members(members).build();
    }
    this.node = CacheNode.start(nodeId, withMembers, homeOf::apply, transport, memory, timeout);
  }

  /**
   * Starts the cache of one node.
   *
   * @param nodeId this node's id
   * @param config capacity, replacement and write policy
   * @param homeOf names the home node of an address (the same answer on every node)
   * @param pool the HTTP client pool for coherence traffic (not closed by this object); build it
   *     with {@link HttpCacheTransport#recommendedClientOptions()}
   * @param peers base URIs of the other nodes, by id
   * @param memory main memory (Redis in production, {@link InMemoryMainMemory} embedded)
   * @param timeout how long an operation may wait for its replies
   * @return the running cache
   */
  public static CoherentCache start(String nodeId, CacheConfig config,
      Function<String, String> homeOf, HttpClientPool pool, Map<String, URI> peers,
      MainMemory memory, Duration timeout) {
    return new CoherentCache(nodeId, config, homeOf, pool, peers, memory, timeout);
  }

  /**
   * Adds the inbound coherence route ({@value HttpCacheTransport#PATH}) to the node's router.
   *
   * @param router the router
   */
  public void register(Router router) {
    HttpCacheTransport.register(router, node::receive);
  }

  /**
   * Hands an inbound coherence message to the runtime (what {@link #register} wires); never
   * blocks.
   *
   * @param message the message
   */
  public void receive(io.synod.cache.protocol.CacheMessage message) {
    node.receive(message);
  }

  /**
   * Reads an address.
   *
   * @param address the address
   * @return hit or miss, the value and the line state
   */
  public CompletionStage<Read> read(String address) {
    return node.read(address).thenApply(r -> new Read(r.hit(),
        r.value() == null ? null : Json.parse(r.value().toBytes()), r.state().name()));
  }

  /**
   * Writes an address; completes once this node holds the line Modified (and main memory has
   * the value under write-through).
   *
   * @param address the address
   * @param value the value
   * @return a stage completing when the write took effect
   */
  public CompletionStage<Void> write(String address, JsonNode value) {
    Objects.requireNonNull(value, "value");
    return node.write(address, CacheValue.of(Json.write(value))).thenApply(w -> null);
  }

  /**
   * Drops this node's line for an address, writing it back first when Modified.
   *
   * @param address the address
   * @return whether a line was dropped
   */
  public CompletionStage<Boolean> invalidate(String address) {
    return node.invalidate(address);
  }

  /**
   * Writes every Modified line back to main memory (dropping it).
   *
   * @return a stage completing when done
   */
  public CompletionStage<Void> flush() {
    return node.flush();
  }

  /**
   * Counters and per-state line counts, as of at most {@link CacheNode#STATS_REFRESH} ago; never
   * blocks. Keys of the former CacheStore stats are kept.
   *
   * @return the stats
   */
  public Map<String, Object> stats() {
    CacheStats s = node.lastStats();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("hits", s.hits());
    out.put("misses", s.misses());
    out.put("hit_ratio", s.hitRatio());
    out.put("write_backs", s.writeBacks());
    out.put("evictions", s.evictions());
    out.put("invalidations", s.invalidationsReceived());
    out.put("invalidations_sent", s.invalidationsSent());
    out.put("invalidations_received", s.invalidationsReceived());
    out.put("upgrades", s.upgrades());
    out.put("forwarded_requests", s.forwardedRequests());
    out.put("messages_sent", s.messagesSent());
    long lines = 0;
    Map<String, Long> states = new LinkedHashMap<>();
    for (Map.Entry<LineState, Integer> e : s.linesPerState().entrySet()) {
      if (e.getKey() != LineState.I) {
        states.put(e.getKey().name().toLowerCase(Locale.ROOT), (long) e.getValue());
        lines += e.getValue();
      }
    }
    out.put("lines", lines);
    out.put("capacity", config.capacity());
    out.put("lines_by_state", states);
    out.put("protocol_latency_mean_ms", s.protocolLatencyMeanNanos() / 1e6);
    out.put("protocol_latency_max_ms", s.protocolLatencyMaxNanos() / 1e6);
    out.put("policy", config.policy().name().toLowerCase(Locale.ROOT));
    out.put("write_policy", config.writePolicy().name().toLowerCase(Locale.ROOT));
    return out;
  }

  /**
   * The Raft log declared a peer down: operations waiting on addresses it is home of fail
   * (saying whether they may still apply), and the directories here give its copies up once
   * their leases ran out.
   *
   * @param peer the peer's id
   */
  public void nodeDown(String peer) {
    down.add(peer);
    node.nodeDown(peer);
  }

  /**
   * The Raft log declared this node down (it was paused or cut off): every copy it holds must be
   * revalidated with its home before it is served again. Callers may repeat it.
   */
  public void selfDown() {
    node.nodeDown(nodeId);
  }

  /**
   * A peer is up: when this cache had dropped it ({@link #nodeDown}), it is taken back at
   * {@code baseUri} (a restart shows in its messages' incarnation); otherwise nothing happens,
   * so callers may report every live peer on every heartbeat.
   *
   * @param peer the peer's id
   * @param baseUri its {@code http://host:port}
   */
  public void nodeUp(String peer, URI baseUri) {
    if (down.remove(peer)) {
      transport.addPeer(peer, baseUri);
      node.nodeUp(peer);
    }
  }

  private void peerUnreachable(String peer) {
    // not a membership signal: the protocol resends; only the Raft log declares a peer down
    LOG.debug("cache batch to {} failed; the protocol will resend", peer);
  }

  @Override
  public void close() {
    node.close();
    transport.close();
  }
}
