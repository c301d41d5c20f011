package io.synod.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.message.AppendEntriesRequest;
import io.synod.raft.message.AppendEntriesResponse;
import io.synod.raft.message.HeartbeatRequest;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.message.VoteRequest;
import io.synod.raft.message.VoteResponse;
import io.synod.raft.storage.InMemoryRaftLogStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of the Raft summary figure (Figure 2 of the paper, Figure 3.1 of the
 * dissertation [1]): rules for all servers, followers, candidates and leaders, and the receiver
 * rules of AppendEntries (1–5) and RequestVote (1–2). Each is set-up / step / check on single
 * {@link RaftNode}s with no network: messages are built by hand and handed to {@code step}, time
 * is {@code tick}, and what the node wants done is read from its {@link Ready}s.
 *
 * <p>Pre-vote and check-quorum are off here: they are extensions (dissertation §9.6 and §6.2)
 * and the figure describes the protocol without them.
 *
 * <p>[1] D. Ongaro, "Consensus: Bridging Theory and Practice", Stanford, 2014.
 */
class RaftPaperTest {

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

  /** One node, its store, and everything its Readys asked for, processed in the right order. */
  static final class Peer {
    final InMemoryRaftLogStore store = new InMemoryRaftLogStore();
    final NodeId id;
    RaftNode node;
    final List<RaftMessage> sent = new ArrayList<>();
    final List<LogEntry> applied = new ArrayList<>();
    final List<Ready> readies = new ArrayList<>();

    Peer(NodeId id) {
      this.id = id;
    }

    /** Presets the durable state before the node starts. */
    Peer withLog(long hardTerm, LogEntry... entries) {
      if (entries.length > 0) {
        store.append(List.of(entries));
      }
      store.setHardState(new HardState(hardTerm, null, 0));
      return this;
    }

    Peer start() {
      node = new RaftNode(id, 0, Membership.ofVoters(A, B, C), CONFIG, store, null,
          new SplittableRandom(7));
      drain();
      return this;
    }

