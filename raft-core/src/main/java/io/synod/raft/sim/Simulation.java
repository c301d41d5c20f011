package io.synod.raft.sim;

import io.synod.raft.Membership;
import io.synod.raft.Mutant;
import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.ProposalDroppedException;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftException;
import io.synod.raft.RaftNode;
import io.synod.raft.RaftRole;
import io.synod.raft.ReadState;
import io.synod.raft.Ready;
import io.synod.raft.ReadyProcessor;
import io.synod.raft.SoftState;
import io.synod.raft.log.EntryType;
import io.synod.raft.log.LogEntry;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.snapshot.InMemorySnapshotStore;
import io.synod.raft.spi.SnapshotStore;
import io.synod.raft.spi.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A deterministic simulation of a Raft cluster: every node, the network, the disks and the
 * clients run on one thread, in virtual time, driven by one event queue ordered by time then
 * sequence number, with all randomness from the seed. The same seed replays to the event.
 *
 * <p>Faults: message loss, duplication, delay and reordering ({@link SimNetwork}); partitions,
 * symmetric and asymmetric; node pauses; crashes that keep only what was synced ({@link
 * SimLogStore}), including crashes inside a sync; restarts from disk; leadership transfers;
 * membership changes (grow, shrink, replace, remove the leader); snapshots with log compaction
 * (so lagging nodes need InstallSnapshot).
 *
 * <p>Checks after every event: Election Safety, Log Matching, Leader Completeness, State Machine
 * Safety (Raft Figure 3), node invariants, plus any {@link SimChecker} given. At the end the
 * workload verifies its history (linearizability for {@link KvWorkload}), and a liveness phase
 * heals everything and requires a leader and every acknowledged write applied on every member
 * within a tick budget.
 *
 * <p>Reusable: plug in the state machine, the workload and extra checkers with {@link Builder}.
 *
 * @since 1.0
 */
public final class Simulation implements SimCluster {

  private static final int TRACE = 40;
  // the liveness phase fails after LIVENESS_TICKS without progress (no node applied anything
  // new), or after LIVENESS_MAX_TICKS in all: a node that restarts far behind catches up one
  // round trip per entry under the slowest drawn tunables (one entry per append, one append in
  // flight, 15% loss), which may take longer than one window while progressing all along
  private static final int LIVENESS_TICKS = 600;
  private static final int LIVENESS_MAX_TICKS = 5_000;

  private final SimOptions opts;
  private final SplittableRandom rnd;
  private final RaftConfig raftConfig;
  private final Function<NodeId, StateMachine> stateMachines;
  private final SimWorkload workload;
  private final List<SimChecker> checkers;
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private final SimNetwork network;
  private final ManualClock clock = new ManualClock();
  private final ArrayList<NodeId> ids = new ArrayList<>();
  private final TreeMap<NodeId, SimNode> nodes = new TreeMap<>();
  private final Membership initial;
  private final SafetyChecker safety = new SafetyChecker();
  private final ArrayDeque<String> trace = new ArrayDeque<>();
  private final ArrayDeque<Event> recent = new ArrayDeque<>();
  private long seq;
  private long steps;
  private boolean liveness;
  private String violation;
  private int nextSpare;
  private long readCtx;
  // stats
  private long elections;
  private long crashes;
  private long partitions;
  private long snapshotsTaken;
  private long snapshotsInstalled;
  private long memberChanges;
  private long transfers;
  // follower apply lag: when each index was first applied (by the leader, right after it
  // committed), and how long after that every other node applied it, in time units
  private final HashMap<Long, Long> firstApplied = new HashMap<>();
  private final ArrayList<Long> applyLags = new ArrayList<>();

