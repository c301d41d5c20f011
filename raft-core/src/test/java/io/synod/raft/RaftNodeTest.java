package io.synod.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.message.InstallSnapshotRequest;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.message.VoteRequest;
import io.synod.raft.message.VoteResponse;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.snapshot.InMemorySnapshotStore;
import io.synod.raft.spi.StateMachine;
import io.synod.raft.storage.FileRaftLogStore;
import io.synod.raft.storage.InMemoryRaftLogStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol rules beyond the summary figure (snapshots, leadership transfer, check-quorum,
 * commit propagation, reads), each as set-up / step / check on single {@link RaftNode}s with no
 * network, driven through the production {@link ReadyProcessor}. Each test cites the section of
 * the dissertation [1] it checks.
 *
 * <p>[1] D. Ongaro, "Consensus: Bridging Theory and Practice", Stanford, 2014.
 */
class RaftNodeTest {

  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");
  static final NodeId C = NodeId.of("c");
  static final int ELECTION_TICKS = 10;
  static final RaftConfig CONFIG = RaftConfig.builder()
      .electionTimeoutTicks(ELECTION_TICKS)
      .heartbeatIntervalTicks(1)
      .preVote(false)
      .checkQuorum(false)
      .build();

  /** Records applied commands; a snapshot is the list of them. */
  static final class ListMachine implements StateMachine {
    final List<String> applied = new ArrayList<>();
    String restoredFrom;

    @Override
    public Object apply(long index, byte[] command) {
      applied.add(new String(command, StandardCharsets.UTF_8));
      return index;
    }

    @Override
    public SnapshotWriter snapshot() {
      String s = String.join(",", applied);
      return out -> out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void restore(InputStream in) throws IOException {
      restoredFrom = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      applied.clear();
    }
  }

  /** One node, its stores and state machine, its Readys processed by the ReadyProcessor. */
  static final class Peer {
    final NodeId id;
    final InMemoryRaftLogStore store = new InMemoryRaftLogStore();
    final InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
    final ListMachine machine = new ListMachine();
    final List<RaftMessage> sent = new ArrayList<>();
    final List<ReadState> reads = new ArrayList<>();
    RaftConfig config = CONFIG;
    Membership membership = Membership.ofVoters(A, B, C);
    RaftNode node;
    ReadyProcessor processor;

    Peer(NodeId id) {
      this.id = id;
    }

    Peer withLog(long hardTerm, LogEntry... entries) {
      if (entries.length > 0) {
        store.append(List.of(entries));
      }
      store.setHardState(new HardState(hardTerm, null, 0));
      return this;
    }

    Peer with(RaftConfig c) {
      this.config = c;
      return this;
    }

    Peer start() {
      node = new RaftNode(id, 0, membership, config, store, snapshots, new SplittableRandom(7));
      processor = new ReadyProcessor(store, machine, snapshots, new ReadyProcessor.Sink() {
        @Override
        public void send(List<RaftMessage> messages) {
          sent.addAll(messages);
        }

        @Override
        public void readState(ReadState rs) {
          reads.add(rs);
        }
      });
      drain();
      return this;
    }

    void drain() {
      processor.drain(node);
    }

    void step(RaftMessage m) {
      node.step(m);
      drain();
    }

    void tick(int n) {
      for (int i = 0; i < n; i++) {
        node.tick();
        drain();
      }
    }

    List<RaftMessage> take() {
      List<RaftMessage> out = List.copyOf(sent);
      sent.clear();
      return out;
    }

