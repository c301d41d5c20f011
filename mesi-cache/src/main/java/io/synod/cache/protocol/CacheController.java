package io.synod.cache.protocol;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheException;
import io.synod.cache.CacheValue;
import io.synod.cache.Invariants;
import io.synod.cache.WritePolicy;
import io.synod.cache.spi.Clock;
import io.synod.cache.spi.HomeLocator;
import io.synod.cache.store.ReplacementPolicy;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cache side of one node: its lines, their MESI states, and the local operations waiting on
 * them.
 *
 * <h2>Implementation notes</h2>
 *
 * <h3>Shape</h3>
 * A deterministic state machine in the etcd style: inputs are local operations
 * ({@link #submit}) and messages ({@link #step}); outputs go through {@link ProtocolEffects}. No
 * threads, no clock reads except the injected {@link Clock} for latency, no I/O. The directory
 * side lives in {@link HomeDirectory}; {@link ProtocolNode} puts the two together.
 *
 * <h3>Transactions</h3>
 * Every key has at most one outstanding transaction per node; later operations on the key queue
 * behind it in FIFO order (bounded by {@link CacheConfig#maxPendingOpsPerKey()}). A read in I
 * sends GetS and waits in IS_D; a write in I or S sends GetM and waits in IM_D or SM_D; a write
 * in E upgrades silently to M [1, 8.7.1]. The home serializes transactions per key, and the
 * Data it (or the forwarding owner) sends carries the requester's transaction id, so a stale or
 * duplicate Data is recognized and dropped.
 *
 * <h3>Races (Primer table 8.1)</h3>
 * <ul>
 *   <li>Inv before Data (IS_D): acknowledge, go to IS_D_I, use the Data for the one read and go
 *       to I [1, 8.2.4].
 *   <li>Fwd-GetS/Fwd-GetM before this node's own Data arrived (IS_D, IM_D, SM_D) or while a
 *       write-through is unacknowledged (M_WB): stall the forward and replay it after the
 *       transition [1, 8.2.4].
 *   <li>Fwd while evicting (MI_A): answer it from the data still held, then wait for Put-Ack in
 *       SI_A or II_A [1, table 8.1].
 *   <li>Inv while evicting an S line (SI_A): acknowledge and go to II_A.
 *   <li>Put-Ack marked stale before the forward arrived: the network reordered them, so keep the
 *       data in MI_F until the Fwd-GetM comes (the Primer assumes an ordered forward network; we
 *       do not).
 * </ul>
 *
 * <h3>Write policies</h3>
 * Write-back (default): a Modified line reaches memory on eviction (PutM) or when another read
 * downgrades it (Data to the home). Write-through: after each write the line sends WriteBack and
 * stays in M_WB, acknowledging the client only once memory has the value; forwards are stalled
 * meanwhile, so no other node sees the value before memory does.
 *
 * <h3>Replacement</h3>
 * Only stable valid lines (S, E, M) are in the {@link ReplacementPolicy}; lines in transient
 * states are pinned. Inserting a line beyond capacity evicts the policy's victim with a Put.
 *
 * <h3>References</h3>
 * <ol>
 *   <li>D. J. Sorin, M. D. Hill, D. A. Wood, "A Primer on Memory Consistency and Cache
 *       Coherence", 2nd ed., ch. 8 (directory protocols; table 8.1 cache controller, table 8.2
 *       directory controller, 8.7.1 the E state).
 *   <li>Ch. 2 of the same: the single-writer/multiple-reader and data-value invariants.
 *   <li>M. Herlihy, J. Wing, "Linearizability", TOPLAS 1990 (the simulator's final check).
 * </ol>
 */
public final class CacheController {
  private static final int STALLED_MAX = 64;

  private static final class Op {
    final long id;
    final OpKind kind;
    final CacheValue value;

    Op(long id, OpKind kind, CacheValue value) {
      this.id = id;
      this.kind = kind;
      this.value = value;
    }
  }

  static final class Line {
    final String key;
    LineState state = LineState.I;
    CacheValue value;
    boolean dirty;
    long txn;
    // the transaction whose Data last filled this line with a read (S or E)
    long fillTxn;
    long startNanos;
    boolean inPolicy;
    boolean evictingForOp;
    final ArrayDeque<Op> ops = new ArrayDeque<>();
    final ArrayDeque<CacheMessage> stalled = new ArrayDeque<>();

    Line(String key) {
      this.key = key;
    }
  }

  private final String self;
  private final CacheConfig config;
  private final HomeLocator homes;
  private final Clock clock;
  private final ProtocolEffects fx;
  private final StatsCounter stats;
  private final ReplacementPolicy<String> policy;
  private final TreeMap<String, Line> lines = new TreeMap<>();
  private static final int FORWARD_MEMORY_MAX = 65_536;

  /**
   * The Fwd-GetMs this node answered, by (key, requester, txn), kept for a home's RECALL after a
   * crash. Not just the last per key: a home may recall a forward this node answered before
   * later ones (the crashed requester got its data long ago and never spoke to the home again).
   */
  private record Forwarded(String requester, long txn, boolean withheld, CacheValue value,
      boolean dirty) {}

  private final java.util.LinkedHashMap<String, Forwarded> recentForwards =
      new java.util.LinkedHashMap<>();
  /** RECALLs that arrived before the forward they are about, per key. */
  private final TreeMap<String, CacheMessage> earlyRecalls = new TreeMap<>();
  private final java.util.TreeSet<String> down = new java.util.TreeSet<>();
  private final TreeMap<String, Integer> epochs = new TreeMap<>();
  private long nextTxn;

  CacheController(
      String self,
      CacheConfig config,
      HomeLocator homes,
      Clock clock,
      ProtocolEffects fx,
      StatsCounter stats) {
    this.self = self;
    this.config = config;
    this.homes = homes;
    this.clock = clock;
    this.fx = fx;
    this.stats = stats;
    this.policy = config.policy().create(config.capacity());
    this.nextTxn = config.firstTxn();
  }

  /**
   * Queues a local operation on {@code key}; its outcome goes to {@link ProtocolEffects#complete}
   * or {@link ProtocolEffects#fail}, possibly before this method returns.
   *
   * @param opId caller's id for the operation
   * @param kind the operation
   * @param key the key
   * @param value the value for WRITE, else null
   */
  void submit(long opId, OpKind kind, String key, CacheValue value) {
    Invariants.require(kind != OpKind.WRITE || value != null, "a write needs a value");
    Line line = lines.computeIfAbsent(key, Line::new);
    if (line.ops.size() >= config.maxPendingOpsPerKey()) {
      fx.fail(opId, new CacheException("too many operations queued on key " + key));
      return;
    }
    line.ops.addLast(new Op(opId, kind, value));
    pump(line);
    cleanup(line);
  }

  /**
   * Handles a message for the cache side.
   *
   * @param m the message
   */
  void step(CacheMessage m) {
    Line line = lines.computeIfAbsent(m.key(), Line::new);
    switch (m.type()) {
      case DATA -> onData(line, m);
      case NACK -> onNack(line, m);
      case FWD_GET_S, FWD_GET_M -> onForward(line, m);
      case RECALL -> onRecall(line, m);
      case PROBE -> onProbe(line, m);
      case INV -> onInv(line, m);
      case PUT_ACK -> onPutAck(line, m);
      case WRITE_BACK_ACK -> onWriteBackAck(line, m);
      default -> throw new IllegalArgumentException("not a cache-side message: " + m);
    }
    cleanup(line);
  }

  LineState state(String key) {
    Line line = lines.get(key);
    return line == null ? LineState.I : line.state;
  }

  CacheValue value(String key) {
    Line line = lines.get(key);
    return line == null ? null : line.value;
  }

  Map<LineState, Integer> linesPerState() {
    EnumMap<LineState, Integer> counts = new EnumMap<>(LineState.class);
    for (LineState s : LineState.values()) {
      counts.put(s, 0);
    }
    for (Line line : lines.values()) {
      if (line.state != LineState.I) {
        counts.merge(line.state, 1, Integer::sum);
      }
    }
    return counts;
  }

  Iterable<Line> lines() {
    return lines.values();
  }

  int policySize() {
    return policy.size();
  }

  // ---- local operations -------------------------------------------------------------------

  private void pump(Line line) {
    while (!line.ops.isEmpty() && line.state.stable()) {
      Op op = line.ops.peekFirst();
      switch (op.kind) {
        case READ -> {
          if (line.state == LineState.I) {
            startTransaction(line, MessageType.GET_S, LineState.IS_D);
            return;
          }
          stats.hits++;
          policy.recordAccess(line.key);
          line.ops.pollFirst();
          fx.complete(op.id, new OpResult(OpKind.READ, line.key, line.value, line.state, true));
        }
        case WRITE -> {
          if (line.state == LineState.I) {
            startTransaction(line, MessageType.GET_M, LineState.IM_D);
            return;
          }
          if (line.state == LineState.S) {
            stats.upgrades++;
            startTransaction(line, MessageType.GET_M, LineState.SM_D);
            return;
          }
          if (line.state == LineState.E) {
            stats.upgrades++; // silent E -> M
          }
          stats.hits++;
          policy.recordAccess(line.key);
          if (applyWrite(line, op, true)) {
            return;
          }
        }
        case INVALIDATE -> {
          if (line.state == LineState.I) {
            line.ops.pollFirst();
            fx.complete(op.id, new OpResult(OpKind.INVALIDATE, line.key, null, LineState.I, true));
          } else {
            line.evictingForOp = true;
            evict(line);
            return;
          }
        }
        default -> throw new IllegalStateException("unknown op " + op.kind);
      }
    }
  }

  /** Applies the head WRITE in a line that now has write permission; true when it must wait. */
  private boolean applyWrite(Line line, Op op, boolean hit) {
    line.state = LineState.M;
    line.value = op.value;
    line.dirty = true;
    fx.writeApplied(line.key, op.value);
    if (config.writePolicy() == WritePolicy.WRITE_THROUGH) {
      if (line.inPolicy) {
        policy.recordRemove(line.key);
        line.inPolicy = false;
      }
      line.state = LineState.M_WB;
      line.txn = nextTxn++;
      stats.writeBacks++;
      send(MessageType.WRITE_BACK, homes.homeOf(line.key), line, self, line.txn, 0,
          op.value, false, 1);
      return true;
    }
    line.ops.pollFirst();
    fx.complete(op.id, new OpResult(OpKind.WRITE, line.key, op.value, LineState.M, hit));
    return false;
  }

  private void startTransaction(Line line, MessageType request, LineState waiting) {
    stats.misses++;
    if (line.inPolicy) {
      policy.recordRemove(line.key);
      line.inPolicy = false;
    }
    line.state = waiting;
    line.txn = nextTxn++;
    line.startNanos = clock.nanoTime();
    send(request, homes.homeOf(line.key), line, self, line.txn, 0, null, false, 1);
  }

  // ---- messages ---------------------------------------------------------------------------

  private void onData(Line line, CacheMessage m) {
    if (m.txn() != line.txn) {
      return; // a duplicate or a Data for an earlier incarnation of this transaction
    }
    switch (line.state) {
      case IS_D -> {
        Op op = line.ops.pollFirst();
        Invariants.check(op != null && op.kind == OpKind.READ, "IS_D without a read: " + line.key);
        line.state = m.flag() ? LineState.E : LineState.S;
        line.value = m.value();
        line.dirty = false;
        line.fillTxn = line.txn;
        stats.latency(clock.nanoTime() - line.startNanos);
        insertStable(line);
        fx.complete(op.id, new OpResult(OpKind.READ, line.key, line.value, line.state, false));
      }
      case IS_D_I -> {
        Op op = line.ops.pollFirst();
        Invariants.check(op != null && op.kind == OpKind.READ, "IS_D_I without a read");
        line.state = LineState.I;
        line.value = null;
        stats.latency(clock.nanoTime() - line.startNanos);
        fx.complete(op.id, new OpResult(OpKind.READ, line.key, m.value(), LineState.I, false));
      }
      case IM_D, SM_D -> {
        Op op = line.ops.peekFirst();
        Invariants.check(op != null && op.kind == OpKind.WRITE, "IM_D without a write");
        stats.latency(clock.nanoTime() - line.startNanos);
        if (!applyWrite(line, op, false)) {
          insertStable(line);
        }
      }
      default -> {
        return; // not waiting for data: stale
      }
    }
    replayStalled(line);
    pump(line);
  }

  private void onNack(Line line, CacheMessage m) {
    if (m.txn() != line.txn) {
      return;
    }
    switch (line.state) {
      case IS_D, IS_D_I, IM_D, SM_D -> {
        // the home changed nothing for us, except that an upgrading sharer may have been dropped
        // from the sharer set: going to I is safe in every case
      }
      default -> {
        return;
      }
    }
    Op op = line.ops.pollFirst();
    line.state = LineState.I;
    line.value = null;
    if (op != null) {
      fx.fail(op.id, new CacheException("main memory failed for key " + line.key));
    }
    replayStalled(line);
    pump(line);
  }

  private void onForward(Line line, CacheMessage m) {
    boolean getM = m.type() == MessageType.FWD_GET_M;
    String home = m.from();
    switch (line.state) {
      case IS_D, IS_D_I, IM_D, SM_D, M_WB -> {
        Invariants.check(line.stalled.size() < STALLED_MAX, "stalled forwards over bound");
        line.stalled.addLast(m);
        CacheMessage early = earlyRecalls.get(forwardId(line.key, m.requester(), m.txn()));
        if (getM && early != null && line.state != LineState.M_WB) {
          recallWait(line, early); // the home must not wait for data this node lacks too
        }
        return;
      }
      case E, M, MI_A, MI_F -> {
        CacheMessage early = getM
            ? earlyRecalls.remove(forwardId(line.key, m.requester(), m.txn())) : null;
        boolean withhold = getM && (isDown(m.requester(), m.epoch()) || early != null);
        if (getM) {
          remember(forwardId(line.key, m.requester(), m.txn()), new Forwarded(m.requester(), m.txn(), withhold, line.value,
              line.dirty));
        }
        if (withhold) {
          // the requester crashed: keep the data for the home's RECALL instead of losing it
          if (early != null) {
            answerRecall(line, early);
          }
        } else {
          sendData(line, m, getM);
        }
        if (!getM) {
          stats.writeBacks += line.dirty ? 1 : 0;
          send(MessageType.DATA_HOME, home, line, m.requester(), m.txn(), m.homeTxn(),
              line.value, line.dirty, m.hops() + 1);
        }
        line.dirty = false;
        switch (line.state) {
          case E, M -> {
            if (getM) {
              dropLine(line);
            } else {
              line.state = LineState.S;
            }
          }
          case MI_A -> line.state = getM ? LineState.II_A : LineState.SI_A;
          default -> {
            line.state = LineState.I; // MI_F: the Put-Ack came first
            line.value = null;
            finishEviction(line);
          }
        }
        pump(line);
      }
      default -> {
        // I, S, SI_A, II_A: not an owner; a forward can only be stale here (after a crash)
      }
    }
  }

  private void onProbe(Line line, CacheMessage m) {
    boolean waiting = line.state == LineState.IS_D && line.txn == m.txn();
    boolean holds = line.state == LineState.S || line.state == LineState.SM_D
        || line.state == LineState.SI_A;
    send(MessageType.PROBE_ACK, m.from(), line, m.requester(), m.txn(), m.homeTxn(),
        holds && !waiting ? line.value : null, holds && !waiting, m.hops() + 1);
  }

  private void onRecall(Line line, CacheMessage m) {
    Forwarded f = recentForwards.get(forwardId(line.key, m.requester(), m.txn()));
    if (f != null) {
      answerRecall(line, m);
    } else {
      // the forward is still on its way (or stalled here): answer when we handle it
      earlyRecalls.put(forwardId(line.key, m.requester(), m.txn()), m);
      Invariants.check(earlyRecalls.size() <= FORWARD_MEMORY_MAX, "early recalls over bound");
      for (CacheMessage s : line.stalled) {
        if (s.type() == MessageType.FWD_GET_M && s.requester().equals(m.requester())
            && s.txn() == m.txn() && line.state != LineState.M_WB) {
          recallWait(line, m);
          break;
        }
      }
    }
  }

  private void answerRecall(Line line, CacheMessage recall) {
    String id = forwardId(line.key, recall.requester(), recall.txn());
    Forwarded f = recentForwards.get(id);
    if (f != null && f.withheld()) {
      if (f.dirty()) {
        stats.writeBacks++;
      }
      send(MessageType.RECALL_DATA, recall.from(), line, recall.requester(), recall.txn(),
          recall.homeTxn(), f.value(), f.dirty(), recall.hops() + 1);
      recentForwards.put(id, new Forwarded(f.requester(), f.txn(), false, null, false));
    } else {
      send(MessageType.RECALL_NONE, recall.from(), line, recall.requester(), recall.txn(),
          recall.homeTxn(), null, false, recall.hops() + 1);
    }
  }

  private static String forwardId(String key, String requester, long txn) {
    return key + '\u0000' + requester + '#' + txn;
  }

  private void recallWait(Line line, CacheMessage recall) {
    send(MessageType.RECALL_WAIT, recall.from(), line, recall.requester(), recall.txn(),
        recall.homeTxn(), null, false, recall.hops() + 1);
  }

  private void remember(String key, Forwarded f) {
    recentForwards.remove(key);
    recentForwards.put(key, f);
    if (recentForwards.size() > FORWARD_MEMORY_MAX) {
      recentForwards.remove(recentForwards.keySet().iterator().next());
    }
  }

  private boolean isDown(String node, int epoch) {
    // Only more crashes than the home had seen prove the requester dead. Fewer means this node
    // missed some history (it restarted since), which says nothing about the requester.
    return down.contains(node) || epochs.getOrDefault(node, 0) > epoch;
  }

  void nodeDown(String node) {
    if (down.add(node)) {
      epochs.merge(node, 1, Integer::sum);
    }
  }

  void nodeUp(String node) {
    down.remove(node);
  }

  private void sendData(Line line, CacheMessage fwd, boolean exclusive) {
    send(MessageType.DATA, fwd.requester(), line, fwd.requester(), fwd.txn(), 0, line.value,
        exclusive, fwd.hops() + 1);
  }

  private void onInv(Line line, CacheMessage m) {
    stats.invalidationsReceived++;
    send(MessageType.INV_ACK, m.from(), line, m.requester(), m.txn(), m.homeTxn(), null, false,
        m.hops() + 1);
    switch (line.state) {
      case S -> dropLine(line);
      case SM_D -> {
        line.state = LineState.IM_D;
        line.value = null;
      }
      case SI_A -> {
        line.state = LineState.II_A;
        line.value = null;
      }
      case IS_D -> line.state = LineState.IS_D_I;
      default -> {
        // not a sharer (stale Inv): acknowledging is enough
      }
    }
    pump(line);
  }

  private void onPutAck(Line line, CacheMessage m) {
    if (m.txn() != line.txn) {
      return;
    }
    switch (line.state) {
      case MI_A -> {
        if (m.flag()) {
          line.state = LineState.MI_F;
          return;
        }
        line.state = LineState.I;
      }
      case SI_A, II_A -> line.state = LineState.I;
      default -> {
        return;
      }
    }
    line.value = null;
    line.dirty = false;
    finishEviction(line);
    pump(line);
  }

  private void onWriteBackAck(Line line, CacheMessage m) {
    if (m.txn() != line.txn || line.state != LineState.M_WB) {
      return;
    }
    Op op = line.ops.pollFirst();
    Invariants.check(op != null && op.kind == OpKind.WRITE, "M_WB without a write");
    line.state = LineState.M;
    line.dirty = false;
    insertStable(line);
    fx.complete(op.id, new OpResult(OpKind.WRITE, line.key, op.value, LineState.M,
        false));
    replayStalled(line);
    pump(line);
  }

  // ---- helpers ----------------------------------------------------------------------------

  private void finishEviction(Line line) {
    if (line.evictingForOp) {
      line.evictingForOp = false;
      Op op = line.ops.peekFirst();
      if (op != null && op.kind == OpKind.INVALIDATE) {
        line.ops.pollFirst();
        fx.complete(op.id, new OpResult(OpKind.INVALIDATE, line.key, null, LineState.I, false));
      }
    }
  }

  private void replayStalled(Line line) {
    int n = line.stalled.size();
    for (int i = 0; i < n && !line.stalled.isEmpty(); i++) {
      onForward(line, line.stalled.pollFirst());
    }
  }

  private void insertStable(Line line) {
    if (!line.inPolicy) {
      policy.recordInsert(line.key);
      line.inPolicy = true;
    }
    while (policy.size() > config.capacity()) {
      String victim = policy.evict();
      Line v = lines.get(victim);
      Invariants.check(v != null && v.inPolicy, "policy named a line not resident: " + victim);
      v.inPolicy = false;
      stats.evictions++;
      evict(v);
    }
  }

  /** Starts the Put of a stable valid line. */
  private void evict(Line line) {
    if (line.inPolicy) {
      policy.recordRemove(line.key);
      line.inPolicy = false;
    }
    String home = homes.homeOf(line.key);
    line.txn = nextTxn++;
    switch (line.state) {
      case S -> {
        line.state = LineState.SI_A;
        send(MessageType.PUT_S, home, line, self, line.txn, 0, null, false, 1);
      }
      case E, M -> {
        line.state = LineState.MI_A;
        if (line.dirty) {
          stats.writeBacks++;
          send(MessageType.PUT_M, home, line, self, line.txn, 0, line.value, true, 1);
        } else {
          send(MessageType.PUT_E, home, line, self, line.txn, 0, null, false, 1);
        }
      }
      default -> throw new IllegalStateException("evicting a line in " + line.state);
    }
  }

  private void dropLine(Line line) {
    if (line.inPolicy) {
      policy.recordRemove(line.key);
      line.inPolicy = false;
    }
    line.state = LineState.I;
    line.value = null;
    line.dirty = false;
  }

  private void cleanup(Line line) {
    if (line.state == LineState.I && line.ops.isEmpty() && line.stalled.isEmpty()) {
      lines.remove(line.key);
    }
  }

  void cleanupAll() {
    lines.values().removeIf(l -> l.state == LineState.I && l.ops.isEmpty() && l.stalled.isEmpty());
  }

  private void send(MessageType type, String to, Line line, String requester, long txn,
      long homeTxn, CacheValue value, boolean flag, int hops) {
    stats.messagesSent++;
    fx.send(new CacheMessage(type, self, to, line.key, requester, txn, homeTxn, value, flag,
        hops, 0));
  }
}
