package io.synod.raft;

import io.synod.raft.log.EntryType;
import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.message.AppendEntriesRequest;
import io.synod.raft.message.AppendEntriesResponse;
import io.synod.raft.message.HeartbeatRequest;
import io.synod.raft.message.HeartbeatResponse;
import io.synod.raft.message.InstallSnapshotRequest;
import io.synod.raft.message.InstallSnapshotResponse;
import io.synod.raft.message.PreVoteRequest;
import io.synod.raft.message.PreVoteResponse;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.message.ReadIndexRequest;
import io.synod.raft.message.ReadIndexResponse;
import io.synod.raft.message.TimeoutNow;
import io.synod.raft.message.VoteRequest;
import io.synod.raft.message.VoteResponse;
import io.synod.raft.spi.RaftLogStore;
import io.synod.raft.spi.SnapshotStore;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Implementation notes
 * ====================
 *
 * Shape
 * -----
 * The node is a plain object in the style of etcd's raft: inputs are step(message), tick() and
 * local requests (propose, readIndex, transferLeadership, proposeMembership); outputs accumulate
 * and are handed out as one Ready value (hard state and entries to persist, messages to send,
 * committed entries to apply, read states). The caller acts on a Ready in the order fixed by
 * ReadyProcessor and calls advance(). No thread, no clock, no I/O: randomness comes from the
 * injected RandomGenerator and time from tick() (refs [1] §3, [2]).
 *
 * Elections
 * ---------
 * Randomized election timeouts in [T, 2T) ticks ([1] §3.4). Pre-vote ([1] §9.6): a node first
 * asks whether it could win, without raising its term, so a partitioned node that comes back
 * does not depose a healthy leader. Check-quorum ([1] §6.2): a leader that did not hear from a
 * majority during an election timeout steps down; with it, voters that heard from a leader
 * within the election timeout ignore vote requests (leader lease, [1] §4.2.3) unless the
 * request comes from a leadership transfer (TimeoutNow, [1] §3.10). Votes require the
 * candidate's log to be at least as up to date ([1] §3.6.1).
 *
 * Replication
 * -----------
 * Per follower a Progress (etcd): PROBE sends one append at a time until the match point is
 * found; REPLICATE streams with an optimistic next index and a bounded window of appends in
 * flight (pipelining, [1] §10.2.2); SNAPSHOT sends InstallSnapshot chunks ([1] §5.1). Appends
 * are bounded in entries and bytes; proposals between two Ready's share one append per follower
 * (batching, [1] §10.2.1). A rejected append carries a conflict hint so the leader skips a
 * whole term of mismatching entries per round trip ([1] §5.3).
 *
 * Commitment and application
 * --------------------------
 * The leader counts its own entry only once persisted (so a crash of the leader cannot lose an
 * entry counted as committed). An entry is committed by counting replicas only if it is of the
 * leader's current term ([1] §3.6.2, Figure 3.7); earlier entries commit indirectly. A new
 * leader appends a no-op entry of its term at once. Committed entries are handed out in order,
 * each exactly once per incarnation.
 *
 * Reads
 * -----
 * ReadIndex ([1] §6.4): the leader records its commit index (after an entry of its term is
 * committed), confirms leadership with a heartbeat round, and then answers with that index;
 * the caller serves the read once its state machine applied it.
 *
 * Membership
 * ----------
 * Single-server changes ([1] §4.1): a configuration entry takes effect as soon as it is in a log,
 * committed or not; one change at a time; a leader starts a change only after committing an
 * entry of its own term ([1] §4.1, the 2015 correction [3]). Learners receive the log without
 * voting ([1] §4.2.1). A leader removed from the configuration steps down once the change
 * commits ([1] §4.2.2).
 *
 * References
 * ----------
 * [1] D. Ongaro, "Consensus: Bridging Theory and Practice", PhD dissertation, Stanford, 2014.
 * [2] etcd-io/raft, the Ready/Step/Tick/Advance interface (github.com/etcd-io/raft).
 * [3] D. Ongaro, "bug in single-server membership changes", raft-dev mailing list, 2015.
 */

/**
 * One member of a Raft group as a deterministic, single-threaded state machine with no I/O.
 *
 * <p>Contract: all methods must be called from one thread. After {@link #ready()} the caller
 * must process the {@link Ready} (see {@link ReadyProcessor}) and call {@link #advance(Ready)}
 * before calling anything else. The log store passed in is only read here; the caller writes it
 * when processing a Ready.
 *
 * @since 1.0
 */
public final class RaftNode {

  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

  private final NodeId id;
  private final int groupId;
  private final RaftConfig config;
  private final RaftLog log;
  private final SnapshotStore snapshots;
  private final RandomGenerator random;
  /** Rules broken on purpose (test kit, {@link Mutant}); empty in production. */
  private final EnumSet<Mutant> mutants;
  /** Whether this node was a voter at some point in this incarnation (for one mutant). */
  private boolean everVoter;

  private RaftRole role = RaftRole.FOLLOWER;
  private long term;
  private NodeId votedFor;
  private NodeId leader;
  private long commitIndex;
  private long applied;

  private int electionElapsed;
  private int heartbeatElapsed;
  private int randomizedElectionTimeout;

  private final TreeMap<NodeId, Boolean> votes = new TreeMap<>();
  private final TreeMap<NodeId, Progress> progress = new TreeMap<>();
  private final TreeMap<Long, Membership> configHistory = new TreeMap<>();

  private ArrayList<RaftMessage> msgs = new ArrayList<>();
  private ArrayList<ReadState> readStates = new ArrayList<>();
  private final ArrayDeque<PendingRead> pendingReads = new ArrayDeque<>();
  private final ArrayDeque<ReadRequest> readsAwaitingCommit = new ArrayDeque<>();
  private long readRound;
  private boolean appendBroadcastNeeded;
  private boolean commitBroadcastNeeded;
  private boolean heartbeatBroadcastNeeded;

  private NodeId leadTransferee;

  private long recvSnapshotIndex;
  private ByteArrayOutputStream recvSnapshotBuffer;
  private Ready.ReceivedSnapshot receivedSnapshot;

