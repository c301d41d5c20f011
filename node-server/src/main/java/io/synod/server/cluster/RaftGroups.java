package io.synod.server.cluster;

import io.synod.raft.NodeId;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.spi.RaftTransport;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.Router;
import io.synod.transport.http.raft.HttpRaftTransport;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft groups of one node over one transport: every group's {@link RaftServer} sends through
 * the same {@link HttpRaftTransport} (one connection per peer, batches shared by all groups), and
 * the one inbound route {@value HttpRaftTransport#PATH} hands each message to the server of the
 * group id it carries. Group 0 is the lock table (and the member table); the queue's groups have
 * ids from {@link #QUEUE_GROUP_BASE}.
 *
 * <p>Storage of a group lives in {@code DATA_DIR/<node>/<group name>} ({@link #dataDir}); the
 * lock group keeps its historical {@code DATA_DIR/<node>} so existing data directories still
 * open.
 */
public final class RaftGroups implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftGroups.class);
  /** Group id of the first queue group. */
  public static final int QUEUE_GROUP_BASE = 100;

  private final NodeConfig config;
  private final Map<NodeId, URI> others = new TreeMap<>();
  private final HttpClientPool pool;
  private final HttpRaftTransport transport;
  private final ConcurrentMap<Integer, RaftServer> servers = new ConcurrentHashMap<>();
  private final AtomicLong unknownGroup = new AtomicLong();

  /**
   * Opens the transport and registers the inbound route.
   *
   * @param config the node's configuration (peers, data directory)
   * @param loops event loops for the client connections
   * @param router the node's router
   */
  public RaftGroups(NodeConfig config, EventLoops loops, Router router) {
    this.config = config;
    config.peers().forEach((id, url) -> {
      if (!id.equals(config.nodeId())) {
        others.put(NodeId.of(id), url);
      }
    });
    // signed (CLUSTER_SECRET) or mutual TLS as the node is configured, like every peer client
    this.pool = HttpClientPool.create(loops,
        config.peerClientOptions(HttpRaftTransport.recommendedClientOptions()));
    this.transport = new HttpRaftTransport(pool, others, HttpRaftTransport.Options.create());
    HttpRaftTransport.register(router, this::receive);
  }

  private void receive(RaftMessage m) {
    RaftServer s = servers.get(m.groupId());
    if (s != null) {
      s.receive(m);
    } else if (unknownGroup.getAndIncrement() % 10_000 == 0) {
      // a peer configured with more groups than this node, or a group not started yet
      LOG.debug("node {}: Raft message for unknown group {}", config.nodeId(), m.groupId());
    }
  }

  /**
   * The transport for one group's server: the shared one, except that closing it (a server
   * closes its transport) does not close the others' connections.
   *
   * @return the transport view
   */
  public RaftTransport transport() {
    return new RaftTransport() {
      @Override
      public void send(NodeId to, List<RaftMessage> batch) {
        transport.send(to, batch);
      }

      @Override
      public void close() {
        // shared: closed once by RaftGroups#close
      }
    };
  }

  /**
   * Adds a group's server; inbound messages of its group id go to it from now on.
   *
   * @param server the server
   * @throws IllegalStateException when the group id is taken
   */
  public void add(RaftServer server) {
    if (servers.putIfAbsent(server.groupId(), server) != null) {
      throw new IllegalStateException("Raft group " + server.groupId() + " exists already");
    }
  }

  /**
   * Where a group keeps its log and snapshots.
   *
   * @param groupName the group's name ({@code queue-0}, ...)
   * @return {@code DATA_DIR/<node>/<groupName>}, or {@code null} without {@code DATA_DIR}
   */
  public Path dataDir(String groupName) {
    return config.dataDir() == null ? null
        : config.dataDir().resolve(config.nodeId()).resolve(groupName);
  }

  /**
   * A group's Raft storage.
   *
   * @param log the log
   * @param snapshots the snapshot store
   */
  public record Storage(io.synod.raft.spi.RaftLogStore log,
      io.synod.raft.spi.SnapshotStore snapshots) {}

  /**
   * Opens a group's Raft storage: fsync'd files under {@link #dataDir} with {@code DATA_DIR},
   * memory without it. Every service's groups (queue, cache memory) open theirs here.
   *
   * @param groupName the group's name
   * @return its log and snapshot store
   * @throws java.io.UncheckedIOException when the files cannot be opened
   */
  public Storage openStorage(String groupName) {
    Path dir = dataDir(groupName);
    if (dir == null) {
      return new Storage(new io.synod.raft.storage.InMemoryRaftLogStore(),
          new io.synod.raft.snapshot.InMemorySnapshotStore());
    }
    try {
      java.nio.file.Files.createDirectories(dir);
      io.synod.raft.storage.FileRaftLogStore f =
          io.synod.raft.storage.FileRaftLogStore.open(dir.resolve("raft-log"));
      LOG.info("node {}: {} log in {} ({})", config.nodeId(), groupName, dir, f.recovery());
      return new Storage(f, new io.synod.raft.snapshot.FileSnapshotStore(
          dir.resolve("raft-snapshots")));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "cannot open the Raft storage of " + groupName + " in " + dir, e);
    }
  }

  /** @return the base URIs of the other members */
  public Map<NodeId, URI> others() {
    return others;
  }

  /** @return the client pool of Raft traffic (reachability checks) */
  public HttpClientPool pool() {
    return pool;
  }

  /** @return Raft messages the transport dropped (peer down, outbox full) */
  public long droppedMessages() {
    return transport.droppedMessages();
  }

  @Override
  public void close() {
    transport.close();
    pool.close();
  }
}