    <T extends RaftMessage> List<T> take(Class<T> type) {
      return take().stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  static LogEntry cmd(long term, long index) {
    return LogEntry.command(term, index, ("v" + index).getBytes(StandardCharsets.UTF_8));
  }

  static InstallSnapshotRequest snapshot(NodeId from, NodeId to, long term, long index,
      long indexTerm) {
    return new InstallSnapshotRequest(0, from, to, term, index, indexTerm, List.of(A, B, C),
        List.of(), 0, "snap".getBytes(StandardCharsets.UTF_8), true);
  }

  /** Makes {@code p} the leader of term {@code term()+1} with B's vote; returns its messages. */
  static List<RaftMessage> elect(Peer p) {
    p.node.campaign();
    p.drain();
    p.take();
    p.step(new VoteResponse(0, B, p.id, p.node.term(), true));
    assertEquals(RaftRole.LEADER, p.node.role());
    return p.take();
  }

  // ---------------------------------------------------------------------------------------------
  // InstallSnapshot (§5.1, Figure 5.3 / Figure 13 of the paper)

  @Test
  void installSnapshot_discardsTheWholeLogWhenItsLastEntryHasAnotherTermThanTheSnapshots() {
    // Figure 13, receiver step 7: "Discard the entire log" unless (step 6) an existing entry has
    // the same index and term as the snapshot's last included entry. Entries 3..5 of term 1 are
    // uncommitted leftovers of an old leader; the new leader's snapshot ends at 4 in term 2.
    Peer f = new Peer(A).withLog(1, cmd(1, 1), cmd(1, 2), cmd(1, 3), cmd(1, 4), cmd(1, 5))
        .start();
    f.step(snapshot(B, A, 2, 4, 2));
    assertEquals("snap", f.machine.restoredFrom);
    assertEquals(4, f.node.lastIndex(), "entry 5 of term 1 followed a conflicting entry 4");
    assertEquals(4, f.store.lastIndex(), "and is gone from the durable log");
    assertEquals(2, f.node.termAt(4));
    assertEquals(4, f.node.commitIndex());
    // the log ends at (4, 2): a candidate whose log ends there is up to date, one that holds
    // the stale entry 5 of term 1 is not
    f.step(new VoteRequest(0, C, A, 3, 5, 1, false));
    assertFalse(f.take(VoteResponse.class).get(0).granted());
  }

  @Test
  void installSnapshot_keepsTheEntriesAfterItWhenTheLogHoldsItsLastEntry() {
    // Figure 13, receiver step 6: "If existing log entry has same index and term as snapshot's
    // last included entry, retain log entries following it and reply"
    Peer f = new Peer(A).withLog(2, cmd(1, 1), cmd(2, 2), cmd(2, 3)).start();
    f.step(snapshot(B, A, 2, 2, 2));
    assertEquals(3, f.node.lastIndex());
    assertEquals(2, f.node.commitIndex());
    assertEquals(null, f.machine.restoredFrom, "nothing to restore: the log already holds it");
  }

  @Test
  void restart_afterACrashBetweenSavingAReceivedSnapshotAndCompactingDropsTheStaleSuffix() {
    // §5.1 on the restart path: the snapshot from the leader (ending at 3 in term 2) was saved,
    // then the node crashed before its log (1..4, all term 1) was cut. Restoring the snapshot at
    // start must apply step 7 too, or entry 4 of term 1 would follow entry 3 of term 2.
    InMemoryRaftLogStore store = new InMemoryRaftLogStore();
    store.append(List.of(cmd(1, 1), cmd(1, 2), cmd(1, 3), cmd(1, 4)));
    store.setHardState(new HardState(2, null, 2));
    InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
    snapshots.save(3, 2, Membership.ofVoters(A, B, C), "snap".getBytes(StandardCharsets.UTF_8));
    ListMachine machine = new ListMachine();
    try (RaftServer server = RaftServer.builder().id(A).membership(Membership.ofVoters(A, B, C))
        .config(CONFIG).logStore(store).snapshotStore(snapshots).stateMachine(machine)
        .transport((to, batch) -> { }).build()) {
      assertEquals("snap", machine.restoredFrom);
      assertEquals(3, store.snapshotIndex());
      assertEquals(3, store.lastIndex(), "the stale entry 4 of term 1 is gone");
      assertEquals(3, server.status().lastIndex());
    }
    // a snapshot whose last entry the log holds keeps the suffix (a local snapshot's case)
    InMemoryRaftLogStore kept = new InMemoryRaftLogStore();
    kept.append(List.of(cmd(1, 1), cmd(1, 2), cmd(2, 3), cmd(2, 4)));
    kept.installSnapshot(3, 2);
    assertEquals(4, kept.lastIndex());
    assertEquals(2, kept.term(4));
  }

  @Test
  void installSnapshot_dropsTheStaleSuffixDurablyInTheFileStore(@TempDir Path dir) {
    // the same rule through the SPI's default on the durable store, across a reopen
    try (FileRaftLogStore store = FileRaftLogStore.open(dir)) {
      store.append(List.of(cmd(1, 1), cmd(1, 2), cmd(1, 3), cmd(1, 4)));
      store.sync();
      store.installSnapshot(3, 2);
      store.sync();
      assertEquals(3, store.lastIndex());
    }
    try (FileRaftLogStore store = FileRaftLogStore.open(dir)) {
      assertEquals(3, store.snapshotIndex());
      assertEquals(2, store.snapshotTerm());
      assertEquals(3, store.lastIndex());
    }
  }
}