  private SoftState prevSoft;
  private HardState prevHard;
  private boolean readyInFlight;

  /** A read asked for here ({@code from == null}) or by the follower {@code from}. */
  private record ReadRequest(long context, NodeId from) {}

  private static final class PendingRead {
    final ReadRequest request;
    final long index;
    final long round;
    final TreeSet<NodeId> acks = new TreeSet<>();

    PendingRead(ReadRequest request, long index, long round) {
      this.request = request;
      this.index = index;
      this.round = round;
    }
  }

  /**
   * Creates a node from what its store holds.
   *
   * @param id this node
   * @param groupId the Raft group
   * @param bootstrap the membership to use when neither a snapshot nor a configuration entry in
   *     the log says otherwise (the initial members)
   * @param config the tunables
   * @param store the log store, already recovered; the state machine must already hold the
   *     store's snapshot (if any), since application resumes after {@code
   *     store.snapshotIndex()}
   * @param snapshots the snapshot store, or {@code null} when snapshots are not used
   * @param random the source of election jitter; seeded by the caller
   */
  public RaftNode(NodeId id, int groupId, Membership bootstrap, RaftConfig config,
      RaftLogStore store, SnapshotStore snapshots, RandomGenerator random) {
    this(id, groupId, bootstrap, config, store, snapshots, random, EnumSet.noneOf(Mutant.class));
  }

