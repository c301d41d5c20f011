package io.synod.raft.runtime;

import io.synod.raft.Invariants;
import io.synod.raft.Membership;
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
import io.synod.raft.spi.RaftLogStore;
import io.synod.raft.spi.RaftTransport;
import io.synod.raft.spi.SnapshotStore;
import io.synod.raft.spi.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link RaftNode} on its own thread with a real transport, log store, state machine and
 * a ticking clock; the asynchronous API the rest of Synod builds on.
 *
 * <p>All work on the node happens on the server's single Raft thread, fed by a bounded mailbox:
 * inbound messages ({@link #receive}), proposals, reads and ticks. Each loop turn steps what
 * arrived, ticks when due, and processes Ready values with {@link ReadyProcessor} (so many
 * proposals share one log sync and one AppendEntries per follower). The state machine is applied
 * on this thread. Snapshots are written by a second thread, one at a time: the local snapshots
 * this server takes and those received through InstallSnapshot both go through it, so saves are
 * serialized end to end. While a received snapshot is being saved the node is paused (it is
 * neither stepped nor ticked): its InstallSnapshot answer must not leave before the snapshot is
 * durable, and the log must not be compacted before then either.
 *
 * <p>Futures complete on the Raft thread: callbacks must not block.
 *
 * @since 1.0
 */
public final class RaftServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RaftServer.class);

  private final NodeId id;
  private final int groupId;
  private final RaftConfig config;
  private final RaftLogStore store;
  private final StateMachine stateMachine;
  private final SnapshotStore snapshots;
  private final RaftTransport transport;
  private final long tickNanos;
  private final long snapshotThreshold;
  private final BlockingQueue<Runnable> mailbox;
  /** Completions of snapshot-thread work, run by the Raft thread once per loop turn. */
  private final Queue<Runnable> completions = new ConcurrentLinkedQueue<>();
  private final RaftNode node;
  private final ReadyProcessor processor;
  private final Thread thread;
  private final ExecutorService snapshotExecutor;
  private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();

  // Raft-thread state
  private final Map<Long, PendingProposal> proposals = new HashMap<>();
  private final Map<Long, Read<?>> reads = new HashMap<>();
  private final TreeMap<Long, List<Read<?>>> readsWaitingApply = new TreeMap<>();
  private final Map<NodeId, CompletableFuture<Membership>> promotions = new TreeMap<>();
  private CompletableFuture<Void> transfer;
  private NodeId transferTarget;
  private int transferTicks;
  private long readContext;
  private long ticks;
  private boolean snapshotInProgress;
  private volatile RaftStatus status;
  private final java.util.concurrent.atomic.AtomicLong snapshotsInstalled =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean running;
  private volatile Throwable failure;

  private record PendingProposal(long term, CompletableFuture<Object> future) {}

  /**
   * A read waiting for its ReadIndex answer and then for that index to be applied. The query
   * runs in {@link #serve} on the Raft thread, between two applies, never on the caller's or a
   * completing thread: only there does it see the state machine at a consistent index.
   */
  private record Read<T>(CompletableFuture<T> future, LongFunction<T> query, long issuedTick) {
    void serve(long index) {
      T result;
      try {
        result = query.apply(index);
      } catch (RuntimeException e) {
        future.completeExceptionally(e);
        return;
      }
      future.complete(result);
    }
  }

  private RaftServer(Builder b) {
    this.id = Objects.requireNonNull(b.id, "id");
    this.groupId = b.groupId;
    this.config = b.config;
    this.store = Objects.requireNonNull(b.store, "logStore");
    this.stateMachine = Objects.requireNonNull(b.stateMachine, "stateMachine");
    this.snapshots = b.snapshots;
    this.transport = Objects.requireNonNull(b.transport, "transport");
    this.tickNanos = b.tick.toNanos();
    this.snapshotThreshold = b.snapshotThreshold;
    this.mailbox = new LinkedBlockingQueue<>(b.mailboxCapacity);
    restoreSnapshotIfAny();
    long seed = b.seed != null ? b.seed : System.nanoTime() ^ id.hashCode();
    this.node = new RaftNode(id, groupId, Objects.requireNonNull(b.membership, "membership"),
        config, store, snapshots, new SplittableRandom(seed));
    this.processor = new ReadyProcessor(store, stateMachine, snapshots, new Sink());
    this.thread = new Thread(this::run, "synod-raft-" + id + "-g" + groupId);
    this.thread.setDaemon(true);
    this.snapshotExecutor = snapshots == null ? null : Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "synod-raft-snapshot-" + id);
      t.setDaemon(true);
      return t;
    });
    this.status = snapshotStatus();
  }

  /** A builder; id, membership, log store, state machine and transport are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts the Raft thread. Must be called once. */
  public RaftServer start() {
    Invariants.check(!running, "already started");
    running = true;
    thread.start();
    return this;
  }

  /** This server's node id. */
  public NodeId id() {
    return id;
  }

  /** The group id. */
  public int groupId() {
    return groupId;
  }

  /**
   * Proposes a command. Completes with the state machine's result once the command is committed
   * and applied on this node; fails with {@link NotLeaderException} (carrying the known leader)
   * when this node is not the leader, and with {@link ProposalDroppedException} when the entry
   * was lost to a leader change or the server is overloaded.
   */
  public CompletionStage<Object> propose(byte[] command) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    submit(f, () -> {
      long index = node.propose(command);
      track(index, f);
    });
    return f;
  }

  /**
   * Obtains a linearizable read point (ReadIndex): completes with a log index once the leader
   * (this node, or the leader a follower asks) has confirmed its leadership and this node has
   * applied that index. Fails with {@link NotLeaderException} when no leader is known, and with
   * {@link ProposalDroppedException} when no answer came within two election timeouts. A state
   * machine read made after completion on the Raft thread (see {@link #linearizableRead}) is
   * linearizable.
   */
  public CompletionStage<Long> readIndex() {
    return read(index -> index);
  }

  /**
   * Runs {@code query} against the state machine on the Raft thread once a ReadIndex round
   * confirms it is up to date and the read index is applied; completes with its result (or
   * with the exception it threw). The query must not block; it runs between two applies, so it
   * sees the state machine as of one applied index at least as high as the read index.
   */
  public <T> CompletionStage<T> linearizableRead(Supplier<T> query) {
    Objects.requireNonNull(query, "query");
    return read(index -> query.get());
  }

  private <T> CompletionStage<T> read(LongFunction<T> query) {
    CompletableFuture<T> f = new CompletableFuture<>();
    submit(f, () -> {
      long ctx = ++readContext;
      node.readIndex(ctx);
      reads.put(ctx, new Read<>(f, query, ticks));
    });
    return f;
  }

  /**
   * Hands leadership to {@code to}; completes once this node sees {@code to} as leader, fails
   * with {@link NotLeaderException} if this node is not the leader and with {@link
   * ProposalDroppedException} if the transfer did not finish within an election timeout.
   */
  public CompletionStage<Void> transferLeadership(NodeId to) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    submit(f, () -> {
      if (to.equals(node.leader()) && node.role() == RaftRole.LEADER) {
        // a transfer to the leader itself cancels a pending one (dissertation §3.10)
        node.transferLeadership(to);
        if (transfer != null) {
          transfer.completeExceptionally(new ProposalDroppedException("transfer to "
              + transferTarget + " cancelled"));
          transfer = null;
        }
        f.complete(null);
        return;
      }
      if (transfer != null && to.equals(transferTarget) && to.equals(node.leadTransferee())) {
        // the node ignores a repeat: share the pending transfer's outcome and its deadline
        transfer.whenComplete((v, e) -> {
          if (e != null) {
            f.completeExceptionally(e);
          } else {
            f.complete(null);
          }
        });
        return;
      }
      node.transferLeadership(to);
      if (transfer != null) {
        transfer.completeExceptionally(new ProposalDroppedException("superseded by a transfer"));
      }
      transfer = f;
      transferTarget = to;
      transferTicks = 0;
    });
    return f;
  }

  /**
   * Adds {@code member} as a learner; completes with the new membership once the change is
   * applied here.
   */
  public CompletionStage<Membership> addLearner(NodeId member) {
    return changeMembership(() -> node.membership().withLearner(member));
  }

  /**
   * Adds {@code member} as a voter the safe way: as a learner first, promoted once its log has
   * caught up with the commit index. Completes with the membership that makes it a voter.
   */
  public CompletionStage<Membership> addVoter(NodeId member) {
    CompletableFuture<Membership> f = new CompletableFuture<>();
    submit(f, () -> {
      if (node.membership().voters().contains(member)) {
        f.complete(node.membership());
        return;
      }
      if (!node.membership().learners().contains(member)) {
        node.proposeMembership(node.membership().withLearner(member));
      } else if (node.role() != RaftRole.LEADER) {
        throw new NotLeaderException(id, node.leader());
      }
      CompletableFuture<Membership> old = promotions.put(member, f);
      if (old != null) {
        old.completeExceptionally(new ProposalDroppedException("superseded"));
      }
    });
    return f;
  }

  /** Removes a voter or learner (the leader itself included: it steps down once committed). */
  public CompletionStage<Membership> removeMember(NodeId member) {
    return changeMembership(() -> node.membership().without(member));
  }

  private CompletionStage<Membership> changeMembership(Supplier<Membership> next) {
    CompletableFuture<Membership> f = new CompletableFuture<>();
    submit(f, () -> {
      Membership m = next.get();
      long index = node.proposeMembership(m);
      CompletableFuture<Object> applied = new CompletableFuture<>();
      track(index, applied);
      applied.whenComplete((r, e) -> {
        if (e != null) {
          f.completeExceptionally(e);
        } else {
          f.complete(m);
        }
      });
    });
    return f;
  }

  /** The latest status, updated after every loop turn. Safe from any thread. */
  public RaftStatus status() {
    return status;
  }

  /** Registers a listener for role, term and leader changes. */
  public void addLeadershipListener(LeadershipListener listener) {
    listeners.add(Objects.requireNonNull(listener));
  }

  /**
   * Accepts a message from the transport. Never blocks: when the mailbox is full the message is
   * dropped (Raft retries). Safe from any thread.
   */
  public void receive(RaftMessage message) {
    if (!running || !mailbox.offer(() -> node.step(message))) {
      LOG.debug("{} dropped inbound {}", id, message.getClass().getSimpleName());
    }
  }

  /** Runs {@code task} on the Raft thread (tests and adapters that need the node's view). */
  public CompletionStage<Void> execute(Runnable task) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    submit(f, () -> {
      task.run();
      f.complete(null);
    });
    return f;
  }

  /** How many snapshots received from a leader this server installed since it started. */
  public long snapshotsInstalled() {
    return snapshotsInstalled.get();
  }

  /** Whether the Raft thread stopped because of an error. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /** Stops the Raft thread, fails pending operations, and closes the transport. */
  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (snapshotExecutor != null) {
      snapshotExecutor.shutdownNow();
    }
    transport.close();
  }

  // ---------------------------------------------------------------------------------------------

  private record Submission(CompletableFuture<?> future, Runnable task) implements Runnable {
    @Override
    public void run() {
      try {
        task.run();
      } catch (RaftException | IllegalArgumentException e) {
        future.completeExceptionally(e);
      }
    }
  }

  private void submit(CompletableFuture<?> f, Runnable task) {
    Runnable guarded = new Submission(f, task);
    if (!running) {
      f.completeExceptionally(new ProposalDroppedException("server " + id + " is not running"));
    } else if (!mailbox.offer(guarded)) {
      f.completeExceptionally(new ProposalDroppedException("server " + id + " is overloaded"));
    }
  }

  private void run() {
    long nextTick = System.nanoTime() + tickNanos;
    try {
      while (running) {
        long wait = nextTick - System.nanoTime();
        Runnable task = wait > 0 ? mailbox.poll(wait, TimeUnit.NANOSECONDS) : mailbox.poll();
        int n = 0;
        while (task != null) {
          task.run();
          if (++n >= 8192) {
            break;
          }
          task = mailbox.poll();
        }
        Runnable done;
        while ((done = completions.poll()) != null) {
          done.run();
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          node.tick();
          onTick();
          nextTick += tickNanos;
          if (now - nextTick > 10 * tickNanos) {
            nextTick = now + tickNanos; // fell far behind (GC, suspend): do not burst ticks
          }
        }
        drain();
        afterTurn();
      }
    } catch (InterruptedException e) {
      // closing
    } catch (RuntimeException | Error e) {
      failure = e;
      LOG.error("{}: Raft thread stopped", id, e);
    } finally {
      running = false;
      failAll(new ProposalDroppedException("server " + id + " stopped"));
    }
  }

  private void onTick() {
    ticks++;
    if (!reads.isEmpty()) {
      // a follower's request or the leader's answer may be lost, and neither is resent: give
      // up after two election timeouts so no caller waits for ever
      long oldest = ticks - 2L * config.electionTimeoutTicks();
      for (Iterator<Read<?>> it = reads.values().iterator(); it.hasNext(); ) {
        Read<?> r = it.next();
        if (r.issuedTick() < oldest) {
          r.future().completeExceptionally(new ProposalDroppedException(
              "read index not answered within two election timeouts"));
          it.remove();
        }
      }
    }
    if (transfer != null && ++transferTicks > 2 * config.electionTimeoutTicks()) {
      transfer.completeExceptionally(new ProposalDroppedException("transfer to "
          + transferTarget + " timed out"));
      transfer = null;
    }
  }

  /**
   * Remembers a proposal at {@code index} of the current term. A proposal still pending at the
   * same index (its entry was cut by a leader change) fails now: its future must not be lost.
   */
  private void track(long index, CompletableFuture<Object> f) {
    PendingProposal old = proposals.put(index, new PendingProposal(node.term(), f));
    if (old != null) {
      old.future().completeExceptionally(new ProposalDroppedException("entry " + index
          + " of term " + old.term() + " was replaced after a leader change"));
    }
  }

  /** Processes Ready values until none is left; saves a received snapshot off this thread. */
  private void drain() throws InterruptedException {
    while (node.hasReady()) {
      Ready rd = node.ready();
      Ready.ReceivedSnapshot snap = rd.snapshot();
      long started = snap == null ? 0 : System.nanoTime();
      boolean saved = false;
      if (snap != null && snapshots != null) {
        saveReceived(snap);
        saved = true;
      }
      processor.handle(rd, saved);
      node.advance(rd);
      if (snap != null) {
        snapshotsInstalled.incrementAndGet();
        // the node is paused meanwhile (neither stepped nor ticked): say for how long
        LOG.info("{}: installed the leader's snapshot up to {} ({} bytes) in {} ms", id,
            snap.lastIndex(), snap.data().length,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      }
    }
  }

  private void saveReceived(Ready.ReceivedSnapshot snap) throws InterruptedException {
    Future<?> save = snapshotExecutor.submit(() -> {
      snapshots.save(snap.lastIndex(), snap.lastTerm(), snap.membership(), snap.data());
      return null;
    });
    try {
      save.get();
    } catch (ExecutionException e) {
      throw new UncheckedIOException("cannot save the snapshot received up to "
          + snap.lastIndex(), e.getCause() instanceof IOException io ? io
              : new IOException(e.getCause()));
    }
  }

  private void afterTurn() throws InterruptedException {
    if (!promotions.isEmpty() && node.role() == RaftRole.LEADER
        && !node.membershipChangePending()) {
      Iterator<Map.Entry<NodeId, CompletableFuture<Membership>>> it =
          promotions.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<NodeId, CompletableFuture<Membership>> e = it.next();
        NodeId learner = e.getKey();
        if (!node.membership().learners().contains(learner)) {
          continue;
        }
        if (node.matchIndex(learner) >= node.commitIndex()) {
          Membership next = node.membership().withVoter(learner);
          try {
            long index = node.proposeMembership(next);
            CompletableFuture<Membership> f = e.getValue();
            CompletableFuture<Object> applied = new CompletableFuture<>();
            track(index, applied);
            applied.whenComplete((r, ex) -> {
              if (ex != null) {
                f.completeExceptionally(ex);
              } else {
                f.complete(next);
              }
            });
          } catch (RaftException ex) {
            e.getValue().completeExceptionally(ex);
          }
          it.remove();
          break;
        }
      }
    }
    maybeSnapshot();
    drain();
    status = snapshotStatus();
  }

  private RaftStatus snapshotStatus() {
    return new RaftStatus(id, groupId, node.role(), node.term(), node.leader(),
        node.commitIndex(), node.appliedIndex(), node.lastIndex(), node.membership());
  }

  private void restoreSnapshotIfAny() {
    Optional<SnapshotStore.Meta> meta = snapshots == null ? Optional.empty() : snapshots.latest();
    if (meta.isEmpty()) {
      if (store.snapshotIndex() > 0) {
        // starting would apply entries after the compaction point to an empty state machine
        throw new IllegalStateException(id + ": the log is compacted to index "
            + store.snapshotIndex() + " but " + (snapshots == null ? "no snapshot store is set"
                : "the snapshot store holds no snapshot") + "; the state up to that index is lost."
            + " Restore the snapshot directory or replace this member's data");
      }
      return;
    }
    long idx = meta.get().lastIndex();
    if (store.snapshotIndex() > idx) {
      throw new IllegalStateException(id + ": the log is compacted to index "
          + store.snapshotIndex() + " beyond the latest snapshot " + idx
          + "; the state in between is lost. Restore the snapshot directory or replace this"
          + " member's data");
    }
    try {
      stateMachine.restore(new ByteArrayInputStream(readAll(meta.get())));
    } catch (IOException e) {
      throw new IllegalStateException("cannot restore snapshot " + idx, e);
    }
    if (store.snapshotIndex() < idx) {
      // a crash came between saving the snapshot and compacting: a suffix after an entry of
      // another term than the snapshot's must go too (Figure 13 steps 6 and 7)
      store.installSnapshot(idx, meta.get().lastTerm());
      store.sync();
    }
  }

  private byte[] readAll(SnapshotStore.Meta meta) {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(meta.size(), 1 << 24));
    long off = 0;
    while (off < meta.size()) {
      byte[] chunk = snapshots.read(off, 1 << 20);
      if (chunk.length == 0) {
        break;
      }
      out.writeBytes(chunk);
      off += chunk.length;
    }
    return out.toByteArray();
  }

  private void maybeSnapshot() {
    if (snapshots == null || snapshotThreshold <= 0 || snapshotInProgress) {
      return;
    }
    long applied = node.appliedIndex();
    if (applied - store.snapshotIndex() < snapshotThreshold) {
      return;
    }
    long term = node.termAt(applied);
    if (term < 0) {
      return;
    }
    Membership m = node.membershipAt(applied);
    StateMachine.SnapshotWriter writer = stateMachine.snapshot();
    snapshotInProgress = true;
    snapshotExecutor.execute(() -> {
      boolean ok = false;
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writer.writeTo(bytes);
        snapshots.save(applied, term, m, bytes.toByteArray());
        ok = true;
      } catch (IOException | RuntimeException e) {
        LOG.warn("{}: snapshot at {} failed", id, applied, e);
      }
      boolean saved = ok;
      // not through the bounded mailbox: a blocking put here could wait for a Raft thread that
      // is itself waiting for this executor to save a received snapshot
      completions.add(() -> {
        snapshotInProgress = false;
        // compact only what a durable snapshot covers (a newer one may have won the save)
        long covered = snapshots.latest().map(SnapshotStore.Meta::lastIndex).orElse(-1L);
        if (saved && covered >= applied && store.snapshotIndex() < applied) {
          store.compact(applied, term);
        }
      });
    });
  }

  private void failProposalsAbove(long index, RaftException e) {
    List<PendingProposal> failed = new ArrayList<>();
    for (Iterator<Map.Entry<Long, PendingProposal>> it = proposals.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Long, PendingProposal> p = it.next();
      if (p.getKey() > index) {
        failed.add(p.getValue());
        it.remove();
      }
    }
    for (PendingProposal p : failed) {
      p.future().completeExceptionally(e);
    }
  }

  private void failAll(RaftException e) {
    failProposalsAbove(Long.MIN_VALUE, e);
    failReads(e);
    for (CompletableFuture<Membership> f : promotions.values()) {
      f.completeExceptionally(e);
    }
    promotions.clear();
    if (transfer != null) {
      transfer.completeExceptionally(e);
      transfer = null;
    }
    Runnable task;
    while ((task = mailbox.poll()) != null) {
      if (task instanceof Submission s) {
        s.future.completeExceptionally(e);
      }
    }
  }

  private void failReads(RaftException e) {
    for (Read<?> r : reads.values()) {
      r.future().completeExceptionally(e);
    }
    reads.clear();
    for (List<Read<?>> l : readsWaitingApply.values()) {
      for (Read<?> r : l) {
        r.future().completeExceptionally(e);
      }
    }
    readsWaitingApply.clear();
  }

  private final class Sink implements ReadyProcessor.Sink {
    private long lastAppliedInTurn;
    private final TreeMap<NodeId, List<RaftMessage>> byPeer = new TreeMap<>();

    @Override
    public void send(List<RaftMessage> messages) {
      for (RaftMessage m : messages) {
        byPeer.computeIfAbsent(m.to(), k -> new ArrayList<>()).add(m);
      }
      for (Map.Entry<NodeId, List<RaftMessage>> e : byPeer.entrySet()) {
        try {
          transport.send(e.getKey(), e.getValue());
        } catch (RuntimeException ex) {
          LOG.debug("{}: send to {} failed", id, e.getKey(), ex);
        }
      }
      byPeer.clear();
    }

    @Override
    public void applied(LogEntry entry, Object result) {
      lastAppliedInTurn = entry.index();
      PendingProposal p = proposals.remove(entry.index());
      if (p != null) {
        if (p.term() == entry.term()) {
          p.future().complete(entry.type() == EntryType.COMMAND ? result : null);
        } else {
          p.future().completeExceptionally(new ProposalDroppedException("entry "
              + entry.index() + " was replaced after a leader change"));
        }
      }
      if (!readsWaitingApply.isEmpty()) {
        releaseReads(entry.index());
      }
    }

    @Override
    public void readState(ReadState rs) {
      Read<?> r = reads.remove(rs.context());
      if (r == null) {
        return;
      }
      if (node.appliedIndex() >= rs.index() || lastAppliedInTurn >= rs.index()) {
        r.serve(rs.index());
      } else {
        readsWaitingApply.computeIfAbsent(rs.index(), k -> new ArrayList<>()).add(r);
      }
    }

    @Override
    public void softStateChanged(SoftState s) {
      if (s.role() != RaftRole.LEADER) {
        failReads(new NotLeaderException(id, s.leader()));
        // Pending proposals stay: the entry may still commit under the next leader, and this
        // node learns the outcome when it applies that index (the term tells whether it is the
        // proposed entry) or when a later proposal of its own takes the index (track). Only a
        // leader promotes learners, so promotions fail now.
        for (CompletableFuture<Membership> f : promotions.values()) {
          f.completeExceptionally(new NotLeaderException(id, s.leader()));
        }
        promotions.clear();
      }
      if (transfer != null && transferTarget.equals(s.leader())) {
        transfer.complete(null);
        transfer = null;
      } else if (transfer != null && s.leader() != null && !s.leader().equals(id)) {
        transfer.completeExceptionally(new ProposalDroppedException("transfer to "
            + transferTarget + " failed: " + s.leader() + " leads"));
        transfer = null;
      }
      for (LeadershipListener l : listeners) {
        try {
          l.onChange(s.role(), s.term(), s.leader());
        } catch (RuntimeException e) {
          LOG.warn("{}: leadership listener failed", id, e);
        }
      }
    }

    @Override
    public void snapshotInstalled(Ready.ReceivedSnapshot snapshot) {
      releaseReads(snapshot.lastIndex());
      for (Iterator<Map.Entry<Long, PendingProposal>> it = proposals.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<Long, PendingProposal> e = it.next();
        if (e.getKey() <= snapshot.lastIndex()) {
          e.getValue().future().completeExceptionally(new ProposalDroppedException(
              "outcome unknown: replaced by a snapshot"));
          it.remove();
        }
      }
    }

    private void releaseReads(long appliedIndex) {
      while (!readsWaitingApply.isEmpty() && readsWaitingApply.firstKey() <= appliedIndex) {
        Map.Entry<Long, List<Read<?>>> e = readsWaitingApply.pollFirstEntry();
        for (Read<?> r : e.getValue()) {
          r.serve(e.getKey());
        }
      }
    }
  }

  /** Builds a {@link RaftServer}. */
  public static final class Builder {
    private NodeId id;
    private int groupId;
    private Membership membership;
    private RaftConfig config = RaftConfig.defaults();
    private RaftLogStore store;
    private StateMachine stateMachine;
    private SnapshotStore snapshots;
    private RaftTransport transport;
    private Duration tick = Duration.ofMillis(50);
    private long snapshotThreshold;
    private int mailboxCapacity = 1 << 16;
    private Long seed;

    private Builder() {}

    /** This node's id (required). */
    public Builder id(NodeId v) {
      id = v;
      return this;
    }

    /** The Raft group id (default 0). */
    public Builder groupId(int v) {
      groupId = v;
      return this;
    }

    /** The initial members (required; used until the log or a snapshot says otherwise). */
    public Builder membership(Membership v) {
      membership = v;
      return this;
    }

    /** Tunables (default {@link RaftConfig#defaults()}). */
    public Builder config(RaftConfig v) {
      config = Objects.requireNonNull(v);
      return this;
    }

    /** The log store (required), already recovered. */
    public Builder logStore(RaftLogStore v) {
      store = v;
      return this;
    }

    /** The state machine (required). */
    public Builder stateMachine(StateMachine v) {
      stateMachine = v;
      return this;
    }

    /** The snapshot store (optional; without it, no snapshots and no InstallSnapshot). */
    public Builder snapshotStore(SnapshotStore v) {
      snapshots = v;
      return this;
    }

    /** The transport (required). */
    public Builder transport(RaftTransport v) {
      transport = v;
      return this;
    }

    /** The length of one tick (default 50 ms). */
    public Builder tick(Duration v) {
      tick = Objects.requireNonNull(v);
      return this;
    }

    /** Snapshot once this many entries were applied since the last one (default 0: never). */
    public Builder snapshotThreshold(long v) {
      snapshotThreshold = v;
      return this;
    }

    /** Capacity of the inbound mailbox (default 65536). */
    public Builder mailboxCapacity(int v) {
      mailboxCapacity = v;
      return this;
    }

    /** Seed of the election jitter (default: from the clock). */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** The server, not yet started. */
    public RaftServer build() {
      return new RaftServer(this);
    }
  }
}
