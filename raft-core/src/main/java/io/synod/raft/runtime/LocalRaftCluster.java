package io.synod.raft.runtime;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.RaftConfig;
import io.synod.raft.spi.StateMachine;
import io.synod.raft.storage.InMemoryRaftLogStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A cluster of {@link RaftServer}s in one JVM over a {@link LocalRaftNetwork}, with in-memory
 * logs: for examples, benchmarks and tests of state machines built on Raft.
 *
 * <p>{@link #awaitLeader(Duration)} waits by polling the servers' status with a short park
 * between polls; it is for tests and examples, never for library code.
 *
 * @since 1.0
 */
public final class LocalRaftCluster implements AutoCloseable {

  private final LocalRaftNetwork network = new LocalRaftNetwork();
  private final TreeMap<NodeId, RaftServer> servers = new TreeMap<>();

  private LocalRaftCluster() {}

  /**
   * Starts {@code size} servers named {@code node1..nodeN}.
   *
   * @param size how many
   * @param config the tunables for every node
   * @param tick the tick length
   * @param stateMachines a state machine for each node
   */
  public static LocalRaftCluster start(int size, RaftConfig config, Duration tick,
      Function<NodeId, StateMachine> stateMachines) {
    LocalRaftCluster c = new LocalRaftCluster();
    List<NodeId> ids = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      ids.add(NodeId.of("node" + i));
    }
    Membership m = Membership.ofVoters(ids);
    for (NodeId id : ids) {
      RaftServer s = RaftServer.builder().id(id).membership(m).config(config).tick(tick)
          .logStore(new InMemoryRaftLogStore()).stateMachine(stateMachines.apply(id))
          .transport(c.network.transport(id)).build();
      c.network.register(id, s::receive);
      c.servers.put(id, s);
    }
    for (RaftServer s : c.servers.values()) {
      s.start();
    }
    return c;
  }

  /** The network, to isolate and heal nodes. */
  public LocalRaftNetwork network() {
    return network;
  }

  /** The servers by id. */
  public java.util.SortedMap<NodeId, RaftServer> servers() {
    return Collections.unmodifiableSortedMap(servers);
  }

  /** The server with id {@code id}. */
  public RaftServer server(NodeId id) {
    return servers.get(id);
  }

  /** A current leader, if some server believes it leads. */
  public Optional<RaftServer> leader() {
    RaftServer best = null;
    for (RaftServer s : servers.values()) {
      RaftStatus st = s.status();
      if (st.isLeader() && (best == null || st.term() > best.status().term())) {
        best = s;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Waits until some server leads, for at most {@code timeout}.
   *
   * @throws IllegalStateException if none does in time
   */
  public RaftServer awaitLeader(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<RaftServer> l = leader();
      if (l.isPresent()) {
        return l.get();
      }
      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
    }
    throw new IllegalStateException("no leader within " + timeout);
  }

  /** Stops every server. */
  @Override
  public void close() {
    for (RaftServer s : servers.values()) {
      s.close();
    }
  }
}
