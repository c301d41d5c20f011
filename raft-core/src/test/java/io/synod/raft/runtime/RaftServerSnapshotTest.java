package io.synod.raft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.RaftConfig;
import io.synod.raft.log.LogEntry;
import io.synod.raft.snapshot.InMemorySnapshotStore;
import io.synod.raft.spi.SnapshotStore;
import io.synod.raft.storage.InMemoryRaftLogStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Snapshots in the runtime: where saves run, and what a restart refuses. */
class RaftServerSnapshotTest {

  private static final RaftConfig FAST = RaftConfig.builder().electionTimeoutTicks(10)
      .heartbeatIntervalTicks(2).build();

  /** Records which thread saved which snapshot. */
  static final class RecordingStore implements SnapshotStore {
    final InMemorySnapshotStore inner = new InMemorySnapshotStore();
    final List<String> saves = new CopyOnWriteArrayList<>();

    @Override
    public Optional<Meta> latest() {
      return inner.latest();
    }

    @Override
    public byte[] read(long offset, int maxBytes) {
      return inner.read(offset, maxBytes);
    }

    @Override
    public void save(long lastIndex, long lastTerm, Membership m, byte[] data)
        throws IOException {
      saves.add(lastIndex + "@" + Thread.currentThread().getName());
      inner.save(lastIndex, lastTerm, m, data);
    }
  }

  /** Three servers on one network, each with its own log, snapshot store and machine. */
  private static final class Trio implements AutoCloseable {
    final LocalRaftNetwork net = new LocalRaftNetwork();
    final List<NodeId> ids = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    final TreeMap<NodeId, RaftServer> servers = new TreeMap<>();
    final TreeMap<NodeId, RecordingStore> stores = new TreeMap<>();
    final TreeMap<NodeId, RaftServerTest.CountingMachine> machines = new TreeMap<>();
    final TreeMap<NodeId, InMemoryRaftLogStore> logs = new TreeMap<>();

    Trio(RaftConfig config,
        java.util.function.Function<NodeId, RaftServerTest.CountingMachine> machine) {
      for (NodeId id : ids) {
        RecordingStore snaps = new RecordingStore();
        RaftServerTest.CountingMachine sm = machine.apply(id);
        InMemoryRaftLogStore log = new InMemoryRaftLogStore();
        logs.put(id, log);
        RaftServer s = RaftServer.builder().id(id).membership(Membership.ofVoters(ids))
            .config(config).tick(Duration.ofMillis(10)).logStore(log)
            .stateMachine(sm).snapshotStore(snaps).snapshotThreshold(10).seed(ids.indexOf(id))
            .transport(net.transport(id)).build();
        net.register(id, s::receive);
        servers.put(id, s);
        stores.put(id, snaps);
        machines.put(id, sm);
      }
    }

    /**
     * Starts with {@code lagging} cut off, commits {@code n} commands at the leader until its
     * log is compacted, and returns the leader; {@code lagging} must then catch up by
     * InstallSnapshot once healed.
     */
    RaftServer leaderCompactedPast(NodeId lagging, int n) throws Exception {
      net.isolate(lagging);
      servers.values().forEach(RaftServer::start);
      RaftServer leader = awaitLeader(servers, lagging);
      for (int i = 0; i < n; i++) {
        leader.propose(new byte[] {(byte) i}).toCompletableFuture().get(20, TimeUnit.SECONDS);
      }
      awaitTrue(() -> leader.status().commitIndex() > 0
          && stores.get(leader.id()).latest().isPresent(), "the leader snapshots");
      awaitTrue(() -> compactedTo(leader, logs.get(leader.id())) > 0,
          "the leader compacts its log");
      return leader;
    }

    @Override
    public void close() {
      servers.values().forEach(RaftServer::close);
    }
  }

  /**
   * A follower cut off while the leader compacts its log catches up by InstallSnapshot; the
   * follower must save that snapshot on its snapshot thread (serialized with its own snapshots),
   * never on its Raft thread, and end with the leader's state.
   */
  @Test
  void receivedSnapshotIsSavedOnTheSnapshotThread() throws Exception {
    try (Trio t = new Trio(FAST, id -> new RaftServerTest.CountingMachine())) {
      NodeId lagging = NodeId.of("n3");
      RaftServer leader = t.leaderCompactedPast(lagging, 60);
      long compacted = compactedTo(leader, t.logs.get(leader.id()));
      t.net.heal(lagging);
      long target = leader.status().commitIndex();
      awaitTrue(() -> t.servers.get(lagging).status().appliedIndex() >= target,
          "the lagging node catches up");
      RecordingStore received = t.stores.get(lagging);
      assertFalse(received.saves.isEmpty(), "the lagging node saved the snapshot it received");
      long firstSaved = Long.parseLong(received.saves.get(0).split("@")[0]);
      assertTrue(firstSaved >= compacted, "the first save is the received snapshot: "
          + received.saves);
      for (String save : received.saves) {
        assertTrue(save.contains("@synod-raft-snapshot-"), "saved off the Raft thread: " + save);
      }
      assertTrue(t.machines.get(leader.id()).count >= 60);
      awaitTrue(() -> t.machines.get(lagging).count == t.machines.get(leader.id()).count,
          "the same state");
    }
  }

