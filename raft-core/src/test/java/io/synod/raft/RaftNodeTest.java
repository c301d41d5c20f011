package io.synod.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.message.AppendEntriesRequest;
import io.synod.raft.message.AppendEntriesResponse;
import io.synod.raft.message.HeartbeatRequest;
import io.synod.raft.message.HeartbeatResponse;
import io.synod.raft.message.InstallSnapshotRequest;
import io.synod.raft.message.InstallSnapshotResponse;
import io.synod.raft.message.TimeoutNow;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.message.ReadIndexRequest;
import io.synod.raft.message.ReadIndexResponse;
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

  // ---------------------------------------------------------------------------------------------
  // Leadership transfer (§3.10) and check-quorum (§6.2)

  static AppendEntriesResponse ack(NodeId from, NodeId to, long term, long match) {
    return new AppendEntriesResponse(0, from, to, term, true, match, 0, 0, 0);
  }

  @Test
  void transfer_sendsTimeoutNowWhenTheTransfereeCatchesUpByInstallSnapshot() {
    // §3.10: "the prior leader ... sends it a TimeoutNow request" once the target's log is up
    // to date, however it got there. Here the leader's whole log is in its snapshot, so C
    // catches up by InstallSnapshot alone; no later append raises its match.
    Peer l = new Peer(A).start();
    elect(l); // term 1, no-op at 1
    l.step(ack(B, A, 1, 1));
    assertEquals(1, l.node.commitIndex());
    l.snapshots.save(1, 1, Membership.ofVoters(A, B, C), "snap".getBytes(StandardCharsets.UTF_8));
    l.store.compact(1, 1);
    // C answers a heartbeat with nothing in its log: entry 1 is compacted, so it gets the snapshot
    l.take();
    l.step(new HeartbeatResponse(0, C, A, 1, 0, 0));
    assertTrue(l.take().stream().anyMatch(m -> m instanceof InstallSnapshotRequest
        && m.to().equals(C)), "the leader sends C its snapshot");
    l.node.transferLeadership(C);
    l.drain();
    assertFalse(l.take().stream().anyMatch(m -> m instanceof TimeoutNow), "C is behind yet");
    l.step(new InstallSnapshotResponse(0, C, A, 1, 1, 4, true));
    assertTrue(l.take().stream().anyMatch(m -> m instanceof TimeoutNow && m.to().equals(C)),
        "C holds the leader's whole log once the snapshot is in");
  }

  @Test
  void checkQuorum_aNewLeaderThatHearsFromNobodyStepsDownAfterOneElectionTimeout() {
    // §6.2: "a leader steps down if an election timeout elapses without a successful round of
    // heartbeats to a majority of its cluster". The votes that elected it are no such round.
    Peer l = new Peer(A).with(CONFIG.toBuilder().checkQuorum(true).build()).start();
    elect(l);
    l.tick(ELECTION_TICKS - 1);
    assertEquals(RaftRole.LEADER, l.node.role());
    l.tick(1);
    assertEquals(RaftRole.FOLLOWER, l.node.role(), "nobody answered during its first timeout");
  }

  @Test
  void checkQuorum_aNewLeaderThatHearsFromAMajorityStaysLeader() {
    // the other half of §6.2: one answer (with itself, a majority of three) keeps it leading
    Peer l = new Peer(A).with(CONFIG.toBuilder().checkQuorum(true).build()).start();
    elect(l);
    l.tick(3);
    l.step(ack(B, A, 1, 1));
    l.tick(ELECTION_TICKS - 3);
    assertEquals(RaftRole.LEADER, l.node.role());
  }

  /** A leader of term 1 whose followers hold nothing yet, with a transfer to C pending. */
  static Peer leaderTransferringToC() {
    Peer l = new Peer(A).start();
    elect(l);
    l.step(ack(B, A, 1, 1));
    l.node.propose("x".getBytes(StandardCharsets.UTF_8));
    l.drain();
    l.node.transferLeadership(C);
    l.drain();
    assertEquals(C, l.node.leadTransferee());
    assertThrows(ProposalDroppedException.class,
        () -> l.node.propose("y".getBytes(StandardCharsets.UTF_8)));
    return l;
  }

  @Test
  void transfer_toTheLeaderItselfAbortsAPendingTransfer() {
    // §3.10: while a transfer runs the leader refuses proposals; naming itself is how a client
    // takes the transfer back, after which the leader accepts proposals at once
    Peer l = leaderTransferringToC();
    l.node.transferLeadership(A);
    l.drain();
    assertEquals(null, l.node.leadTransferee());
    long index = l.node.propose("y".getBytes(StandardCharsets.UTF_8));
    assertEquals(3, index);
  }

  @Test
  void transfer_aRepeatedRequestForTheSameTargetDoesNotExtendIt() {
    // §3.10: "If the transfer does not complete after about one election timeout, the prior
    // leader aborts the transfer and resumes accepting client requests". Asking again half-way
    // must not push that back.
    Peer l = leaderTransferringToC();
    l.tick(ELECTION_TICKS / 2);
    l.node.transferLeadership(C);
    l.drain();
    l.tick(ELECTION_TICKS - ELECTION_TICKS / 2 - 1);
    assertEquals(C, l.node.leadTransferee(), "still within the first election timeout");
    l.tick(1);
    assertEquals(null, l.node.leadTransferee(), "aborted one timeout after the first request");
    l.node.propose("y".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void transfer_aRepeatedRequestDoesNotDelayCheckQuorum() {
    // §6.2 with §3.10: a repeat must not reset the leader's election clock either
    Peer l = new Peer(A).with(CONFIG.toBuilder().checkQuorum(true).build()).start();
    elect(l);
    l.node.transferLeadership(C);
    l.drain();
    l.tick(ELECTION_TICKS / 2);
    l.node.transferLeadership(C);
    l.drain();
    l.tick(ELECTION_TICKS - ELECTION_TICKS / 2);
    assertEquals(RaftRole.FOLLOWER, l.node.role(), "nobody answered: the round failed on time");
  }

  // ---------------------------------------------------------------------------------------------
  // Commit propagation

  @Test
  void commit_aFollowerWhoseAcknowledgementArrivesAfterTheCommitLearnsItInTheNextReady() {
    // §3.5: followers learn the commit index from the leader's messages and apply up to it;
    // one that acknowledged after the entry committed is told at once, not at the next
    // heartbeat (heartbeats here are every tick, so no tick is taken)
    Peer l = new Peer(A).start();
    elect(l); // no-op at 1
    l.step(ack(B, A, 1, 1)); // commits 1; the broadcast caps C's commit at its match 0
    assertEquals(1, l.node.commitIndex());
    List<RaftMessage> toC = l.take().stream().filter(m -> m.to().equals(C)).toList();
    assertFalse(toC.stream().anyMatch(m -> commitOf(m) >= 1), "C did not hold 1 yet: " + toC);
    l.step(ack(C, A, 1, 1));
    List<RaftMessage> after = l.take().stream().filter(m -> m.to().equals(C)).toList();
    assertTrue(after.stream().anyMatch(m -> commitOf(m) >= 1),
        "C holds 1, which is committed: it must be told now: " + after);
  }

  @Test
  void commit_everyFollowerThatHoldsTheEntriesLearnsTheNewCommitInTheSameReady() {
    // §3.5 for a pipelined follower: C acknowledged 2 before B's acknowledgement commits it
    Peer l = new Peer(A).start();
    elect(l);
    l.step(ack(B, A, 1, 1));
    l.step(ack(C, A, 1, 1));
    l.node.propose("x".getBytes(StandardCharsets.UTF_8));
    l.drain();
    l.take();
    l.step(ack(C, A, 1, 2)); // C holds 2: a majority, 2 commits
    assertEquals(2, l.node.commitIndex());
    l.step(ack(B, A, 1, 2));
    List<RaftMessage> out = l.take();
    for (NodeId f : List.of(B, C)) {
      assertTrue(out.stream().anyMatch(m -> m.to().equals(f) && commitOf(m) >= 2),
          f + " was told commit 2: " + out);
    }
  }

  static long commitOf(RaftMessage m) {
    if (m instanceof HeartbeatRequest h) {
      return h.commitIndex();
    }
    if (m instanceof AppendEntriesRequest a) {
      long last = a.entries().isEmpty() ? a.prevLogIndex()
          : a.entries().get(a.entries().size() - 1).index();
      return Math.min(a.leaderCommit(), last);
    }
    return -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads at followers (§6.4)

  @Test
  void followerRead_theFollowerAsksTheLeaderWhichConfirmsWithAHeartbeatRoundFirst() {
    // §6.4: "the follower issues a request to the leader to obtain a current readIndex; the
    // leader ... must still confirm its leadership (by heartbeating a majority)"; the follower
    // then serves the read once it applied that index
    Peer l = new Peer(A).start();
    elect(l);
    l.step(ack(B, A, 1, 1));
    assertEquals(1, l.node.commitIndex());
    Peer f = new Peer(B).start();
    f.step(append(A, B, 1, 0, 0, 1, LogEntry.noop(1, 1)));
    assertEquals(A, f.node.leader());
    f.take();
    f.node.readIndex(42);
    f.drain();
    List<ReadIndexRequest> asks = f.take(ReadIndexRequest.class);
    assertEquals(1, asks.size(), "the follower asks the leader");
    assertEquals(A, asks.get(0).to());
    assertTrue(f.reads.isEmpty());
    l.take();
    l.step(asks.get(0));
    assertFalse(l.take().stream().anyMatch(m -> m instanceof ReadIndexResponse),
        "no answer before the heartbeat round");
    l.step(new HeartbeatResponse(0, C, A, 1, 1, 1)); // C acknowledges the round: a majority
    List<ReadIndexResponse> answers = l.take(ReadIndexResponse.class);
    assertEquals(1, answers.size());
    assertEquals(B, answers.get(0).to());
    assertEquals(1, answers.get(0).index(), "the leader's commit index when asked");
    f.step(answers.get(0));
    assertEquals(List.of(new ReadState(42, 1)), f.reads, "served once index 1 is applied");
    assertEquals(1, f.node.appliedIndex());
  }

  @Test
  void followerRead_aNodeThatKnowsNoLeaderRefuses() {
    Peer f = new Peer(B).start();
    assertThrows(NotLeaderException.class, () -> f.node.readIndex(1));
  }

  static AppendEntriesRequest append(NodeId from, NodeId to, long term, long prevIndex,
      long prevTerm, long leaderCommit, LogEntry... entries) {
    return new AppendEntriesRequest(0, from, to, term, prevIndex, prevTerm, List.of(entries),
        leaderCommit);
  }
}
