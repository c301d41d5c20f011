package io.synod.cache.protocol;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheStats;
import io.synod.cache.CacheValue;
import io.synod.cache.spi.Clock;
import io.synod.cache.spi.HomeLocator;
import java.util.Map;
import java.util.TreeSet;

/**
 * One node's coherence core: its {@link CacheController} (lines) and its {@link HomeDirectory}
 * (the keys it is home for), driven by local operations, messages and memory completions, with
 * all outputs going through {@link ProtocolEffects}.
 *
 * <p>Not thread-safe: callers must confine an instance to one thread (the runtime's core thread
 * or the simulator). Deterministic: the same inputs produce the same outputs.
 */
public final class ProtocolNode {
  private final String id;
  private final StatsCounter stats = new StatsCounter();
  private final CacheController cache;
  private final HomeDirectory directory;

  /**
   * Creates a node core.
   *
   * @param id this node's id
   * @param config the configuration
   * @param homes names each key's home
   * @param clock time for latency figures
   * @param effects where outputs go
   */
  public ProtocolNode(String id, CacheConfig config, HomeLocator homes, Clock clock,
      ProtocolEffects effects) {
    this(id, config, homes, clock, effects, FaultHooks.NONE);
  }

  /**
   * Creates a node core with test-only broken rules (the simulator's checks of its checkers).
   *
   * @param id this node's id
   * @param config the configuration
   * @param homes names each key's home
   * @param clock time for leases, resends and latency figures
   * @param effects where outputs go
   * @param hooks the broken rules, {@link FaultHooks#NONE} for none
   */
  public ProtocolNode(String id, CacheConfig config, HomeLocator homes, Clock clock,
      ProtocolEffects effects, FaultHooks hooks) {
    this.id = id;
    this.cache = new CacheController(id, config, homes, clock, effects, stats, hooks);
    this.directory = new HomeDirectory(id, config, clock, effects, stats, hooks);
  }

  /**
   * Lets time pass: resends unanswered messages and gives up holders out of lease. Callers must
   * call it at least every {@link CacheConfig#retryNanos()}.
   */
  public void tick() {
    cache.tick();
    directory.tick();
  }

  /**
   * Returns this node's id.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * Submits a local operation; its outcome arrives through {@link ProtocolEffects#complete} or
   * {@link ProtocolEffects#fail}, possibly during this call.
   *
   * @param opId the caller's id for the operation
   * @param kind the operation
   * @param key the key
   * @param value the value of a WRITE, else null
   */
  public void submit(long opId, OpKind kind, String key, CacheValue value) {
    cache.submit(opId, kind, key, value);
  }

  /**
   * Handles a message addressed to this node.
   *
   * @param message the message
   */
  public void step(CacheMessage message) {
    if (message.type().toDirectory()) {
      directory.step(message);
    } else {
      cache.step(message);
    }
  }

  /**
   * Delivers a main-memory read result requested through {@link ProtocolEffects#memoryRead}.
   *
   * @param token the token
   * @param value the value (null when never written)
   * @param error non-null when the read failed
   */
  public void memoryReadDone(long token, CacheValue value, Throwable error) {
    directory.memoryReadDone(token, value, error);
  }

  /**
   * Delivers a main-memory write completion requested through {@link ProtocolEffects#memoryWrite}.
   *
   * @param token the token
   * @param error non-null when the write failed
   */
  public void memoryWriteDone(long token, Throwable error) {
    directory.memoryWriteDone(token, error);
  }

  /**
   * Tells this node that the membership declared {@code node} down (through the Raft log, never
   * because of one failed send): operations waiting on keys it is home of fail, and its copies
   * are given up once their leases are over.
   *
   * @param node the node
   */
  public void nodeDown(String node) {
    cache.nodeDown(node);
    directory.nodeDown(node);
  }

  /**
   * Tells this node that {@code node} is a member again (back from a pause or a partition, or
   * restarted: a restart shows in its messages' incarnation).
   *
   * @param node the node
   */
  public void nodeUp(String node) {
    cache.nodeUp(node);
    directory.nodeUp(node);
  }

  /**
   * Returns the state of this node's line for {@code key}.
   *
   * @param key the key
   * @return the state, I when absent
   */
  public LineState lineState(String key) {
    return cache.state(key);
  }

  /**
   * Whether this node would serve a local read of {@code key} now, without asking anyone (the
   * copy the checkers hold to the single-writer/multiple-reader invariant).
   *
   * @param key the key
   * @return true when a read would be a hit
   */
  public boolean canRead(String key) {
    return cache.canRead(key);
  }

  /**
   * Whether this node would apply a local write of {@code key} now without asking anyone.
   *
   * @param key the key
   * @return true when a write would be a hit
   */
  public boolean canWrite(String key) {
    return cache.canWrite(key);
  }

  /**
   * Returns the value held in this node's line for {@code key} (any state), or null.
   *
   * @param key the key
   * @return the value
   */
  public CacheValue lineValue(String key) {
    return cache.value(key);
  }

  /**
   * Returns the directory state of {@code key} if this node is its home.
   *
   * @param key the key
   * @return the state, I when there is no entry
   */
  public DirectoryState directoryState(String key) {
    return directory.state(key);
  }

  /**
   * Returns the sharers the directory records for {@code key}.
   *
   * @param key the key
   * @return a copy of the sharer set
   */
  public TreeSet<String> directorySharers(String key) {
    return directory.sharers(key);
  }

  /**
   * Returns the owner the directory records for {@code key}, or null.
   *
   * @param key the key
   * @return the owner
   */
  public String directoryOwner(String key) {
    return directory.owner(key);
  }

  /**
   * Returns a snapshot of the counters.
   *
   * @return the stats
   */
  public CacheStats stats() {
    Map<LineState, Integer> perState = cache.linesPerState();
    return new CacheStats(stats.hits, stats.misses, stats.invalidationsSent,
        stats.invalidationsReceived, stats.writeBacks, stats.evictions, stats.upgrades,
        stats.forwardedRequests, stats.messagesSent, perState, stats.latencyCount,
        stats.latencyTotalNanos, stats.latencyMaxNanos);
  }

  /**
   * Returns the keys whose line is in {@code state} here, in key order.
   *
   * @param state the state
   * @return the keys
   */
  public java.util.List<String> keysIn(LineState state) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (CacheController.Line line : cache.lines()) {
      if (line.state == state) {
        out.add(line.key);
      }
    }
    return out;
  }

  /**
   * Number of lines in the replacement policy (stable valid lines).
   *
   * @return the count
   */
  public int residentLines() {
    return cache.policySize();
  }
}
