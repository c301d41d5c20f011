package io.synod.cache.runtime;

import io.synod.cache.CacheConfig;
import io.synod.cache.protocol.CacheMessage;
import io.synod.cache.spi.CacheTransport;
import io.synod.cache.spi.HomeLocator;
import io.synod.cache.spi.MainMemory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process cluster of {@link CacheNode}s over direct hand-off: a message is delivered by
 * queueing it on the receiving node's core thread. For tests and the embedding example; a real
 * deployment uses the HTTP transport.
 *
 * <p>{@link #crash} removes a node, drops its messages and tells every survivor (the membership
 * change the contract of {@link CacheTransport} asks for); starting it again brings it back empty.
 */
public final class InMemoryCacheNetwork implements AutoCloseable {
  private final Map<String, CacheNode> nodes = new ConcurrentSkipListMap<>();
  private final Map<String, Boolean> down = new ConcurrentHashMap<>();
  private final AtomicLong delivered = new AtomicLong();

  /**
   * Returns the transport of node {@code from}: messages go to the named node's core, and are
   * dropped when it is down or unknown.
   *
   * @param from the sending node
   * @return the transport
   */
  public CacheTransport transport(String from) {
    return (CacheMessage m) -> {
      if (down.containsKey(from)) {
        return; // a crashed node sends nothing
      }
      CacheNode to = nodes.get(m.to());
      if (to != null && !down.containsKey(m.to())) {
        delivered.incrementAndGet();
        to.receive(m);
      }
    };
  }

  /**
   * Starts a node on this network (or restarts a crashed one, empty).
   *
   * @param id the node id
   * @param config its configuration
   * @param homes names each key's home
   * @param memory the shared main memory
   * @param timeout operation timeout
   * @return the node
   */
  public CacheNode start(String id, CacheConfig config, HomeLocator homes, MainMemory memory,
      Duration timeout) {
    return start(id, config, homes, memory, timeout, io.synod.cache.protocol.FaultHooks.NONE);
  }

  /** {@link #start} with test-only broken rules (this package's tests). */
  CacheNode start(String id, CacheConfig config, HomeLocator homes, MainMemory memory,
      Duration timeout, io.synod.cache.protocol.FaultHooks hooks) {
    CacheNode node = CacheNode.startWithHooks(id, config, homes, transport(id), memory, timeout,
        hooks);
    CacheNode old = nodes.put(id, node);
    if (old != null) {
      old.close();
    }
    down.remove(id);
    for (CacheNode other : peersOf(id)) {
      other.nodeUp(id);
    }
    return node;
  }

  /**
   * Crashes a node: it stops at once, loses its lines and messages, and the survivors learn it.
   *
   * @param id the node id
   */
  public void crash(String id) {
    down.put(id, Boolean.TRUE);
    CacheNode node = nodes.remove(id);
    if (node != null) {
      node.close();
    }
    for (CacheNode other : peersOf(id)) {
      other.nodeDown(id);
    }
  }

  /**
   * Returns a running node.
   *
   * @param id the node id
   * @return the node, or null when down
   */
  public CacheNode node(String id) {
    return nodes.get(id);
  }

  /**
   * Returns how many messages were handed over so far.
   *
   * @return the count
   */
  public long delivered() {
    return delivered.get();
  }

  private List<CacheNode> peersOf(String id) {
    List<CacheNode> out = new ArrayList<>();
    nodes.forEach((k, v) -> {
      if (!k.equals(id)) {
        out.add(v);
      }
    });
    return out;
  }

  @Override
  public void close() {
    nodes.values().forEach(CacheNode::close);
    nodes.clear();
  }
}