  /**
   * A follower whose state machine takes six election timeouts to restore a snapshot (a large
   * table) must cost the group nothing: no election, no new term, the leader keeps committing
   * with the other follower all along, and the slow follower ends with the leader's state. (This
   * checks the group, not the runtime's tick guard after a long turn: with that guard removed
   * the follower bursts its missed ticks, but pre-vote keeps the term, so this test still
   * passes.)
   */
  @Test
  void aFollowerRestoringALargeSnapshotCostsTheGroupNoElection() throws Exception {
    NodeId lagging = NodeId.of("n3");
    // election timeouts of 500 ms (a loaded CI machine stalls threads for a good part of a
    // short one, and check-quorum would then end a term for reasons of its own); six of them
    RaftConfig config = RaftConfig.builder().electionTimeoutTicks(50).heartbeatIntervalTicks(5)
        .build();
    long restoreMillis = 3_000;
    java.util.concurrent.CountDownLatch restoring = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean restored =
        new java.util.concurrent.atomic.AtomicBoolean();
    try (Trio t = new Trio(config, id -> !id.equals(lagging) ? new RaftServerTest.CountingMachine()
        : new RaftServerTest.CountingMachine() {
          @Override
          public void restore(java.io.InputStream in) throws IOException {
            restoring.countDown();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(restoreMillis));
            super.restore(in);
            restored.set(true);
          }
        })) {
      RaftServer leader = t.leaderCompactedPast(lagging, 60);
      long term = leader.status().term();
      t.net.heal(lagging);
      assertTrue(restoring.await(30, TimeUnit.SECONDS), "the lagging node installs a snapshot");
      int during = 0;
      while (!restored.get()) {
        // each proposal commits on the leader and the healthy follower while n3 restores
        leader.propose(new byte[] {1}).toCompletableFuture().get(20, TimeUnit.SECONDS);
        during++;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
      assertTrue(during > 0, "commands committed while the follower restored");
      long target = leader.status().commitIndex();
      awaitTrue(() -> t.servers.get(lagging).status().appliedIndex() >= target,
          "the slow follower catches up");
      awaitTrue(() -> t.machines.get(lagging).count == t.machines.get(leader.id()).count,
          "the same state");
      // a few more election timeouts: an election the pause provoked would show by now
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1_500));
      for (RaftServer s : t.servers.values()) {
        assertEquals(term, s.status().term(), s.id() + " saw no election");
        assertEquals(leader.id(), s.status().leader(), s.id() + " follows the same leader");
      }
    }
  }

  /** The leader's compaction point, read on its Raft thread. */
  private static long compactedTo(RaftServer leader, InMemoryRaftLogStore log) {
    AtomicLong at = new AtomicLong();
    try {
      leader.execute(() -> at.set(log.snapshotIndex())).toCompletableFuture()
          .get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return at.get();
  }

  /** A log compacted to 5 with no snapshot anywhere: starting would lose entries 1..5. */
  @Test
  void restartWithACompactedLogAndNoSnapshotFailsClearly() {
    for (boolean withStore : new boolean[] {true, false}) {
      InMemoryRaftLogStore log = new InMemoryRaftLogStore();
      List<LogEntry> entries = new ArrayList<>();
      for (long i = 1; i <= 8; i++) {
        entries.add(LogEntry.command(1, i, new byte[] {(byte) i}));
      }
      log.append(entries);
      log.compact(5, 1);
      RaftServer.Builder b = RaftServer.builder().id(NodeId.of("n1"))
          .membership(Membership.ofVoters(NodeId.of("n1"))).logStore(log)
          .stateMachine(new RaftServerTest.CountingMachine())
          .transport(new LocalRaftNetwork().transport(NodeId.of("n1")));
      if (withStore) {
        b.snapshotStore(new InMemorySnapshotStore());
      }
      IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
      assertTrue(e.getMessage().contains("compacted to index 5"), e.getMessage());
    }
  }

  /** A snapshot older than the compaction point is refused the same way. */
  @Test
  void restartWithASnapshotOlderThanTheCompactionPointFails() throws IOException {
    InMemoryRaftLogStore log = new InMemoryRaftLogStore();
    List<LogEntry> entries = new ArrayList<>();
    for (long i = 1; i <= 8; i++) {
      entries.add(LogEntry.command(1, i, new byte[] {(byte) i}));
    }
    log.append(entries);
    log.compact(5, 1);
    InMemorySnapshotStore snaps = new InMemorySnapshotStore();
    snaps.save(3, 1, Membership.ofVoters(NodeId.of("n1")), new byte[8]);
    RaftServer.Builder b = RaftServer.builder().id(NodeId.of("n1"))
        .membership(Membership.ofVoters(NodeId.of("n1"))).logStore(log)
        .stateMachine(new RaftServerTest.CountingMachine()).snapshotStore(snaps)
        .transport(new LocalRaftNetwork().transport(NodeId.of("n1")));
    IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
    assertTrue(e.getMessage().contains("beyond the latest snapshot 3"), e.getMessage());
  }

  static RaftServer awaitLeader(TreeMap<NodeId, RaftServer> servers, NodeId not) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (RaftServer s : servers.values()) {
        if (!s.id().equals(not) && s.status().isLeader()) {
          return s;
        }
      }
      LockSupport.parkNanos(2_000_000);
    }
    throw new AssertionError("no leader");
  }

  static void awaitTrue(java.util.function.BooleanSupplier c, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      LockSupport.parkNanos(2_000_000);
    }
  }
}