  /** As the public constructor, with rules broken on purpose (see {@link Mutant#node}). */
  RaftNode(NodeId id, int groupId, Membership bootstrap, RaftConfig config,
      RaftLogStore store, SnapshotStore snapshots, RandomGenerator random,
      EnumSet<Mutant> mutants) {
    this.mutants = mutants;
    this.id = Objects.requireNonNull(id, "id");
    this.groupId = groupId;
    this.config = Objects.requireNonNull(config, "config");
    this.log = new RaftLog(Objects.requireNonNull(store, "store"));
    this.snapshots = snapshots;
    this.random = Objects.requireNonNull(random, "random");
    Membership base = Objects.requireNonNull(bootstrap, "bootstrap");
    long snapIndex = store.snapshotIndex();
    if (snapshots != null) {
      Optional<SnapshotStore.Meta> meta = snapshots.latest();
      if (meta.isPresent() && meta.get().lastIndex() == snapIndex) {
        base = meta.get().membership();
      }
    }
    configHistory.put(snapIndex, base);
    long last = store.lastIndex();
    for (long i = snapIndex + 1; i <= last; ) {
      List<LogEntry> batch = store.entries(i, last + 1, 1 << 22);
      for (LogEntry e : batch) {
        if (e.type() == EntryType.CONFIGURATION) {
          configHistory.put(e.index(), Membership.decode(e.data()));
        }
      }
      i += batch.size();
    }
    HardState hs = store.hardState();
    this.term = hs.term();
    this.votedFor = hs.votedFor();
    this.applied = snapIndex;
    this.commitIndex = Math.max(snapIndex, Math.min(hs.commitIndex(), last));
    becomeFollower(term, null);
    this.prevHard = new HardState(term, votedFor, commitIndex);
    this.prevSoft = softState();
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs

  /**
   * Advances logical time by one tick: followers count towards an election, leaders towards the
   * next heartbeat and the next check-quorum round.
   */
  public void tick() {
    checkNoReadyInFlight();
    if (role == RaftRole.LEADER) {
      tickLeader();
    } else {
      tickElection();
    }
  }

  /**
   * Handles one message from a peer. Messages for another group or addressee are ignored.
   *
   * @param m the message
   */
  public void step(RaftMessage m) {
    checkNoReadyInFlight();
    if (m.groupId() != groupId || !m.to().equals(id)) {
      return;
    }
    if (m.term() > term) {
      if (m instanceof VoteRequest || m instanceof PreVoteRequest) {
        boolean force = m instanceof VoteRequest v && v.transfer();
        boolean inLease = config.checkQuorum() && leader != null
            && electionElapsed < config.electionTimeoutTicks();
        if (!force && inLease) {
          return; // leader lease: [1] §4.2.3
        }
      }
      if (m instanceof PreVoteRequest) {
        // a pre-vote never changes our term
      } else if (m instanceof PreVoteResponse r && r.granted()) {
        // a granted pre-vote carries the term we would campaign in
      } else {
        boolean fromLeader = m instanceof AppendEntriesRequest || m instanceof HeartbeatRequest
            || m instanceof InstallSnapshotRequest;
        becomeFollower(m.term(), fromLeader ? m.from() : null);
      }
    } else if (m.term() < term) {
      if (m instanceof AppendEntriesRequest || m instanceof HeartbeatRequest
          || m instanceof InstallSnapshotRequest) {
        // Figure 3.1, AppendEntries/InstallSnapshot receiver rule 1: reply false with our
        // term, so a stale leader learns of the newer term and steps down. With check-quorum
        // or pre-vote this is also what lets a node whose term ran ahead rejoin ([1] §9.6)
        send(AppendEntriesResponse.staleTerm(groupId, id, m.from(), term));
      } else if (m instanceof VoteRequest) {
        // Figure 3.1, RequestVote receiver rule 1: reply false; the stale candidate steps down
        send(new VoteResponse(groupId, id, m.from(), term, false));
      } else if (m instanceof PreVoteRequest) {
        send(new PreVoteResponse(groupId, id, m.from(), term, false));
      }
      return;
    }
    if (m instanceof PreVoteRequest r) {
      handlePreVote(r);
      return;
    }
    if (m instanceof VoteRequest r) {
      handleVote(r);
      return;
    }
    switch (role) {
      case LEADER -> stepLeader(m);
      case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
      case FOLLOWER -> stepFollower(m);
      default -> throw new IllegalStateException("unknown role " + role);
    }
  }

  /**
   * Appends a command to the log, if this node is the leader.
   *
   * @param command the command bytes; must not be changed afterwards
   * @return the log index the command will have if it commits
   * @throws NotLeaderException if this node is not the leader
   * @throws ProposalDroppedException during a leadership transfer or when too many entries are
   *     uncommitted
   */
  public long propose(byte[] command) {
    checkNoReadyInFlight();
    checkLeaderAccepting();
    return appendAsLeader(EntryType.COMMAND, command);
  }

  /**
   * Asks for a linearizable read point (ReadIndex, [1] §6.4), on the leader or on any node that
   * knows the leader. The answer comes later as a {@link ReadState} with the same context in a
   * {@link Ready}, and the caller serves the read once it applied that index. On a follower the
   * leader is asked with a {@link ReadIndexRequest} and confirms its leadership with a heartbeat
   * round first (§6.4, "reads at followers"). The answer never comes if leadership changes or a
   * message is lost meanwhile (callers must time out or watch {@link SoftState}).
   *
   * @param context an identifier chosen by the caller
   * @throws NotLeaderException if this node neither leads nor knows a leader
   * @throws ProposalDroppedException on a leader during a transfer or when too many reads are
   *     pending
   */
  public void readIndex(long context) {
    checkNoReadyInFlight();
    if (role != RaftRole.LEADER && role != RaftRole.CANDIDATE && leader != null) {
      send(new ReadIndexRequest(groupId, id, leader, term, context));
      return;
    }
    checkLeaderAccepting();
    requestRead(new ReadRequest(context, null));
  }

  private void requestRead(ReadRequest req) {
    if (log.term(commitIndex) != term && !mutants.contains(Mutant.READ_BEFORE_OWN_TERM_COMMIT)) {
      if (readsAwaitingCommit.size() >= config.maxPendingReads()) {
        throw new ProposalDroppedException("too many pending reads");
      }
      readsAwaitingCommit.add(req);
      return;
    }
    startRead(req);
  }

  /** A follower's ReadIndex request: answered like a local one, by message. */
  private void handleReadIndexRequest(ReadIndexRequest r) {
    if (leadTransferee != null) {
      return; // refused like a proposal; the follower times out and asks again
    }
    try {
      requestRead(new ReadRequest(r.context(), r.from()));
    } catch (ProposalDroppedException e) {
      LOG.debug("{} drops a read of {}: {}", id, r.from(), e.getMessage());
    }
  }

  private void answerRead(ReadRequest req, long index) {
    if (req.from() == null) {
      readStates.add(new ReadState(req.context(), index));
    } else {
      send(new ReadIndexResponse(groupId, id, req.from(), term, req.context(), index));
    }
  }

  /**
   * Starts handing leadership to {@code transferee} ([1] §3.10): proposals are refused while it
   * runs; once the transferee's log is up to date it is told to campaign at once. The transfer
   * is abandoned one election timeout after it was requested. A repeated request for the same
   * transferee is ignored (it does not extend the transfer); a request naming this node cancels
   * a pending transfer; one naming another voter replaces it.
   *
   * @param transferee a voter
   * @throws NotLeaderException if this node is not the leader
   * @throws IllegalArgumentException if {@code transferee} is not a voter
   */
  public void transferLeadership(NodeId transferee) {
    checkNoReadyInFlight();
    if (role != RaftRole.LEADER) {
      throw new NotLeaderException(id, leader);
    }
    if (transferee.equals(id)) {
      // a transfer to the leader itself is how a pending one is cancelled ([1] §3.10: the
      // leader resumes accepting proposals); with none pending there is nothing to do
      if (leadTransferee != null) {
        LOG.debug("{} aborts the transfer to {}", id, leadTransferee);
        leadTransferee = null;
      }
      return;
    }
    if (!membership().voters().contains(transferee)) {
      throw new IllegalArgumentException(transferee + " is not a voter");
    }
    if (transferee.equals(leadTransferee)) {
      // a repeat: the transfer still aborts one election timeout after the first request
      // ([1] §3.10), and check-quorum keeps its rhythm
      return;
    }
    leadTransferee = transferee;
    // the transfer aborts one election timeout from now (tickLeader); this also restarts the
    // check-quorum round, as etcd does
    electionElapsed = 0;
    if (!maybeSendTimeoutNow(transferee)) {
      maybeSendAppend(transferee, true);
    }
  }

  /**
   * Proposes a new membership that differs from the current one in at most one voter (plus any
   * number of learner changes): single-server change, [1] §4.1.
   *
   * @param next the new membership
   * @return the log index of the configuration entry
   * @throws NotLeaderException if this node is not the leader
   * @throws ProposalDroppedException if a change is still uncommitted, or the leader has not yet
   *     committed an entry of its term
   * @throws IllegalArgumentException if more than one voter changes
   */
  public long proposeMembership(Membership next) {
    checkNoReadyInFlight();
    checkLeaderAccepting();
    if (log.term(commitIndex) != term) {
      throw new ProposalDroppedException("leader has not committed an entry of its term yet");
    }
    if (configHistory.lastKey() > commitIndex) {
      throw new ProposalDroppedException("a membership change is still uncommitted");
    }
    Membership current = membership();
    TreeSet<NodeId> diff = new TreeSet<>(current.voters());
    diff.addAll(next.voters());
    TreeSet<NodeId> both = new TreeSet<>(current.voters());
    both.retainAll(next.voters());
    diff.removeAll(both);
    if (diff.size() > 1) {
      throw new IllegalArgumentException("only one voter may change at a time: " + current
          + " -> " + next);
    }
    return appendAsLeader(EntryType.CONFIGURATION, next.encode());
  }

  /** Starts an election now (pre-vote first if enabled), if this node is a voter. */
  public void campaign() {
    checkNoReadyInFlight();
    if (role != RaftRole.LEADER && promotable()) {
      startElection(false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Outputs

  /** Whether {@link #ready()} has anything to hand out. */
  public boolean hasReady() {
    if (readyInFlight) {
      return false;
    }
    flush();
    return !msgs.isEmpty()
        || !readStates.isEmpty()
        || receivedSnapshot != null
        || log.hasUnstable()
        || (commitIndex > applied && !log.hasPendingSnapshot())
        || !softState().equals(prevSoft)
        || !hardState().equals(prevHard);
  }

  /**
   * Hands out what must be done; see {@link Ready} for the order. Must be followed by {@link
   * #advance(Ready)} before any other call.
   */
  public Ready ready() {
    checkNoReadyInFlight();
    flush();
    SoftState soft = softState();
    HardState hard = hardState();
    SoftState softOut = soft.equals(prevSoft) ? null : soft;
    HardState hardOut = hard.equals(prevHard) ? null : hard;
    boolean hardNeedsSync = hard.term() != prevHard.term()
        || !Objects.equals(hard.votedFor(), prevHard.votedFor());
    List<LogEntry> entries = log.unstableEntries();
    List<LogEntry> committed = List.of();
    if (receivedSnapshot == null && !log.hasPendingSnapshot() && commitIndex > applied) {
      long to = Math.min(commitIndex, applied + config.maxCommittedPerReady());
      committed = log.entries(applied + 1, to + 1, Long.MAX_VALUE);
    }
    List<RaftMessage> out = msgs;
    msgs = new ArrayList<>();
    List<ReadState> reads = readStates;
    readStates = new ArrayList<>();
    prevSoft = soft;
    prevHard = hard;
    readyInFlight = true;
    return new Ready(softOut, hardOut, receivedSnapshot, entries,
        !entries.isEmpty() || hardNeedsSync || receivedSnapshot != null, out, committed, reads);
  }

  /**
   * Tells the node that {@code rd} was processed: entries persisted, messages sent, committed
   * entries applied.
   */
  public void advance(Ready rd) {
    Invariants.check(readyInFlight, "advance without ready");
    readyInFlight = false;
    if (rd.snapshot() != null) {
      log.snapshotInstalled(rd.snapshot().lastIndex());
      applied = Math.max(applied, rd.snapshot().lastIndex());
      if (receivedSnapshot == rd.snapshot()) {
        receivedSnapshot = null;
      }
    }
    if (!rd.entries().isEmpty()) {
      LogEntry last = rd.entries().get(rd.entries().size() - 1);
      log.stableTo(last.index(), last.term());
    }
    if (!rd.committedEntries().isEmpty()) {
      long last = rd.committedEntries().get(rd.committedEntries().size() - 1).index();
      Invariants.check(rd.committedEntries().get(0).index() == applied + 1,
          "committed entries handed out of order");
      applied = last;
    }
    if (role == RaftRole.LEADER) {
      if (maybeCommit()) {
        commitBroadcastNeeded = true;
      }
    }
    pruneConfigHistory();
  }

  // ---------------------------------------------------------------------------------------------
  // Status

  /** This node's id. */
  public NodeId id() {
    return id;
  }

  /** The group id. */
  public int groupId() {
    return groupId;
  }

  /** The current role. */
  public RaftRole role() {
    return role;
  }

  /** The current term. */
  public long term() {
    return term;
  }

  /** The known leader, or {@code null}. */
  public NodeId leader() {
    return leader;
  }

  /** On a leader, the target of a pending leadership transfer, or {@code null}. */
  public NodeId leadTransferee() {
    return leadTransferee;
  }

  /** The candidate voted for in the current term, or {@code null}. */
  public NodeId votedFor() {
    return votedFor;
  }

  /** The highest index known committed. */
  public long commitIndex() {
    return commitIndex;
  }

  /** The highest index handed out for application and acknowledged by {@link #advance}. */
  public long appliedIndex() {
    return applied;
  }

  /** The index of the last entry in the log (persisted or not). */
  public long lastIndex() {
    return log.lastIndex();
  }

  /** The first index still in the log (after the snapshot). */
  public long firstIndex() {
    return log.firstIndex();
  }

  /** The term of the entry at {@code index}, or -1 if the log does not hold it. */
  public long termAt(long index) {
    return log.termOrMinus(index);
  }

  /** The entry at {@code index}; it must be in [firstIndex, lastIndex]. */
  public LogEntry entryAt(long index) {
    return log.entry(index);
  }

  /** The latest membership in the log. */
  public Membership membership() {
    return configHistory.lastEntry().getValue();
  }

  /** The membership in force at {@code index} (for snapshot metadata). */
  public Membership membershipAt(long index) {
    Map.Entry<Long, Membership> e = configHistory.floorEntry(index);
    return e == null ? configHistory.firstEntry().getValue() : e.getValue();
  }

  /** Whether the latest membership change is committed (a new one may start). */
  public boolean membershipChangePending() {
    return configHistory.lastKey() > commitIndex;
  }

  /** On a leader, the match index of {@code member}; -1 if unknown or not leader. */
  public long matchIndex(NodeId member) {
    if (role != RaftRole.LEADER) {
      return -1;
    }
    if (member.equals(id)) {
      return log.stableLastIndex();
    }
    Progress pr = progress.get(member);
    return pr == null ? -1 : pr.match;
  }

  /** The current role, term and leader. */
  public SoftState softState() {
    return new SoftState(role, term, leader);
  }

  /** The current term, vote and commit index. */
  public HardState hardState() {
    return new HardState(term, votedFor, commitIndex);
  }

  @Override
  public String toString() {
    return id + "{" + role + " t" + term + " last=" + log.lastIndex() + " commit=" + commitIndex
        + " applied=" + applied + " leader=" + leader + "}";
  }

  // ---------------------------------------------------------------------------------------------
  // Roles

  private void becomeFollower(long newTerm, NodeId newLeader) {
    reset(newTerm);
    role = RaftRole.FOLLOWER;
    leader = newLeader;
  }

  private void becomePreCandidate() {
    // not reset(): the term and vote stay; only the election state starts over
    role = RaftRole.PRE_CANDIDATE;
    leader = null;
    votes.clear();
    electionElapsed = 0;
    randomizeElectionTimeout();
  }

  private void becomeCandidate() {
    reset(term + 1);
    role = RaftRole.CANDIDATE;
    votedFor = id;
  }

  private void becomeLeader() {
    Invariants.check(role == RaftRole.CANDIDATE, "only a candidate becomes leader");
    reset(term);
    role = RaftRole.LEADER;
    leader = id;
    for (NodeId member : membership().all()) {
      if (!member.equals(id)) {
        // no peer counts as heard from until it answers this leader: its first check-quorum
        // round must find a majority or step down ([1] §6.2)
        progress.put(member, newProgress(false));
      }
    }
    LOG.debug("{} became leader in term {}", id, term);
    if (!mutants.contains(Mutant.COMMIT_PREVIOUS_TERM_BY_COUNTING)) {
      // the no-op commits earlier terms' entries the safe way (and would mask the test bug)
      appendAsLeader(EntryType.NOOP, null);
    }
  }

  private Progress newProgress(boolean recentActive) {
    Progress pr = new Progress(log.lastIndex() + 1, config.maxInflightAppends());
    pr.recentActive = recentActive;
    return pr;
  }

  private void reset(long newTerm) {
    if (newTerm != term) {
      term = newTerm;
      votedFor = null;
    }
    leader = null;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    randomizeElectionTimeout();
    votes.clear();
    progress.clear();
    leadTransferee = null;
    pendingReads.clear();
    readsAwaitingCommit.clear();
    appendBroadcastNeeded = false;
    commitBroadcastNeeded = false;
    heartbeatBroadcastNeeded = false;
  }

  private void randomizeElectionTimeout() {
    int t = config.electionTimeoutTicks();
    randomizedElectionTimeout = t + random.nextInt(t);
  }

  private boolean promotable() {
    boolean voter = membership().voters().contains(id);
    everVoter |= voter;
    return voter || (everVoter && mutants.contains(Mutant.REMOVED_NODE_KEEPS_RUNNING));
  }

  private void tickElection() {
    electionElapsed++;
    if (promotable() && electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      startElection(false);
    }
  }

  private void tickLeader() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= config.electionTimeoutTicks()) {
      electionElapsed = 0;
      if (config.checkQuorum() && !quorumActive()) {
        LOG.debug("{} steps down: no quorum heard in term {}", id, term);
        becomeFollower(term, null);
        return;
      }
      leadTransferee = null;
    }
    for (Progress pr : progress.values()) {
      if (pr.state == Progress.State.SNAPSHOT) {
        pr.snapshotIdleTicks++;
      }
    }
    if (heartbeatElapsed >= config.heartbeatIntervalTicks()) {
      heartbeatElapsed = 0;
      heartbeatBroadcastNeeded = true;
    }
  }

  private boolean quorumActive() {
    boolean active = Quorum.hasMajority(membership().voters(), v -> {
      if (v.equals(id)) {
        return true;
      }
      Progress pr = progress.get(v);
      return pr != null && pr.recentActive;
    });
    for (Progress pr : progress.values()) {
      pr.recentActive = false;
    }
    return active;
  }

  private void startElection(boolean transfer) {
    if (config.preVote() && !transfer) {
      becomePreCandidate();
      votes.put(id, true);
      if (!pollAndAct()) {
        for (NodeId v : membership().voters()) {
          if (!v.equals(id)) {
            send(new PreVoteRequest(groupId, id, v, term + 1, log.lastIndex(), log.lastTerm()));
          }
        }
      }
      return;
    }
    campaignForReal(transfer);
  }

  private void campaignForReal(boolean transfer) {
    becomeCandidate();
    votes.put(id, true);
    if (pollAndAct()) {
      return;
    }
    for (NodeId v : membership().voters()) {
      if (!v.equals(id)) {
        send(new VoteRequest(groupId, id, v, term, log.lastIndex(), log.lastTerm(), transfer));
      }
    }
  }

  /** Counts votes; returns whether the election ended (won or lost). */
  private boolean pollAndAct() {
    Quorum.VoteResult result = Quorum.voteResult(membership().voters(), votes);
    if (result == Quorum.VoteResult.WON) {
      if (role == RaftRole.PRE_CANDIDATE) {
        campaignForReal(false);
      } else {
        becomeLeader();
      }
      return true;
    }
    if (result == Quorum.VoteResult.LOST) {
      becomeFollower(term, null);
      return true;
    }
    return false;
  }

  private void handleVote(VoteRequest r) {
    boolean canVote = r.from().equals(votedFor) || (votedFor == null && leader == null);
    boolean upToDate = mutants.contains(Mutant.VOTE_WITHOUT_LOG_CHECK)
        || log.isUpToDate(r.lastLogIndex(), r.lastLogTerm());
    if (canVote && upToDate) {
      votedFor = r.from();
      electionElapsed = 0;
      send(new VoteResponse(groupId, id, r.from(), term, true));
    } else {
      send(new VoteResponse(groupId, id, r.from(), term, false));
    }
  }

  private void handlePreVote(PreVoteRequest r) {
    boolean canVote = r.term() > term || r.from().equals(votedFor)
        || (votedFor == null && leader == null);
    boolean upToDate = mutants.contains(Mutant.VOTE_WITHOUT_LOG_CHECK)
        || log.isUpToDate(r.lastLogIndex(), r.lastLogTerm());
    boolean grant = canVote && upToDate;
    send(new PreVoteResponse(groupId, id, r.from(), grant ? r.term() : term, grant));
  }

  private void stepFollower(RaftMessage m) {
    if (m instanceof AppendEntriesRequest r) {
      electionElapsed = 0;
      leader = r.from();
      handleAppend(r);
    } else if (m instanceof HeartbeatRequest r) {
      electionElapsed = 0;
      leader = r.from();
      handleHeartbeat(r);
    } else if (m instanceof InstallSnapshotRequest r) {
      electionElapsed = 0;
      leader = r.from();
      handleSnapshot(r);
    } else if (m instanceof ReadIndexResponse r) {
      if (r.from().equals(leader)) {
        readStates.add(new ReadState(r.context(), r.index()));
      }
    } else if (m instanceof TimeoutNow) {
      if (promotable()) {
        LOG.debug("{} campaigns at once: leadership transfer in term {}", id, term);
        campaignForReal(true);
      }
    }
  }

  private void stepCandidate(RaftMessage m) {
    if (m instanceof AppendEntriesRequest || m instanceof HeartbeatRequest
        || m instanceof InstallSnapshotRequest) {
      becomeFollower(term, m.from());
      stepFollower(m);
    } else if (m instanceof VoteResponse r && role == RaftRole.CANDIDATE) {
      votes.putIfAbsent(r.from(), r.granted());
      pollAndAct();
    } else if (m instanceof PreVoteResponse r && role == RaftRole.PRE_CANDIDATE) {
      if (!r.granted() || r.term() == term + 1) {
        votes.putIfAbsent(r.from(), r.granted());
        pollAndAct();
      }
    }
  }

  private void stepLeader(RaftMessage m) {
    if (m instanceof AppendEntriesResponse r) {
      handleAppendResponse(r);
    } else if (m instanceof HeartbeatResponse r) {
      handleHeartbeatResponse(r);
    } else if (m instanceof InstallSnapshotResponse r) {
      handleSnapshotResponse(r);
    } else if (m instanceof ReadIndexRequest r) {
      handleReadIndexRequest(r);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Follower side of replication

  private void handleAppend(AppendEntriesRequest r) {
    if (r.prevLogIndex() < commitIndex) {
      send(AppendEntriesResponse.accept(groupId, id, r.from(), term, commitIndex));
      return;
    }
    if (log.matchTerm(r.prevLogIndex(), r.prevLogTerm())) {
      List<LogEntry> entries = r.entries();
      long lastNew = r.prevLogIndex() + entries.size();
      int start = 0;
      long last = log.lastIndex();
      while (start < entries.size()) {
        LogEntry e = entries.get(start);
        if (e.index() > last || log.term(e.index()) != e.term()) {
          break;
        }
        start++;
      }
      if (start < entries.size()) {
        long conflict = entries.get(start).index();
        Invariants.check(conflict > commitIndex, id + " would overwrite committed entry "
            + conflict + " (commit " + commitIndex + ")");
        appendToLog(entries.subList(start, entries.size()));
      }
      commitTo(Math.min(r.leaderCommit(), lastNew));
      send(AppendEntriesResponse.accept(groupId, id, r.from(), term, lastNew));
    } else {
      long hint = Math.min(r.prevLogIndex(), log.lastIndex());
      hint = findConflictByTerm(hint, r.prevLogTerm());
      long hintTerm = Math.max(0, log.termOrMinus(hint));
      send(AppendEntriesResponse.reject(groupId, id, r.from(), term, r.prevLogIndex(), hint,
          hintTerm));
    }
  }

  private void handleHeartbeat(HeartbeatRequest r) {
    commitTo(Math.min(r.commitIndex(), log.lastIndex()));
    send(new HeartbeatResponse(groupId, id, r.from(), term, r.readRound(), log.lastIndex()));
  }

  private void handleSnapshot(InstallSnapshotRequest r) {
    long index = r.lastIncludedIndex();
    if (index <= commitIndex) {
      recvSnapshotBuffer = null;
      send(new InstallSnapshotResponse(groupId, id, r.from(), term, index,
          r.offset() + r.data().length, true));
      return;
    }
    if (r.offset() == 0) {
      recvSnapshotIndex = index;
      recvSnapshotBuffer = new ByteArrayOutputStream();
    } else if (recvSnapshotBuffer == null || recvSnapshotIndex != index
        || recvSnapshotBuffer.size() != r.offset()) {
      long expected = recvSnapshotBuffer != null && recvSnapshotIndex == index
          ? recvSnapshotBuffer.size() : 0;
      send(new InstallSnapshotResponse(groupId, id, r.from(), term, index, expected, false));
      return;
    }
    recvSnapshotBuffer.writeBytes(r.data());
    if (!r.done()) {
      send(new InstallSnapshotResponse(groupId, id, r.from(), term, index,
          recvSnapshotBuffer.size(), false));
      return;
    }
    byte[] data = recvSnapshotBuffer.toByteArray();
    recvSnapshotBuffer = null;
    if (log.matchTerm(index, r.lastIncludedTerm())) {
      // we already hold the entries it covers: just commit them ([1] §5.1 step 6)
      commitTo(index);
    } else {
      Membership m = new Membership(new TreeSet<>(r.voters()), new TreeSet<>(r.learners()));
      log.restoreSnapshot(index, r.lastIncludedTerm());
      commitIndex = index;
      configHistory.clear();
      configHistory.put(index, m);
      receivedSnapshot = new Ready.ReceivedSnapshot(index, r.lastIncludedTerm(), m, data);
      LOG.debug("{} installs snapshot up to {}/{}", id, index, r.lastIncludedTerm());
    }
    send(new InstallSnapshotResponse(groupId, id, r.from(), term, index, data.length, true));
  }

  private long findConflictByTerm(long index, long t) {
    long snap = log.snapshotIndex();
    while (index > snap) {
      long it = log.termOrMinus(index);
      if (it <= t) {
        break;
      }
      index--;
    }
    return index;
  }

  private void commitTo(long index) {
    if (index > commitIndex) {
      commitIndex = index;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Leader side of replication

  private void checkLeaderAccepting() {
    if (role != RaftRole.LEADER) {
      throw new NotLeaderException(id, leader);
    }
    if (leadTransferee != null) {
      throw new ProposalDroppedException("leadership transfer to " + leadTransferee
          + " in progress");
    }
  }

  private long appendAsLeader(EntryType type, byte[] data) {
    long index = log.lastIndex() + 1;
    if (type != EntryType.NOOP && index - commitIndex > config.maxUncommittedEntries()) {
      throw new ProposalDroppedException("too many uncommitted entries");
    }
    appendToLog(List.of(new LogEntry(term, index, type, data)));
    appendBroadcastNeeded = true;
    return index;
  }

  private void appendToLog(List<LogEntry> entries) {
    long first = entries.get(0).index();
    boolean configChanged = !configHistory.tailMap(first, true).isEmpty();
    configHistory.tailMap(first, true).clear();
    if (configHistory.isEmpty()) {
      throw new IllegalStateException("membership history lost below " + first);
    }
    log.append(entries);
    for (LogEntry e : entries) {
      if (e.type() == EntryType.CONFIGURATION) {
        configHistory.put(e.index(), Membership.decode(e.data()));
        configChanged = true;
      }
    }
    if (configChanged) {
      onMembershipChanged();
    }
  }

  private void onMembershipChanged() {
    Membership m = membership();
    if (role == RaftRole.LEADER) {
      for (NodeId member : m.all()) {
        if (!member.equals(id) && !progress.containsKey(member)) {
          // a member just added has had no chance to answer: do not let it fail the next
          // check-quorum round (etcd does the same)
          progress.put(member, newProgress(true));
        }
      }
      progress.keySet().removeIf(n -> !m.contains(n));
      if (leadTransferee != null && !m.voters().contains(leadTransferee)) {
        leadTransferee = null;
      }
    }
  }

  private void pruneConfigHistory() {
    long snap = log.snapshotIndex();
    Long floor = configHistory.floorKey(snap);
    if (floor != null && floor > configHistory.firstKey()) {
      configHistory.headMap(floor, false).clear();
    }
  }

  private boolean maybeSendAppend(NodeId to, boolean sendIfEmpty) {
    Progress pr = progress.get(to);
    if (pr == null || pr.isPaused()) {
      return false;
    }
    long last = log.lastIndex();
    if (pr.next > last + 1) {
      pr.next = last + 1;
    }
    long prevIndex = pr.next - 1;
    long prevTerm = log.termOrMinus(prevIndex);
    if (prevTerm < 0) {
      return maybeStartSnapshot(to, pr);
    }
    List<LogEntry> ents = pr.next <= last
        ? log.entries(pr.next, Math.min(last + 1, pr.next + config.maxEntriesPerAppend()),
            config.maxBytesPerAppend())
        : List.of();
    if (ents.isEmpty() && !sendIfEmpty) {
      return false;
    }
    send(new AppendEntriesRequest(groupId, id, to, term, prevIndex, prevTerm, ents, commitIndex));
    // the follower takes the commit only up to the last entry it knows matches
    long vouched = ents.isEmpty() ? prevIndex : ents.get(ents.size() - 1).index();
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(commitIndex, vouched));
    if (pr.state == Progress.State.REPLICATE) {
      if (!ents.isEmpty()) {
        long lastSent = ents.get(ents.size() - 1).index();
        pr.next = lastSent + 1;
        pr.inflight.addLast(lastSent);
      }
    } else {
      pr.probeSent = true;
    }
    return true;
  }

  private boolean maybeStartSnapshot(NodeId to, Progress pr) {
    Optional<SnapshotStore.Meta> meta = snapshots == null ? Optional.empty() : snapshots.latest();
    if (meta.isEmpty() || meta.get().lastIndex() < pr.next - 1) {
      LOG.warn("{} cannot replicate to {}: entry {} compacted and no snapshot", id, to, pr.next);
      return false;
    }
    pr.becomeSnapshot(meta.get().lastIndex());
    sendSnapshotChunk(to, pr, meta.get());
    return true;
  }

  private void sendSnapshotChunk(NodeId to, Progress pr, SnapshotStore.Meta meta) {
    byte[] chunk = snapshots.read(pr.snapshotOffset, config.snapshotChunkBytes());
    boolean done = pr.snapshotOffset + chunk.length >= meta.size();
    Membership m = meta.membership();
    send(new InstallSnapshotRequest(groupId, id, to, term, meta.lastIndex(), meta.lastTerm(),
        List.copyOf(m.voters()), List.copyOf(m.learners()), pr.snapshotOffset, chunk, done));
    pr.snapshotIdleTicks = 0;
  }

  private void handleSnapshotResponse(InstallSnapshotResponse r) {
    Progress pr = progress.get(r.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    if (pr.state != Progress.State.SNAPSHOT || r.lastIncludedIndex() != pr.snapshotIndex) {
      return;
    }
    if (r.done()) {
      pr.maybeUpdate(r.lastIncludedIndex());
      pr.becomeProbe();
      // a transferee may be fully caught up by the snapshot alone ([1] §3.10)
      if (!maybeSendTimeoutNow(r.from())) {
        maybeSendAppend(r.from(), true);
      }
      return;
    }
    Optional<SnapshotStore.Meta> meta = snapshots.latest();
    if (meta.isEmpty()) {
      pr.becomeProbe();
      return;
    }
    if (meta.get().lastIndex() != pr.snapshotIndex) {
      pr.becomeSnapshot(meta.get().lastIndex());
    } else {
      pr.snapshotOffset = r.nextOffset();
    }
    sendSnapshotChunk(r.from(), pr, meta.get());
  }

  private void handleAppendResponse(AppendEntriesResponse r) {
    Progress pr = progress.get(r.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    if (!r.success()) {
      if (r.isStaleTermReject()) {
        return;
      }
      if (pr.state == Progress.State.SNAPSHOT) {
        return;
      }
      if (pr.state == Progress.State.REPLICATE && r.rejectedIndex() <= pr.match) {
        return; // stale
      }
      if (pr.state == Progress.State.PROBE && r.rejectedIndex() != pr.next - 1) {
        return; // stale
      }
      long next = r.hintIndex();
      if (r.hintTerm() > 0) {
        next = findConflictByTerm(r.hintIndex(), r.hintTerm());
      }
      pr.becomeProbe();
      pr.next = Math.max(Math.min(r.rejectedIndex(), next + 1), pr.match + 1);
      maybeSendAppend(r.from(), true);
      return;
    }
    if (pr.maybeUpdate(r.matchIndex())) {
      if (pr.state == Progress.State.PROBE) {
        pr.becomeReplicate();
      } else if (pr.state == Progress.State.SNAPSHOT) {
        if (pr.match >= pr.snapshotIndex) {
          pr.becomeProbe();
        }
      } else {
        pr.freeInflightTo(r.matchIndex());
      }
      if (maybeCommit()) {
        commitBroadcastNeeded = true;
      }
    } else {
      pr.freeInflightTo(r.matchIndex());
    }
    if (role != RaftRole.LEADER) {
      return;
    }
    // whichever way the transferee caught up (this append, an earlier one, a snapshot)
    maybeSendTimeoutNow(r.from());
    while (maybeSendAppend(r.from(), false)) {
      // fill the pipeline window
    }
    if (!commitBroadcastNeeded && pr.state != Progress.State.SNAPSHOT
        && pr.sentCommit < Math.min(commitIndex, pr.match)) {
      // a late acknowledgement of entries that committed meanwhile: the broadcast capped this
      // follower's commit at its match then, so tell it now rather than at the next heartbeat
      sendHeartbeat(r.from(), pr);
    }
  }

  /** Sends TimeoutNow if {@code to} is the transferee and its log is the leader's. */
  private boolean maybeSendTimeoutNow(NodeId to) {
    Progress pr = progress.get(to);
    if (!to.equals(leadTransferee) || pr == null || pr.match != log.lastIndex()) {
      return false;
    }
    send(new TimeoutNow(groupId, id, to, term));
    return true;
  }

  private void handleHeartbeatResponse(HeartbeatResponse r) {
    Progress pr = progress.get(r.from());
    if (pr == null) {
      return;
    }
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state == Progress.State.REPLICATE && pr.inflight.size() >= pr.maxInflight) {
      pr.inflight.pollFirst();
    }
    if (pr.state == Progress.State.SNAPSHOT
        && pr.snapshotIdleTicks >= config.electionTimeoutTicks() / 2) {
      Optional<SnapshotStore.Meta> meta = snapshots == null ? Optional.empty()
          : snapshots.latest();
      if (meta.isPresent() && meta.get().lastIndex() == pr.snapshotIndex) {
        sendSnapshotChunk(r.from(), pr, meta.get());
      } else {
        pr.becomeProbe();
      }
    }
    if (pr.match < log.lastIndex()) {
      // an empty append probes the follower if the last appends were lost ([2]: sendAppend)
      maybeSendAppend(r.from(), true);
    }
    if (r.readRound() > 0) {
      ackReads(r.from(), r.readRound());
    }
  }

  private boolean maybeCommit() {
    long idx = Quorum.committedIndex(membership().voters(), v -> {
      if (v.equals(id)) {
        return log.stableLastIndex();
      }
      Progress pr = progress.get(v);
      return pr == null ? 0 : pr.match;
    });
    if (idx <= commitIndex) {
      return false;
    }
    if (!mutants.contains(Mutant.COMMIT_PREVIOUS_TERM_BY_COUNTING) && log.term(idx) != term) {
      return false;
    }
    commitIndex = idx;
    onLeaderCommitAdvanced();
    return true;
  }

  private void onLeaderCommitAdvanced() {
    if (log.term(commitIndex) == term && !readsAwaitingCommit.isEmpty()) {
      while (!readsAwaitingCommit.isEmpty()) {
        startRead(readsAwaitingCommit.pollFirst());
      }
    }
    if (!membership().voters().contains(id) && configHistory.lastKey() <= commitIndex) {
      LOG.debug("{} steps down: removed from the configuration", id);
      // tell the others at once, so the next election does not wait for a timeout
      flushBroadcasts(true);
      becomeFollower(term, null);
    }
  }

  private void startRead(ReadRequest req) {
    Membership m = membership();
    if ((Quorum.majority(m.voters()) == 1 && m.voters().contains(id))
        || mutants.contains(Mutant.READ_WITHOUT_HEARTBEAT_QUORUM)) {
      answerRead(req, commitIndex);
      return;
    }
    if (pendingReads.size() >= config.maxPendingReads()) {
      throw new ProposalDroppedException("too many pending reads");
    }
    readRound++;
    PendingRead pr = new PendingRead(req, commitIndex, readRound);
    if (m.voters().contains(id)) {
      pr.acks.add(id);
    }
    pendingReads.addLast(pr);
    heartbeatBroadcastNeeded = true;
  }

  private void ackReads(NodeId from, long round) {
    Membership m = membership();
    if (!m.voters().contains(from) || pendingReads.isEmpty()) {
      return;
    }
    for (PendingRead pr : pendingReads) {
      if (pr.round > round) {
        break;
      }
      pr.acks.add(from);
    }
    while (!pendingReads.isEmpty()
        && Quorum.hasMajority(m.voters(), pendingReads.peekFirst().acks::contains)) {
      PendingRead pr = pendingReads.pollFirst();
      answerRead(pr.request, pr.index);
    }
  }

  /** Sends what proposals, commits and read rounds since the last Ready call for. */
  private void flush() {
    if (role != RaftRole.LEADER) {
      return;
    }
    flushBroadcasts(false);
  }

  private void flushBroadcasts(boolean force) {
    if (appendBroadcastNeeded || commitBroadcastNeeded || force) {
      for (NodeId to : progress.keySet()) {
        if (!maybeSendAppend(to, false) && (commitBroadcastNeeded || force)) {
          Progress pr = progress.get(to);
          if (pr.state != Progress.State.SNAPSHOT) {
            sendHeartbeat(to, pr);
          }
          continue;
        }
        while (maybeSendAppend(to, false)) {
          // fill the pipeline window
        }
      }
      appendBroadcastNeeded = false;
      commitBroadcastNeeded = false;
    }
    if (heartbeatBroadcastNeeded) {
      for (Map.Entry<NodeId, Progress> e : progress.entrySet()) {
        sendHeartbeat(e.getKey(), e.getValue());
      }
      heartbeatBroadcastNeeded = false;
    }
  }

  private void sendHeartbeat(NodeId to, Progress pr) {
    long commit = Math.min(commitIndex, pr.match);
    pr.sentCommit = Math.max(pr.sentCommit, commit);
    send(new HeartbeatRequest(groupId, id, to, term, commit, readRound));
  }

  private void send(RaftMessage m) {
    msgs.add(m);
  }

  private void checkNoReadyInFlight() {
    Invariants.check(!readyInFlight, "a Ready is in flight: call advance() first");
  }
}
