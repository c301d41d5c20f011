package io.synod.server.lock;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftRole;
import io.synod.raft.lock.LockLimits;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockStateMachine;
import io.synod.raft.lock.runtime.LockService;
import io.synod.raft.lock.runtime.LockServiceOptions;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.runtime.RaftStatus;
import io.synod.raft.snapshot.FileSnapshotStore;
import io.synod.raft.snapshot.InMemorySnapshotStore;
import io.synod.raft.spi.Clock;
import io.synod.raft.spi.RaftLogStore;
import io.synod.raft.spi.SnapshotStore;
import io.synod.raft.storage.FileRaftLogStore;
import io.synod.raft.storage.InMemoryRaftLogStore;
import io.synod.server.cluster.ReplicatedMembers;
import io.synod.server.cluster.RaftGroups;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.raft.HttpRaftTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock service of one node: a {@link RaftServer} (group 0, voters = every member of {@code
 * PEERS}) running the {@link LockStateMachine} through a {@link LockService}, talking to the
 * other members over the node's shared Raft transport ({@link RaftGroups}, {@link
 * HttpRaftTransport} on the node's own HTTP port).
 *
 * <p>Storage: with {@code DATA_DIR} set, the log is a {@link FileRaftLogStore} in {@code
 * DATA_DIR/<node>/raft-log} and snapshots go to a {@link FileSnapshotStore} in {@code
 * DATA_DIR/<node>/raft-snapshots}, so a restarted node recovers its term, vote and log; without
 * it both are in memory and a restarted node catches up from the leader.
 *
 * <p>Every node runs a replica whatever its roles: the group's quorum is counted over all of
 * {@code PEERS}, so a node must vote even when it serves no lock requests itself.
 */