  private Simulation(Builder b) {
    this.opts = b.options;
    this.rnd = new SplittableRandom(opts.seed() * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
    this.raftConfig = opts.raftConfig();
    this.stateMachines = b.stateMachines;
    this.workload = b.workload != null ? b.workload
        : new KvWorkload(opts.clients(), opts.keys(), 40L * SimOptions.UNITS_PER_TICK);
    this.checkers = List.copyOf(b.checkers);
    this.network = new SimNetwork(this, rnd, opts);
    List<NodeId> voters = new ArrayList<>();
    for (int i = 1; i <= opts.nodes(); i++) {
      voters.add(NodeId.of("n" + i));
    }
    nextSpare = opts.nodes() + 1;
    this.initial = Membership.ofVoters(voters);
  }

  /** A builder for the given options. */
  public static Builder builder(SimOptions options) {
    return new Builder(options);
  }

  /** Runs the default KV simulation for {@code options}. */
  public static SimResult run(SimOptions options) {
    return builder(options).build().run();
  }

  /** Builds a {@link Simulation}. */
  public static final class Builder {
    private final SimOptions options;
    private Function<NodeId, StateMachine> stateMachines = id -> new KvStateMachine();
    private SimWorkload workload;
    private final List<SimChecker> checkers = new ArrayList<>();

    private Builder(SimOptions options) {
      this.options = Objects.requireNonNull(options);
    }

    /** The state machine of each node (default {@link KvStateMachine}); called per start. */
    public Builder stateMachines(Function<NodeId, StateMachine> factory) {
      stateMachines = Objects.requireNonNull(factory);
      return this;
    }

    /** The clients (default {@link KvWorkload} sized by the options). */
    public Builder workload(SimWorkload w) {
      workload = Objects.requireNonNull(w);
      return this;
    }

    /** Adds a checker run after every event. */
    public Builder checker(SimChecker c) {
      checkers.add(Objects.requireNonNull(c));
      return this;
    }

    /** The simulation, ready to {@link Simulation#run()} once. */
    public Simulation build() {
      return new Simulation(this);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  enum Kind { TICK, DELIVER, CLIENT, FAULT, SNAPSHOT_DONE, RESTART }

  static final class Event implements Comparable<Event> {
    final long time;
    final long seq;
    final Kind kind;
    final NodeId node;
    final RaftMessage msg;
    final Runnable action;
    String note;

    Event(long time, long seq, Kind kind, NodeId node, RaftMessage msg, Runnable action) {
      this.time = time;
      this.seq = seq;
      this.kind = kind;
      this.node = node;
      this.msg = msg;
      this.action = action;
    }

    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public String toString() {
      String what = switch (kind) {
        case DELIVER -> "deliver " + msg;
        case TICK -> "tick " + node;
        default -> kind.name().toLowerCase(java.util.Locale.ROOT) + (node == null ? "" : " "
            + node);
      };
      return "t=" + time + " #" + seq + " " + what + (note == null ? "" : " " + note);
    }
  }

  void schedule(long delay, Kind kind, NodeId node, RaftMessage msg, Runnable action) {
    queue.add(new Event(clock.millis() + Math.max(0, delay), seq++, kind, node, msg, action));
  }

  // ---------------------------------------------------------------------------------------------
  // Run

  /** Runs the simulation once and returns its result. */
  public SimResult run() {
    for (NodeId id : initial.voters()) {
      addNode(id);
    }
    for (NodeId id : ids) {
      scheduleTicks(id);
    }
    workload.start(this);
    if (opts.faults() || opts.membership()) {
      schedule(nextFaultDelay(), Kind.FAULT, null, null, this::fault);
    }
    try {
      while (violation == null && steps < opts.steps() && !queue.isEmpty()) {
        step();
      }
      if (violation == null) {
        livenessPhase();
      }
      if (violation == null) {
        violation = workload.verify(this);
      }
    } catch (RuntimeException e) {
      violation = "exception: " + e;
    }
    List<String> t = violation == null ? List.of() : traceLines();
    return new SimResult(opts.seed(), opts, violation, t, steps, stats());
  }

  private String stats() {
    return "elections=" + elections + " crashes=" + crashes + " partitions=" + partitions
        + " transfers=" + transfers + " memberChanges=" + memberChanges + " snapshots="
        + snapshotsTaken + "/" + snapshotsInstalled + " maxCommit=" + safety.maxCommitted()
        + " " + workload.summary() + " " + applyLag();
  }

  /** Follower apply lag (first apply anywhere to apply on each other node), in ticks. */
  private String applyLag() {
    if (applyLags.isEmpty()) {
      return "applyLag=none";
    }
    long[] l = applyLags.stream().mapToLong(Long::longValue).sorted().toArray();
    double unit = SimOptions.UNITS_PER_TICK;
    return String.format(java.util.Locale.ROOT, "applyLag(ticks) p50=%.1f p99=%.1f",
        l[l.length / 2] / unit, l[Math.min(l.length - 1, (int) (l.length * 0.99))] / unit);
  }

  private List<String> traceLines() {
    List<String> out = new ArrayList<>();
    for (Event e : recent) {
      out.add(e.toString());
    }
    return out;
  }

  private void step() {
    Event e = queue.poll();
    clock.set(e.time);
    steps++;
    if (recent.size() == TRACE) {
      recent.pollFirst();
    }
    recent.addLast(e);
    switch (e.kind) {
      case TICK -> {
        SimNode n = nodes.get(e.node);
        if (!n.retired) {
          schedule(SimOptions.UNITS_PER_TICK, Kind.TICK, e.node, null, null);
        }
        if (n.isRunning()) {
          n.raft.tick();
          drain(n);
        }
      }
      case DELIVER -> {
        SimNode n = nodes.get(e.msg.to());
        if (n == null || n.state == NodeState.DOWN || n.retired) {
          break;
        }
        if (n.state == NodeState.PAUSED) {
          n.backlog.add(e.msg);
          break;
        }
        n.raft.step(e.msg);
        drain(n);
      }
      default -> e.action.run();
    }
    if (violation == null) {
      afterEvent();
    }
  }

  private void afterEvent() {
    for (SimNode n : nodes.values()) {
      if (n.isUp()) {
        RaftNode r = n.raft;
        if (r.commitIndex() > r.lastIndex() || r.appliedIndex() > r.commitIndex()) {
          fail("node invariant: " + r);
          return;
        }
        if ((r.role() == RaftRole.CANDIDATE || r.role() == RaftRole.PRE_CANDIDATE)
            && !r.membership().voters().contains(n.id)) {
          // [1] §4.2.2: a server not in its own latest configuration must not campaign
          fail("membership: " + n.id + " campaigns in term " + r.term() + " but is no voter of"
              + " its configuration " + r.membership());
          return;
        }
      }
    }
    for (SimChecker c : checkers) {
      String v = c.check(this);
      if (v != null) {
        fail(v);
        return;
      }
    }
  }

  void fail(String v) {
    if (violation == null) {
      violation = v;
    }
  }

  private void livenessPhase() {
    liveness = true;
    network.heal();
    for (SimNode n : nodes.values()) {
      if (n.retired) {
        continue;
      }
      n.disk.cancelCrashOnNextSync();
      if (n.state == NodeState.DOWN) {
        restart(n);
      } else if (n.state == NodeState.PAUSED) {
        resume(n);
      }
    }
    long window = (long) LIVENESS_TICKS * SimOptions.UNITS_PER_TICK;
    long hardDeadline = clock.millis() + (long) LIVENESS_MAX_TICKS * SimOptions.UNITS_PER_TICK;
    long deadline = clock.millis() + window;
    long progress = appliedSum();
    while (violation == null && !queue.isEmpty() && clock.millis() < deadline) {
      step();
      if (steps % 64 == 0) {
        if (live()) {
          return;
        }
        long p = appliedSum();
        if (p > progress) {
          progress = p;
          deadline = Math.min(hardDeadline, clock.millis() + window);
        }
      }
    }
    if (violation == null && !live()) {
      SimNode l = leaderNode();
      StringBuilder b = new StringBuilder("liveness: after healing, no leader that committed an"
          + " entry of its term with every acked write (index " + workload.ackedIndex()
          + ") applied everywhere (no progress for " + LIVENESS_TICKS + " ticks, or "
          + LIVENESS_MAX_TICKS + " ticks in all);");
      for (SimNode n : nodes.values()) {
        b.append(' ').append(n.isUp() ? n.raft.toString() : n.id + "{" + n.state
            + (n.retired ? " retired" : "") + "}");
      }
      b.append(l == null ? " (no leader)" : "");
      String waits = workload.unsettled();
      if (waits != null) {
        b.append("; the workload waits: ").append(waits);
      }
      fail(b.toString());
    }
  }

  /** The sum of the applied indexes of the running members: grows while anyone catches up. */
  private long appliedSum() {
    long sum = 0;
    for (SimNode n : nodes.values()) {
      if (!n.retired && n.isUp()) {
        sum += n.raft.appliedIndex();
      }
    }
    return sum;
  }

  private boolean live() {
    SimNode l = leaderNode();
    if (l == null) {
      return false;
    }
    long need = Math.max(workload.ackedIndex(), 1);
    if (workload.unsettled() != null) {
      return false;
    }
    if (l.raft.commitIndex() < need || l.raft.termAt(l.raft.commitIndex()) != l.raft.term()) {
      return false;
    }
    for (NodeId m : l.raft.membership().all()) {
      SimNode n = nodes.get(m);
      if (n == null || !n.isUp() || n.raft.appliedIndex() < need) {
        return false;
      }
    }
    return true;
  }

  private SimNode leaderNode() {
    SimNode best = null;
    for (SimNode n : nodes.values()) {
      if (n.isRunning() && n.raft.role() == RaftRole.LEADER
          && (best == null || n.raft.term() > best.raft.term())) {
        best = n;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  enum NodeState { UP, PAUSED, DOWN }

  final class SimNode {
    final NodeId id;
    final SimLogStore disk = new SimLogStore();
    final InMemorySnapshotStore snapDisk = new InMemorySnapshotStore();
    NodeState state = NodeState.DOWN;
    boolean retired;
    int incarnation;
    RaftNode raft;
    StateMachine sm;
    ReadyProcessor processor;
    final ArrayList<RaftMessage> backlog = new ArrayList<>();
    final TreeMap<Long, List<PendingProposal>> proposals = new TreeMap<>();
    final HashMap<Long, PendingRead> reads = new HashMap<>();
    final TreeMap<Long, List<PendingRead>> readsWaiting = new TreeMap<>();
    boolean snapshotPending;
    /** The highest index this incarnation's state machine holds (applied or restored). */
    long appliedSeen;

    SimNode(NodeId id) {
      this.id = id;
      disk.onAppend(entries -> safety.onAppend(this, entries));
    }

    boolean isUp() {
      return state != NodeState.DOWN && !retired;
    }

    boolean isRunning() {
      return state == NodeState.UP && !retired;
    }
  }

  private record PendingProposal(long term, ProposalCallback callback) {}

  private record PendingRead(Consumer<Long> ready, Consumer<RaftException> failed) {}

  private SimNode addNode(NodeId id) {
    SimNode n = new SimNode(id);
    ids.add(id);
    nodes.put(id, n);
    start(n);
    return n;
  }

  private void scheduleTicks(NodeId id) {
    schedule(1 + rnd.nextInt(SimOptions.UNITS_PER_TICK), Kind.TICK, id, null, null);
  }

  private void start(SimNode n) {
    n.incarnation++;
    boolean keepState = n.sm != null && opts.mutants().contains(Mutant.APPLY_TWICE_AFTER_RESTART);
    if (!keepState) {
      n.sm = stateMachines.apply(n.id);
    }
    Optional<SnapshotStore.Meta> meta = n.snapDisk.latest();
    if (meta.isPresent() && !keepState) {
      try {
        n.sm.restore(new ByteArrayInputStream(n.snapDisk.read(0, Integer.MAX_VALUE)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (meta.isPresent()) {
      if (n.disk.snapshotIndex() < meta.get().lastIndex()) {
        if (opts.mutants().contains(Mutant.KEEP_SUFFIX_ON_SNAPSHOT_INSTALL)) {
          n.disk.compact(meta.get().lastIndex(), meta.get().lastTerm());
        } else {
          n.disk.installSnapshot(meta.get().lastIndex(), meta.get().lastTerm());
        }
        n.disk.sync();
      }
    }
    n.raft = Mutant.node(n.id, 0, initial, raftConfig, n.disk, n.snapDisk,
        new SplittableRandom(rnd.nextLong()), opts.mutants());
    n.processor = Mutant.processor(n.disk, n.sm, n.snapDisk, new NodeSink(n), opts.mutants());
    n.state = NodeState.UP;
    n.appliedSeen = n.raft.appliedIndex();
    n.snapshotPending = false;
    safety.onStart(n);
  }

  private void crash(SimNode n, String why) {
    crashes++;
    n.state = NodeState.DOWN;
    n.disk.crash(rnd);
    n.raft = null;
    if (!opts.mutants().contains(Mutant.APPLY_TWICE_AFTER_RESTART)) {
      n.sm = null; // the mutant keeps it, as a durable state machine whose index was not kept
    }
    n.processor = null;
    n.backlog.clear();
    n.proposals.clear();
    n.reads.clear();
    n.readsWaiting.clear();
    note("crash " + n.id + " (" + why + ")");
  }

  private void restart(SimNode n) {
    if (n.state != NodeState.DOWN || n.retired) {
      return;
    }
    start(n);
    note("restart " + n.id);
  }

  private void resume(SimNode n) {
    if (n.state != NodeState.PAUSED) {
      return;
    }
    n.state = NodeState.UP;
    List<RaftMessage> held = new ArrayList<>(n.backlog);
    n.backlog.clear();
    for (RaftMessage m : held) {
      schedule(0, Kind.DELIVER, n.id, m, null);
    }
    note("resume " + n.id);
  }

  private void note(String s) {
    Event last = recent.peekLast();
    if (last != null) {
      last.note = last.note == null ? s : last.note + "; " + s;
    }
  }

  private void drain(SimNode n) {
    try {
      n.processor.drain(n.raft);
    } catch (SimLogStore.SimulatedCrash c) {
      crash(n, "during sync");
      return;
    } catch (IllegalStateException e) {
      fail("node " + n.id + " invariant: " + e.getMessage());
      return;
    }
    if (opts.snapshots()) {
      maybeSnapshot(n);
    }
  }

  private void maybeSnapshot(SimNode n) {
    if (n.snapshotPending || n.state == NodeState.DOWN) {
      return;
    }
    long applied = n.raft.appliedIndex();
    if (applied - n.disk.snapshotIndex() < opts.snapshotThreshold()) {
      return;
    }
    long term = n.raft.termAt(applied);
    if (term < 0) {
      return;
    }
    Membership m = n.raft.membershipAt(applied);
    StateMachine.SnapshotWriter w = n.sm.snapshot();
    n.snapshotPending = true;
    int inc = n.incarnation;
    // written "off the Raft thread": completes some time later, unless the node crashes first
    schedule(1 + rnd.nextInt(3 * SimOptions.UNITS_PER_TICK), Kind.SNAPSHOT_DONE, n.id, null,
        () -> {
          if (n.incarnation != inc || n.state == NodeState.DOWN) {
            return;
          }
          n.snapshotPending = false;
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          try {
            w.writeTo(out);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          n.snapDisk.save(applied, term, m, out.toByteArray());
          if (n.disk.snapshotIndex() < applied) {
            n.disk.compact(applied, term);
          }
          snapshotsTaken++;
        });
  }

  private final class NodeSink implements ReadyProcessor.Sink {
    private final SimNode n;

    NodeSink(SimNode n) {
      this.n = n;
    }

    @Override
    public void send(List<RaftMessage> messages) {
      for (RaftMessage m : messages) {
        network.send(m);
      }
    }

    @Override
    public void applied(LogEntry entry, Object result) {
      safety.onApply(n, entry);
      n.appliedSeen = entry.index();
      Long first = firstApplied.putIfAbsent(entry.index(), clock.millis());
      if (first != null) {
        applyLags.add(clock.millis() - first);
      }
      List<PendingProposal> ps = n.proposals.remove(entry.index());
      if (ps != null) {
        for (PendingProposal p : ps) {
          if (p.term() == entry.term()) {
            p.callback().applied(entry.index(), result);
          } else {
            p.callback().failed(new ProposalDroppedException("replaced"));
          }
        }
      }
      // proposals below a snapshot-installed index are left to time out (outcome unknown)
      releaseReads(n, entry.index());
      if (entry.type() == EntryType.CONFIGURATION) {
        retireRemoved(n, entry);
      }
    }

    @Override
    public void readState(ReadState rs) {
      PendingRead r = n.reads.remove(rs.context());
      if (r == null) {
        return;
      }
      if (opts.mutants().contains(Mutant.FOLLOWER_READ_WITHOUT_APPLY_WAIT)
          && n.raft.role() != RaftRole.LEADER) {
        r.ready().accept(n.appliedSeen); // the mutant: served before the read index is applied
        return;
      }
      n.readsWaiting.computeIfAbsent(rs.index(), k -> new ArrayList<>()).add(r);
      // already applied: serve now, not at the next apply (which an idle or isolated node may
      // never see)
      releaseReads(n, n.appliedSeen);
    }

    @Override
    public void softStateChanged(SoftState s) {
      if (s.role() == RaftRole.LEADER) {
        elections++;
      }
      if (s.role() != RaftRole.LEADER) {
        n.reads.clear();
      }
      safety.onSoftState(n, s);
    }

    @Override
    public void snapshotInstalled(Ready.ReceivedSnapshot snapshot) {
      snapshotsInstalled++;
      safety.onSnapshotInstalled(n, snapshot);
      n.proposals.headMap(snapshot.lastIndex(), true).clear();
      n.appliedSeen = Math.max(n.appliedSeen, snapshot.lastIndex());
      releaseReads(n, snapshot.lastIndex());
    }
  }

  private void releaseReads(SimNode n, long applied) {
    while (!n.readsWaiting.isEmpty() && n.readsWaiting.firstKey() <= applied) {
      for (PendingRead r : n.readsWaiting.pollFirstEntry().getValue()) {
        r.ready().accept(applied);
      }
    }
  }

  /** A committed configuration that drops a node retires it (it is shut down for good). */
  private void retireRemoved(SimNode n, LogEntry entry) {
    Membership next = Membership.decode(entry.data());
    Membership prev = n.raft.membershipAt(entry.index() - 1);
    for (NodeId gone : prev.all()) {
      SimNode other = nodes.get(gone);
      if (!next.contains(gone) && other != null && !other.retired
          && !opts.mutants().contains(Mutant.REMOVED_NODE_KEEPS_RUNNING)) {
        other.retired = true;
        other.state = NodeState.DOWN;
        note("retire " + gone);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Faults

  private long nextFaultDelay() {
    return 1 + rnd.nextInt(2 * opts.faultInterval());
  }

  private void fault() {
    schedule(nextFaultDelay(), Kind.FAULT, null, null, this::fault);
    if (liveness) {
      return;
    }
    List<SimNode> all = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (!n.retired) {
        all.add(n);
      }
    }
    SimNode victim = all.get(rnd.nextInt(all.size()));
    int roll = rnd.nextInt(100);
    if (!opts.faults()) {
      roll = 90 + rnd.nextInt(10);
    }
    if (roll < 12) {
      partitions++;
      note(network.randomPartition(all));
    } else if (roll < 20) {
      partitions++;
      note(network.randomOneWayCut(all));
    } else if (roll < 40) {
      network.heal();
      note("heal");
    } else if (roll < 50) {
      if (victim.isUp()) {
        if (rnd.nextDouble() < opts.crashDuringSyncRate() && victim.isRunning()) {
          victim.disk.crashOnNextSync();
          note("crash-in-next-sync " + victim.id);
        } else {
          crash(victim, "fault");
        }
      }
    } else if (roll < 62) {
      for (SimNode n : all) {
        if (n.state == NodeState.DOWN) {
          restart(n);
          break;
        }
      }
    } else if (roll < 68) {
      if (victim.isRunning()) {
        victim.state = NodeState.PAUSED;
        note("pause " + victim.id);
        schedule(1 + rnd.nextInt(30 * SimOptions.UNITS_PER_TICK), Kind.FAULT, victim.id, null,
            () -> resume(victim));
      }
    } else if (roll < 72) {
      SimNode l = leaderNode();
      if (l != null) {
        List<NodeId> voters = new ArrayList<>(l.raft.membership().voters());
        NodeId to = voters.get(rnd.nextInt(voters.size()));
        try {
          l.raft.transferLeadership(to);
          transfers++;
          note("transfer " + l.id + " -> " + to);
          drain(l);
        } catch (RaftException | IllegalArgumentException e) {
          // not possible right now
        }
      }
    } else if (roll < 90) {
      // network-quiet slot: nothing
    } else if (opts.membership()) {
      membershipFault();
    }
  }

  private void membershipFault() {
    SimNode l = leaderNode();
    if (l == null || l.raft.membershipChangePending()) {
      return;
    }
    Membership m = l.raft.membership();
    Membership next = null;
    String what = null;
    // promote a caught-up learner first
    for (NodeId learner : m.learners()) {
      SimNode ln = nodes.get(learner);
      if (ln.isUp() && l.raft.matchIndex(learner) >= l.raft.commitIndex()) {
        next = m.withVoter(learner);
        what = "promote " + learner;
        break;
      }
    }
    if (next == null) {
      int roll = rnd.nextInt(3);
      int maxVoters = Math.max(5, opts.nodes());
      if (roll == 0 && m.voters().size() + m.learners().size() < maxVoters + 1
          && m.voters().size() < maxVoters) {
        NodeId fresh = NodeId.of("n" + nextSpare++);
        SimNode fn = addNode(fresh);
        scheduleTicks(fresh);
        next = m.withLearner(fresh);
        what = "add learner " + fresh;
        Objects.requireNonNull(fn);
      } else if (m.voters().size() > 3 || (roll == 2 && m.voters().size() >= 3
          && !m.learners().isEmpty())) {
        List<NodeId> voters = new ArrayList<>(m.voters());
        NodeId victim = rnd.nextInt(3) == 0 ? l.id : voters.get(rnd.nextInt(voters.size()));
        next = m.without(victim);
        what = "remove " + victim + (victim.equals(l.id) ? " (the leader)" : "");
      } else if (!m.learners().isEmpty() && roll == 1) {
        NodeId learner = m.learners().first();
        next = m.without(learner);
        what = "remove learner " + learner;
      }
    }
    if (next == null) {
      return;
    }
    try {
      l.raft.proposeMembership(next);
      memberChanges++;
      note(what + " -> " + next);
      drain(l);
    } catch (RaftException e) {
      // not now
    }
  }

  // ---------------------------------------------------------------------------------------------
  // SimCluster

  @Override
  public long now() {
    return clock.millis();
  }

  @Override
  public int unitsPerTick() {
    return SimOptions.UNITS_PER_TICK;
  }

  @Override
  public RandomGenerator random() {
    return rnd;
  }

  @Override
  public List<NodeId> nodes() {
    return List.copyOf(ids);
  }

  @Override
  public boolean isUp(NodeId id) {
    SimNode n = nodes.get(id);
    return n != null && n.isUp();
  }

  @Override
  public RaftNode raft(NodeId id) {
    SimNode n = nodes.get(id);
    return n == null || !n.isUp() ? null : n.raft;
  }

  @Override
  public StateMachine stateMachine(NodeId id) {
    SimNode n = nodes.get(id);
    return n == null || !n.isUp() ? null : n.sm;
  }

  @Override
  public NodeId leaderGuess() {
    SimNode l = leaderNode();
    return l == null ? null : l.id;
  }

  @Override
  public boolean inLivenessPhase() {
    return liveness;
  }

  @Override
  public void propose(NodeId node, byte[] command, ProposalCallback callback) {
    SimNode n = nodes.get(node);
    if (n == null || !n.isRunning()) {
      callback.failed(new NotLeaderException(node, null));
      return;
    }
    long index;
    try {
      index = n.raft.propose(command);
    } catch (RaftException e) {
      callback.failed(e);
      return;
    }
    n.proposals.computeIfAbsent(index, k -> new ArrayList<>())
        .add(new PendingProposal(n.raft.term(), callback));
    callback.accepted(index);
    drain(n);
  }

  @Override
  public void readIndex(NodeId node, Consumer<Long> ready, Consumer<RaftException> failed) {
    SimNode n = nodes.get(node);
    if (n == null || !n.isRunning()) {
      failed.accept(new NotLeaderException(node, null));
      return;
    }
    long ctx = ++readCtx;
    try {
      n.raft.readIndex(ctx);
    } catch (RaftException e) {
      failed.accept(e);
      return;
    }
    n.reads.put(ctx, new PendingRead(ready, failed));
    drain(n);
  }

  @Override
  public void schedule(long delay, Runnable action) {
    schedule(delay, Kind.CLIENT, null, null, action);
  }

  // ---------------------------------------------------------------------------------------------
  // Built-in safety checks (Raft Figure 3), incremental

  private final class SafetyChecker {
    private final HashMap<Long, NodeId> leaders = new HashMap<>();
    private final HashMap<Long, long[]> logIndex = new HashMap<>(); // key index*2^20+term
    private long[] committedTerm = new long[1024];
    private int[] committedHash = new int[1024];
    // an upper bound on the term in which each entry was committed: the lowest current term of
    // a node when it applied the entry (a node learns of a commit from a leader of the commit's
    // term or later, and terms never go back, so this is never below the real commit term)
    private long[] commitTermBound = new long[1024];
    private long maxCommitted;

    long maxCommitted() {
      return maxCommitted;
    }

    void onStart(SimNode n) {
      // the checks compare against cluster-wide history; a restart (which may have restored a
      // snapshot and cut the log) must leave a log that still matches it
      checkWholeLog(n, "restart");
    }

    /**
     * Log matching over a node's whole log, after the log was cut by a snapshot (installed or
     * restored at restart), where no append shows the entries: terms never go down from the
     * snapshot's on, and every entry is the one the cluster knows at that index and term, after
     * the same predecessor term.
     */
    void checkWholeLog(SimNode n, String when) {
      SimLogStore d = n.disk;
      long prevTerm = d.snapshotTerm();
      for (long i = d.firstIndex(); i <= d.lastIndex(); i++) {
        long t = d.term(i);
        if (t < prevTerm) {
          fail("log matching: after " + when + " " + n.id + " holds entry " + i + " of term " + t
              + " after term " + prevTerm + " (snapshot " + d.snapshotIndex() + "/"
              + d.snapshotTerm() + ")");
          return;
        }
        long[] seen = logIndex.get((i << 20) ^ t);
        if (seen != null && seen[0] == t && seen[3] == i && seen[2] >= 0 && seen[2] != prevTerm) {
          fail("log matching: after " + when + " " + n.id + " holds entry " + i + "/" + t
              + " after term " + prevTerm + " but it follows term " + seen[2] + " elsewhere");
          return;
        }
        prevTerm = t;
      }
    }

    void onSoftState(SimNode n, SoftState s) {
      if (s.role() != RaftRole.LEADER) {
        return;
      }
      NodeId prev = leaders.putIfAbsent(s.term(), n.id);
      if (prev != null && !prev.equals(n.id)) {
        fail("election safety: " + prev + " and " + n.id + " both lead term " + s.term());
        return;
      }
      // leader completeness (dissertation 3.6.3): an entry committed in term C is in the log
      // of every leader of a term later than C. A stale leader of an earlier term (its votes
      // were cast before the voters moved on, and delivered late) is legal and not checked;
      // the commit term is bounded from above, so every entry checked here must be present.
      RaftNode r = n.raft;
      long from = Math.max(1, r.firstIndex());
      for (long i = from; i <= maxCommitted; i++) {
        if (committedTerm[(int) i] == 0 || s.term() <= commitTermBound[(int) i]) {
          continue;
        }
        long t = r.termAt(i);
        if (t != committedTerm[(int) i]) {
          fail("leader completeness: " + n.id + " leads term " + s.term()
              + " without committed entry " + i + " (term " + committedTerm[(int) i]
              + "; its log has " + (t < 0 ? "nothing" : "term " + t) + ")");
          return;
        }
      }
    }

    void onAppend(SimNode n, List<LogEntry> entries) {
      // log matching: an (index, term) pair names one entry, with one predecessor term
      for (LogEntry e : entries) {
        long p = e.index() - 1;
        long prevTerm = p < n.disk.snapshotIndex() ? -1 : n.disk.term(p);
        long key = (e.index() << 20) ^ e.term();
        int h = Arrays.hashCode(e.data()) * 31 + e.type().ordinal();
        long[] seen = logIndex.get(key);
        if (seen == null) {
          logIndex.put(key, new long[] {e.term(), h, prevTerm, e.index()});
        } else if (seen[0] == e.term() && seen[3] == e.index()) {
          if (seen[1] != h) {
            fail("log matching: two different entries at index " + e.index() + " term "
                + e.term() + " (" + n.id + ")");
            return;
          }
          if (prevTerm >= 0 && seen[2] >= 0 && seen[2] != prevTerm) {
            fail("log matching: entry " + e.index() + "/" + e.term() + " follows term "
                + prevTerm + " on " + n.id + " but term " + seen[2] + " elsewhere");
            return;
          }
          if (seen[2] < 0 && prevTerm >= 0) {
            seen[2] = prevTerm;
          }
        }
      }
    }

    void onApply(SimNode n, LogEntry e) {
      int i = (int) e.index();
      ensure(i);
      int h = Arrays.hashCode(e.data()) * 31 + e.type().ordinal();
      long nodeTerm = n.raft.term();
      if (committedTerm[i] == 0 || nodeTerm < commitTermBound[i]) {
        commitTermBound[i] = nodeTerm;
      }
      if (committedTerm[i] == 0) {
        committedTerm[i] = e.term();
        committedHash[i] = h;
        if (i > maxCommitted) {
          maxCommitted = i;
        }
      } else if (committedTerm[i] != e.term() || committedHash[i] != h) {
        fail("state machine safety: " + n.id + " applies " + e + " at " + i
            + " but another node applied term " + committedTerm[i] + " there");
      }
    }

    void onSnapshotInstalled(SimNode n, Ready.ReceivedSnapshot s) {
      checkWholeLog(n, "installing snapshot " + s.lastIndex() + "/" + s.lastTerm());
      int i = (int) s.lastIndex();
      ensure(i);
      if (committedTerm[i] != 0 && committedTerm[i] != s.lastTerm()) {
        fail("state machine safety: snapshot on " + n.id + " ends at " + i + "/" + s.lastTerm()
            + " but term " + committedTerm[i] + " was applied there");
      }
    }

    private void ensure(int i) {
      if (i >= committedTerm.length) {
        int len = Math.max(i + 1, committedTerm.length * 2);
        committedTerm = Arrays.copyOf(committedTerm, len);
        committedHash = Arrays.copyOf(committedHash, len);
        commitTermBound = Arrays.copyOf(commitTermBound, len);
      }
    }
  }

  /** The options of this run. */
  public SimOptions options() {
    return opts;
  }

  /** Unused hook kept for symmetry with the builder. */
  static <T> T orDefault(T v, Supplier<T> d) {
    return v != null ? v : d.get();
  }
}