    /** Persists, then "sends" (records), then applies, then advances: ReadyProcessor's order. */
    void drain() {
      while (node.hasReady()) {
        Ready rd = node.ready();
        readies.add(rd);
        if (!rd.entries().isEmpty()) {
          store.append(rd.entries());
        }
        if (rd.hardState() != null) {
          store.setHardState(rd.hardState());
        }
        sent.addAll(rd.messages());
        applied.addAll(rd.committedEntries());
        node.advance(rd);
      }
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

    /** Messages sent since the last call. */
    List<RaftMessage> take() {
      List<RaftMessage> out = List.copyOf(sent);
      sent.clear();
      readies.clear();
      return out;
    }

    <T extends RaftMessage> List<T> take(Class<T> type) {
      return take().stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  static LogEntry cmd(long term, long index) {
    return LogEntry.command(term, index, ("v" + index).getBytes(StandardCharsets.UTF_8));
  }

  static AppendEntriesRequest append(NodeId from, NodeId to, long term, long prevIndex,
      long prevTerm, long leaderCommit, LogEntry... entries) {
    return new AppendEntriesRequest(0, from, to, term, prevIndex, prevTerm, List.of(entries),
        leaderCommit);
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

  /** Acknowledges everything the leader sent to {@code from} (a follower that accepts it all). */
  static void ackAll(Peer leader, NodeId from) {
    leader.step(new AppendEntriesResponse(0, from, leader.id, leader.node.term(), true,
        leader.node.lastIndex(), 0, 0, 0));
  }

  // ---------------------------------------------------------------------------------------------
  // Rules for all servers

  @Test
  void allServers_appliesCommittedEntriesInOrderOnceCommitIndexPassesLastApplied() {
    // §3.5: "If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied]"
    Peer f = new Peer(A).start();
    f.step(append(B, A, 1, 0, 0, 0, cmd(1, 1), cmd(1, 2), cmd(1, 3)));
    assertTrue(f.applied.isEmpty(), "nothing is applied before it is known committed");
    f.step(append(B, A, 1, 3, 1, 2));
    assertEquals(List.of(cmd(1, 1), cmd(1, 2)), f.applied);
    assertEquals(2, f.node.appliedIndex());
    f.step(append(B, A, 1, 3, 1, 3));
    assertEquals(List.of(cmd(1, 1), cmd(1, 2), cmd(1, 3)), f.applied, "each entry once, in order");
  }

  @Test
  void allServers_aHigherTermInAnyMessageMakesTheNodeAFollowerOfThatTerm() {
    // §3.3: "If RPC request or response contains term T > currentTerm: set currentTerm = T,
    // convert to follower"
    Peer l = new Peer(A).start();
    elect(l);
    long t = l.node.term();
    l.step(new AppendEntriesResponse(0, C, A, t + 3, false, 0, 0, 0, 0));
    assertEquals(RaftRole.FOLLOWER, l.node.role());
    assertEquals(t + 3, l.node.term());
    assertEquals(t + 3, l.store.hardState().term(), "the new term is persisted");
    assertNull(l.store.hardState().votedFor(), "no vote yet in the new term");
  }

  // ---------------------------------------------------------------------------------------------
  // Followers

  @Test
  void followers_respondToRpcsFromCandidatesAndLeaders() {
    // §3.4/§3.5: "Respond to RPCs from candidates and leaders"
    Peer f = new Peer(A).start();
    f.step(new VoteRequest(0, B, A, 1, 0, 0, false));
    List<VoteResponse> votes = f.take(VoteResponse.class);
    assertEquals(1, votes.size());
    assertEquals(B, votes.get(0).to());
    f.step(append(B, A, 1, 0, 0, 0, cmd(1, 1)));
    List<AppendEntriesResponse> acks = f.take(AppendEntriesResponse.class);
    assertEquals(1, acks.size());
    assertTrue(acks.get(0).success());
    assertEquals(1, acks.get(0).matchIndex());
  }

  @Test
  void followers_becomeCandidateWhenTheElectionTimeoutElapsesWithoutHearingFromALeader() {
    // §3.4: "If election timeout elapses without receiving AppendEntries RPC from current
    // leader or granting vote to candidate: convert to candidate". The timeout is randomized
    // in [T, 2T) ticks.
    Peer f = new Peer(A).start();
    // a leader heard every few ticks keeps it a follower however long that goes on
    for (int i = 0; i < 10; i++) {
      f.tick(ELECTION_TICKS - 1);
      f.step(new HeartbeatRequest(0, B, A, 1, 0, 0));
    }
    assertEquals(RaftRole.FOLLOWER, f.node.role());
    assertEquals(1, f.node.term());
    f.take();
    f.tick(2 * ELECTION_TICKS);
    assertEquals(RaftRole.CANDIDATE, f.node.role());
    assertEquals(2, f.node.term());
  }

  // ---------------------------------------------------------------------------------------------
  // Candidates

  @Test
  void candidates_onConversionIncrementTermVoteForSelfAndRequestVotesFromAllOthers() {
    // §3.4: "On conversion to candidate, start election: increment currentTerm, vote for self,
    // reset election timer, send RequestVote RPCs to all other servers"
    Peer c = new Peer(A).withLog(2, cmd(1, 1), cmd(2, 2)).start();
    c.node.campaign();
    c.drain();
    assertEquals(RaftRole.CANDIDATE, c.node.role());
    assertEquals(3, c.node.term());
    assertEquals(new HardState(3, A, 0), c.store.hardState(), "term and self-vote persisted");
    Ready withVote = c.readies.stream().filter(r -> r.hardState() != null).findFirst()
        .orElseThrow();
    assertTrue(withVote.mustSync(), "the vote must be synced before the requests go out");
    List<VoteRequest> reqs = c.take(VoteRequest.class);
    assertEquals(List.of(B, C), reqs.stream().map(VoteRequest::to).sorted().toList());
    for (VoteRequest r : reqs) {
      assertEquals(3, r.term());
      assertEquals(2, r.lastLogIndex());
      assertEquals(2, r.lastLogTerm());
    }
    // the timer was reset: no new election before the (randomized) timeout runs out again
    c.tick(ELECTION_TICKS - 1);
    assertEquals(3, c.node.term());
  }

  @Test
  void candidates_becomeLeaderWithVotesFromAMajority() {
    // §3.4: "If votes received from majority of servers: become leader"
    Peer c = new Peer(A).start();
    c.node.campaign();
    c.drain();
    c.step(new VoteResponse(0, B, A, 1, false));
    assertEquals(RaftRole.CANDIDATE, c.node.role(), "self plus one rejection is no majority");
    c.step(new VoteResponse(0, C, A, 1, true));
    assertEquals(RaftRole.LEADER, c.node.role());
    assertEquals(A, c.node.leader());
  }

  @Test
  void candidates_becomeFollowerOnAppendEntriesFromTheNewLeader() {
    // §3.4: "If AppendEntries RPC received from new leader: convert to follower"
    Peer c = new Peer(A).start();
    c.node.campaign();
    c.drain();
    c.step(append(B, A, 1, 0, 0, 0, cmd(1, 1)));
    assertEquals(RaftRole.FOLLOWER, c.node.role());
    assertEquals(1, c.node.term());
    assertEquals(B, c.node.leader());
    assertEquals(1, c.node.lastIndex(), "and the entries are taken as a follower would");
  }

  @Test
  void candidates_startANewElectionWhenTheElectionTimeoutElapses() {
    // §3.4: "If election timeout elapses: start new election" (split votes end this way)
    Peer c = new Peer(A).start();
    c.node.campaign();
    c.drain();
    c.take();
    c.tick(2 * ELECTION_TICKS);
    assertEquals(RaftRole.CANDIDATE, c.node.role());
    assertEquals(2, c.node.term());
    assertEquals(2, c.take(VoteRequest.class).size(), "fresh vote requests for the new term");
  }

  // ---------------------------------------------------------------------------------------------
  // Leaders

  @Test
  void leaders_sendAppendEntriesToEveryServerUponElectionAndHeartbeatsWhenIdle() {
    // §3.4/§3.5: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each
    // server; repeat during idle periods to prevent election timeouts". Our leader's first
    // AppendEntries carries the no-op entry of its term (§6.4), so it is not quite empty.
    Peer l = new Peer(A).start();
    List<RaftMessage> first = elect(l);
    List<NodeId> to = first.stream().filter(m -> m instanceof AppendEntriesRequest)
        .map(RaftMessage::to).sorted().toList();
    assertEquals(List.of(B, C), to);
    for (int round = 0; round < 3; round++) {
      l.tick(1);
      List<NodeId> hb = l.take().stream()
          .filter(m -> m instanceof HeartbeatRequest || m instanceof AppendEntriesRequest)
          .map(RaftMessage::to).sorted().toList();
      assertEquals(List.of(B, C), hb, "a heartbeat to each follower every interval");
    }
  }

  @Test
  void leaders_appendAClientCommandToTheirLogAndAnswerOnlyOnceItIsApplied() {
    // §3.5: "If command received from client: append entry to local log, respond after entry
    // applied to state machine"
    Peer l = new Peer(A).start();
    elect(l);
    ackAll(l, B); // commits the no-op
    long index = l.node.propose("x".getBytes(StandardCharsets.UTF_8));
    l.drain();
    assertEquals(index, l.node.lastIndex());
    assertEquals(index, l.store.lastIndex(), "appended to the leader's own (durable) log");
    assertFalse(l.applied.stream().anyMatch(e -> e.index() == index),
        "not applied (so not answered) before a majority holds it");
    ackAll(l, C);
    assertTrue(l.applied.stream().anyMatch(e -> e.index() == index));
  }

  @Test
  void leaders_sendEntriesFromNextIndexWhenTheirLogReachesIt() {
    // §3.5: "If last log index >= nextIndex for a follower: send AppendEntries RPC with log
    // entries starting at nextIndex"
    Peer l = new Peer(A).start();
    elect(l);
    ackAll(l, B);
    ackAll(l, C);
    l.take();
    l.node.propose("x".getBytes(StandardCharsets.UTF_8));
    l.drain();
    List<AppendEntriesRequest> reqs = l.take(AppendEntriesRequest.class);
    assertEquals(List.of(B, C), reqs.stream().map(RaftMessage::to).sorted().toList());
    for (AppendEntriesRequest r : reqs) {
      assertEquals(1, r.prevLogIndex(), "nextIndex is 2 after the no-op was acknowledged");
      assertEquals(2, r.entries().get(0).index());
    }
  }

  @Test
  void leaders_updateNextIndexAndMatchIndexOnSuccess() {
    // §3.5: "If successful: update nextIndex and matchIndex for follower"
    Peer l = new Peer(A).start();
    elect(l);
    assertEquals(0, l.node.matchIndex(B));
    ackAll(l, B);
    assertEquals(1, l.node.matchIndex(B));
    l.take();
    l.node.propose("x".getBytes(StandardCharsets.UTF_8));
    l.drain();
    AppendEntriesRequest toB = l.take(AppendEntriesRequest.class).stream()
        .filter(r -> r.to().equals(B)).findFirst().orElseThrow();
    assertEquals(1, toB.prevLogIndex(), "nextIndex(B) moved to 2");
    ackAll(l, B);
    assertEquals(2, l.node.matchIndex(B));
  }

  @Test
  void leaders_decrementNextIndexAndRetryWhenAppendEntriesFailsOnAnInconsistentLog() {
    // §3.5: "If AppendEntries fails because of log inconsistency: decrement nextIndex and
    // retry". The follower's hint lets the leader go back a whole term at once (§5.3 of [1]
    // describes this optimization); here it goes back to where the logs may match.
    Peer l = new Peer(A).withLog(3, cmd(1, 1), cmd(2, 2), cmd(3, 3)).start();
    List<RaftMessage> first = elect(l);
    AppendEntriesRequest probe = first.stream().filter(m -> m.to().equals(C))
        .map(AppendEntriesRequest.class::cast).findFirst().orElseThrow();
    assertEquals(3, probe.prevLogIndex());
    // C holds only entry 1: it refuses prevLogIndex 3 and hints at index 1, term 1
    l.step(new AppendEntriesResponse(0, C, A, l.node.term(), false, 0, 3, 1, 1));
    AppendEntriesRequest retry = l.take(AppendEntriesRequest.class).stream()
        .filter(r -> r.to().equals(C)).findFirst().orElseThrow();
    assertTrue(retry.prevLogIndex() < 3, "retried further back: " + retry);
    assertEquals(1, retry.prevLogIndex());
    assertEquals(2, retry.entries().get(0).index());
  }

  @Test
  void leaders_commitOnlyEntriesOfTheirOwnTermByCountingReplicas() {
    // §3.6.2 (Figure 3.7): "If there exists an N such that N > commitIndex, a majority of
    // matchIndex[i] >= N, and log[N].term == currentTerm: set commitIndex = N". Entries of
    // earlier terms are committed only indirectly, by an entry of the current term after them.
    Peer l = new Peer(A).withLog(2, cmd(1, 1), cmd(2, 2)).start();
    elect(l); // term 3, no-op at index 3
    assertEquals(3, l.node.term());
    // B holds entries 1 and 2 (of earlier terms) but not the no-op: a majority holds 2...
    l.step(new AppendEntriesResponse(0, B, A, 3, true, 2, 0, 0, 0));
    assertEquals(0, l.node.commitIndex(), "...yet entry 2 is of term 2: not committed");
    // once B holds the no-op of term 3, index 3 and everything before it commit
    l.step(new AppendEntriesResponse(0, B, A, 3, true, 3, 0, 0, 0));
    assertEquals(3, l.node.commitIndex());
    assertEquals(List.of(1L, 2L, 3L), l.applied.stream().map(LogEntry::index).toList());
  }

  // ---------------------------------------------------------------------------------------------
  // AppendEntries receiver

  @Test
  void appendEntriesReceiver1_repliesFalseWhenTheTermIsOlder() {
    // §3.3: "Reply false if term < currentTerm"
    Peer f = new Peer(A).withLog(5).start();
    f.step(append(B, A, 4, 0, 0, 0, cmd(4, 1)));
    List<AppendEntriesResponse> r = f.take(AppendEntriesResponse.class);
    assertEquals(1, r.size());
    assertFalse(r.get(0).success());
    assertEquals(5, r.get(0).term(), "carries the newer term so the stale leader steps down");
    assertEquals(0, f.node.lastIndex(), "nothing appended");
  }

  @Test
  void appendEntriesReceiver2_repliesFalseWhenTheLogHasNoMatchingEntryAtPrevLogIndex() {
    // §3.5: "Reply false if log doesn't contain an entry at prevLogIndex whose term matches
    // prevLogTerm"
    Peer f = new Peer(A).withLog(2, cmd(1, 1), cmd(2, 2)).start();
    f.step(append(B, A, 3, 2, 3, 0, cmd(3, 3))); // term of entry 2 differs
    f.step(append(B, A, 3, 4, 3, 0, cmd(3, 5))); // no entry 4 at all
    List<AppendEntriesResponse> r = f.take(AppendEntriesResponse.class);
    assertEquals(2, r.size());
    assertFalse(r.get(0).success());
    assertEquals(2, r.get(0).rejectedIndex());
    assertFalse(r.get(1).success());
    assertEquals(4, r.get(1).rejectedIndex());
    assertEquals(2, f.node.lastIndex(), "nothing appended");
    assertEquals(2, f.node.termAt(2));
  }

  @Test
  void appendEntriesReceiver3_deletesAConflictingEntryAndAllThatFollow() {
    // §3.5: "If an existing entry conflicts with a new one (same index but different terms),
    // delete the existing entry and all that follow it"
    Peer f = new Peer(A).withLog(2, cmd(1, 1), cmd(2, 2), cmd(2, 3), cmd(2, 4)).start();
    f.step(append(B, A, 3, 1, 1, 0, cmd(3, 2)));
    assertEquals(2, f.node.lastIndex(), "entries 3 and 4 followed the conflict: gone");
    assertEquals(3, f.node.termAt(2));
    assertEquals(2, f.store.lastIndex(), "and gone from the durable log");
    assertEquals(3, f.store.term(2));
  }

  @Test
  void appendEntriesReceiver4_appendsNewEntriesNotAlreadyInTheLog() {
    // §3.5: "Append any new entries not already in the log". A stale, shorter copy of a request
    // already taken must not cut off the entries that followed (no truncation without conflict)
    Peer f = new Peer(A).start();
    f.step(append(B, A, 1, 0, 0, 0, cmd(1, 1), cmd(1, 2), cmd(1, 3)));
    assertEquals(3, f.node.lastIndex());
    f.step(append(B, A, 1, 0, 0, 0, cmd(1, 1), cmd(1, 2)));
    assertEquals(3, f.node.lastIndex(), "entry 3 kept: nothing conflicted");
    f.step(append(B, A, 1, 2, 1, 0, cmd(1, 3), cmd(1, 4)));
    assertEquals(4, f.node.lastIndex());
    assertEquals(List.of(cmd(1, 1), cmd(1, 2), cmd(1, 3), cmd(1, 4)),
        f.store.entries(1, 5, Long.MAX_VALUE));
  }

  @Test
  void appendEntriesReceiver5_setsCommitIndexToTheSmallerOfLeaderCommitAndTheLastNewEntry() {
    // §3.5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last
    // new entry)"
    Peer f = new Peer(A).withLog(1, cmd(1, 1), cmd(1, 2), cmd(1, 3)).start();
    // the request only vouches for entries up to 2: 3 might still be replaced
    f.step(append(B, A, 1, 1, 1, 3, cmd(1, 2)));
    assertEquals(2, f.node.commitIndex());
    f.step(append(B, A, 1, 3, 1, 3));
    assertEquals(3, f.node.commitIndex());
    f.step(append(B, A, 1, 3, 1, 1));
    assertEquals(3, f.node.commitIndex(), "the commit index never goes back");
  }

  // ---------------------------------------------------------------------------------------------
  // RequestVote receiver

  @Test
  void requestVoteReceiver1_repliesFalseWhenTheTermIsOlder() {
    // §3.4: "Reply false if term < currentTerm"
    Peer f = new Peer(A).withLog(5).start();
    f.step(new VoteRequest(0, B, A, 4, 10, 4, false));
    List<VoteResponse> r = f.take(VoteResponse.class);
    assertEquals(1, r.size());
    assertFalse(r.get(0).granted());
    assertEquals(5, r.get(0).term());
    assertNull(f.node.votedFor());
  }

  @Test
  void requestVoteReceiver2_grantsOnlyOneVotePerTermAndOnlyToAnUpToDateLog() {
    // §3.4 and §3.6.1: "If votedFor is null or candidateId, and candidate's log is at least as
    // up-to-date as receiver's log, grant vote". The vote is durable before the answer leaves.
    Peer f = new Peer(A).withLog(2, cmd(1, 1), cmd(2, 2)).start();
    // a log ending in an older term is behind, however long
    f.step(new VoteRequest(0, B, A, 3, 9, 1, false));
    assertFalse(f.take(VoteResponse.class).get(0).granted());
    // same last term but shorter: behind
    f.step(new VoteRequest(0, B, A, 3, 1, 2, false));
    assertFalse(f.take(VoteResponse.class).get(0).granted());
    // same last term and as long: up to date, and nobody voted for yet
    f.step(new VoteRequest(0, B, A, 3, 2, 2, false));
    assertTrue(f.take(VoteResponse.class).get(0).granted());
    assertEquals(new HardState(3, B, 0), f.store.hardState(), "vote persisted");
    // asked again by the same candidate (a retry): granted again
    f.step(new VoteRequest(0, B, A, 3, 2, 2, false));
    assertTrue(f.take(VoteResponse.class).get(0).granted());
    // another candidate in the same term, even with a longer log: refused
    f.step(new VoteRequest(0, C, A, 3, 5, 2, false));
    assertFalse(f.take(VoteResponse.class).get(0).granted());
    assertEquals(B, f.node.votedFor());
  }

  @Test
  void requestVoteReceiver2_theGrantedVoteIsSyncedBeforeTheResponseIsSent() {
    // Figure 3.1, persistent state: "updated on stable storage before responding to RPCs"
    Peer f = new Peer(A).start();
    f.node.step(new VoteRequest(0, B, A, 1, 0, 0, false));
    Ready rd = f.node.ready();
    assertEquals(new HardState(1, B, 0), rd.hardState());
    assertTrue(rd.mustSync(), "a vote must reach the disk before the answer goes out");
    assertTrue(rd.messages().stream().anyMatch(m -> m instanceof VoteResponse v && v.granted()));
    f.node.advance(rd);
  }
}