public final class RaftLocks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftLocks.class);
  /** Raft group of the lock table. */
  public static final int GROUP = 0;
  /** Entries applied between two snapshots (so the log is compacted). */
  static final long SNAPSHOT_THRESHOLD = 10_000;
  /**
   * The lock table's limits: LOCK_MAX_RESOURCES and LOCK_MAX_SESSIONS from the settings, the rest
   * fixed. They decide which commands are refused, so they must be equal on every replica (the
   * settings equal on every node). Names are capped by the API before they get here.
   */
  static LockLimits limits(NodeConfig config) {
    return new LockLimits(config.lockMaxResources(), config.lockMaxSessions(), 10_000, 1_000_000,
        1_000_000, 262_144, 100, 86_400_000L);
  }

  private final NodeId self;
  private final RaftLogStore logStore;
  private final Map<NodeId, URI> others;
  private final RaftGroups groups;
  private final LockService service;
  private final ReplicatedMembers members;
  private final RaftServer raft;
  private final AtomicLong elections = new AtomicLong();
  private volatile boolean started;
  private volatile long lastLeaderTerm = -1;

  /**
   * Builds the replica (nothing runs until {@link #start()}); registers {@value
   * HttpRaftTransport#PATH} on the router.
   *
   * @param config the node's configuration
   * @param clock the clock stamped on commands
   * @param groups the node's Raft groups (shared transport); this replica joins as group 0
   * @param mirror told of every applied command (Redis mirror), or {@link LockListener#NONE}
   * @param notifier runs the listeners of the replicated member table, in order
   */
  public RaftLocks(NodeConfig config, Clock clock, RaftGroups groups,
      LockListener mirror, java.util.concurrent.Executor notifier) {
    this.self = NodeId.of(config.nodeId());
    this.groups = groups;
    this.others = groups.others();
    List<NodeId> voters = new ArrayList<>();
    config.peers().forEach((id, url) -> voters.add(NodeId.of(id)));
    SnapshotStore snapshots;
    Path dir = config.dataDir() == null ? null : config.dataDir().resolve(config.nodeId());
    try {
      if (dir != null) {
        Files.createDirectories(dir);
        FileRaftLogStore log = FileRaftLogStore.open(dir.resolve("raft-log"));
        LOG.info("node {}: Raft log in {} ({})", self, dir, log.recovery());
        this.logStore = log;
        snapshots = new FileSnapshotStore(dir.resolve("raft-snapshots"));
      } else {
        this.logStore = new InMemoryRaftLogStore();
        snapshots = new InMemorySnapshotStore();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the Raft storage in " + dir, e);
    }
    this.service = LockService.create(clock, LockServiceOptions.create().withLimits(limits(config)),
        mirror);
    List<String> memberIds = new ArrayList<>();
    voters.forEach(v -> memberIds.add(v.value()));
    this.members = new ReplicatedMembers(service.stateMachine(), memberIds, notifier);
    RaftConfig raftConfig = RaftConfig.builder()
        .electionTimeoutTicks(config.raftElectionTimeoutTicks())
        .heartbeatIntervalTicks(config.raftHeartbeatTicks())
        .build();
    this.raft = RaftServer.builder()
        .id(self)
        .groupId(GROUP)
        .membership(Membership.ofVoters(voters))
        .config(raftConfig)
        .tick(Duration.ofMillis(config.raftTickMillis()))
        .logStore(logStore)
        .snapshotStore(snapshots)
        .snapshotThreshold(SNAPSHOT_THRESHOLD)
        .stateMachine(members)
        .transport(groups.transport())
        .build();
    raft.addLeadershipListener((role, term, leader) -> {
      // an election this node saw: a leader (any) named for a term not seen with one before
      if (leader != null && term > lastLeaderTerm) {
        lastLeaderTerm = term;
        elections.incrementAndGet();
      }
      if (role == RaftRole.LEADER) {
        LOG.info("node {} leads the lock group (term {})", self, term);
      }
    });
    groups.add(raft);
  }

  /**
   * Starts the Raft thread and the lock maintenance.
   *
   * @return this
   */
  public synchronized RaftLocks start() {
    if (!started) {
      started = true;
      service.bind(raft);
      raft.start();
    }
    return this;
  }

  /** @return the lock service (writes must be made on the leader) */
  public LockService service() {
    return service;
  }

  /** @return the replicated state machine (read it on the Raft thread only) */
  public LockStateMachine machine() {
    return service.stateMachine();
  }

  /** @return the replicated table of members that are down (the queue ring follows it) */
  public ReplicatedMembers members() {
    return members;
  }

  /** @return the Raft server */
  public RaftServer raft() {
    return raft;
  }

  /** @return the latest Raft status */
  public RaftStatus status() {
    return raft.status();
  }

  /** @return this node's id */
  public String self() {
    return self.value();
  }

  /** @return the leader this node knows, or {@code null} */
  public String leader() {
    NodeId l = raft.status().leader();
    return l == null ? null : l.value();
  }

  /** @return whether this node leads the group */
  public boolean isLeader() {
    return raft.status().isLeader();
  }

  /** @return how many elections (terms with a leader) this node has seen */
  public long elections() {
    return elections.get();
  }

  /** @return Raft messages the transport dropped (peer down, outbox full) */
  public long droppedMessages() {
    return groups.droppedMessages();
  }

  /**
   * Hands leadership to another voter when this node leads, waiting at most {@code timeout}, so
   * a planned shutdown does not cost the cluster an election timeout. Never throws.
   *
   * @param timeout the longest wait per attempt
   * @param alive the members believed up; only those the Raft connection reaches are tried
   */
  public void transferLeadershipIfLeader(Duration timeout, java.util.Collection<String> alive) {
    RaftStatus s = raft.status();
    if (!s.isLeader()) {
      return;
    }
    List<NodeId> order = new ArrayList<>();
    for (NodeId v : s.membership().voters()) {
      URI u = others.get(v);
      // a member the Raft connection cannot reach would only make us wait out the timeout
      if (!v.equals(self) && alive.contains(v.value()) && u != null
          && groups.pool().isReachable(u.getHost(), u.getPort())) {
        order.add(v);
      }
    }
    for (NodeId to : order) {
      try {
        raft.transferLeadership(to).toCompletableFuture()
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("node {} handed lock leadership to {}", self, to);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        LOG.info("leadership transfer from {} to {} failed: {}", self, to, e.toString());
      }
    }
  }

  @Override
  public void close() {
    service.close();
    raft.close();
    try {
      logStore.close();
    } catch (Exception e) {
      LOG.warn("closing the Raft log of {} failed", self, e);
    }
  }
}
