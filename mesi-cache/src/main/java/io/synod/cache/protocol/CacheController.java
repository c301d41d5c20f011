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
import java.util.TreeSet;

/**
 * The cache side of one node: its lines, their MESI states and leases, and the local operations
 * waiting on them.
 *
 * <h2>Implementation notes</h2>
 *
 * <h3>Shape</h3>
 * A deterministic state machine in the etcd style: inputs are local operations
 * ({@link #submit}), messages ({@link #step}) and {@link #tick}; outputs go through
 * {@link ProtocolEffects}. Time comes only from the injected {@link Clock}. The directory side
 * lives in {@link HomeDirectory}; {@link ProtocolNode} puts the two together.
 *
 * <h3>Transactions</h3>
 * Every key has at most one outstanding transaction per node; operations on the key queue
 * behind it in FIFO order (bounded by {@link CacheConfig#maxPendingOpsPerKey()}). A read in I
 * sends GetS and waits in IS_D; a write in I or S sends GetM and waits in IM_D or SM_D; a write
 * in E upgrades silently to M [1, 8.7.1]. Every request is resent each
 * {@link CacheConfig#retryNanos()} until answered, with the same transaction id: the home
 * treats a copy it has seen as a duplicate. An operation can fail (its home was declared down,
 * its caller gave up) without ending the transaction: the answer still fills the line.
 *
 * <h3>Leases</h3>
 * A copy in S, E or M is served only while its lease runs: from the clock reading this node
 * put in the request (or renewal) the home answered, for {@link CacheConfig#leaseNanos()}. The
 * home received that request after it was sent, and counts the lease from then, plus the drift
 * bound, so the holder always stops first. A hit in the second half of the lease renews it in
 * the background (Renew, answered by Renew-Ack); an access after it ran out waits for the
 * renewal, and a refused renewal drops the line (the home gave it to someone else after this
 * node was declared down; a Modified line's data is lost then, as with a crash).
 *
 * <h3>Giving a copy up</h3>
 * The home takes a copy back with Inv, which names the grant (transaction) it revokes: the
 * holder answers Inv-Ack with its data when dirty and drops the line. An Inv for the grant of a
 * transaction still waiting for its Data (the Inv overtook the Data) marks the transaction: its
 * Data then serves one read, or a write asks again. A write-through line in M_WB answers an Inv
 * only after its write-back is acknowledged. A restarted home's Collect is answered the same way,
 * together with the data of a Put or write-back still unanswered.
 *
 * <h3>Incarnations</h3>
 * Every message carries its sender's incarnation; a message from an older incarnation of a peer
 * than one already heard from is dropped (it is from before that peer restarted).
 *
 * <h3>References</h3>
 * <ol>
 *   <li>D. J. Sorin, M. D. Hill, D. A. Wood, "A Primer on Memory Consistency and Cache
 *       Coherence", 2nd ed., ch. 8 (directory protocols; 8.7.1 the E state).
 *   <li>C. Gray, D. Cheriton, "Leases: an efficient fault-tolerant mechanism for distributed
 *       file cache consistency", SOSP 1989.
 * </ol>
 */
public final class CacheController {
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
    // the current transaction (request, Put or write-back)
    long txn;
    // the transaction whose Data granted the copy held now
    long grantTxn;
    long leaseUntil;
    long lastSend;
    long startNanos;
    // the operation that started the current transaction (its answer is within its interval)
    long txnOp;
    // an Inv for the grant of the waiting transaction arrived before its Data
    boolean invalidatedWhileWaiting;
    // a Collect took the copy while a write-back was unanswered: drop it once acknowledged
    boolean collected;
    boolean renewing;
    long renewSent;
    // this node was declared down while holding the line: its home may have given it to
    // someone else, so it is served (and its data trusted) only after a granted renewal
    boolean suspect;
    CacheMessage stalledInv;
    // the write-through write waiting in M_WB for its acknowledgement (null once failed)
    Op wbOp;
    boolean inPolicy;
    boolean evictingForOp;
    // room for one queued op: the default 16 slots cost 64 bytes per line (issue 24)
    final ArrayDeque<Op> ops = new ArrayDeque<>(1);

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
  private final FaultHooks hooks;
  private final ReplacementPolicy<String> policy;
  private final TreeMap<String, Line> lines = new TreeMap<>();
  /** Lines of {@link #lines} per state, by ordinal; changed only by {@link #setState}. */
  private final int[] perState = new int[LineState.values().length];
  private final TreeMap<String, Long> incarnations = new TreeMap<>();
  private final TreeSet<String> down = new TreeSet<>();
  private long nextTxn;
  private long brokenTxn = Long.MIN_VALUE;

  /**
   * Dirty data this node gave up (in an Inv-Ack or Collect-Ack), per key, so a resent Inv or
   * Collect gets the data again instead of "nothing held": the home takes the first answer that
   * arrives, and that must not be the empty one. Forgotten when the key is granted again.
   */
  private record Released(long grantTxn, boolean downgradeAsked, boolean keptShared,
      CacheValue value) {}

  private static final int RELEASED_MAX = 65_536;

  /**
   * The last Collect answered per key: a resent copy of it (or an older one) gets the same
   * answer and must not take a copy granted after it.
   */
  private record Collected(long incarnation, long homeTxn, CacheValue value, boolean dirty,
      long dataTxn) {}

  private final java.util.LinkedHashMap<String, Collected> collects =
      new java.util.LinkedHashMap<>();
  private final java.util.LinkedHashMap<String, Released> released =
      new java.util.LinkedHashMap<>();

  CacheController(String self, CacheConfig config, HomeLocator homes, Clock clock,
      ProtocolEffects fx, StatsCounter stats, FaultHooks hooks) {
    this.self = self;
    this.config = config;
    this.homes = homes;
    this.clock = clock;
    this.fx = fx;
    this.stats = stats;
    this.hooks = hooks;
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
      fx.fail(opId, new CacheException("too many operations queued on key " + key
          + "; not applied, retry later", false));
      return;
    }
    if (down.contains(homes.homeOf(key))) {
      fx.fail(opId, new CacheException("the home of key " + key + " (" + homes.homeOf(key)
          + ") is declared down; not applied, retry later", false));
      cleanup(line);
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
    if (!fresh(m)) {
      return;
    }
    Line line = lines.computeIfAbsent(m.key(), Line::new);
    switch (m.type()) {
      case DATA -> onData(line, m);
      case NACK -> onNack(line, m);
      case INV -> onInv(line, m);
      case COLLECT -> onCollect(line, m);
      case PUT_ACK -> onPutAck(line, m);
      case WRITE_BACK_ACK -> onWriteBackAck(line, m);
      case RENEW_ACK -> onRenewAck(line, m);
      default -> throw new IllegalArgumentException("not a cache-side message: " + m);
    }
    cleanup(line);
  }

  /** Drops what an older incarnation of a peer sent after a newer one was heard. */
  private boolean fresh(CacheMessage m) {
    long known = incarnations.getOrDefault(m.from(), -1L);
    if (m.incarnation() < known) {
      return false;
    }
    if (m.incarnation() > known) {
      incarnations.put(m.from(), m.incarnation());
    }
    return true;
  }

  /**
   * Resends what is unanswered for longer than the retry interval. A check that fails for one
   * line goes to {@code broken} after the sweep (which may then drop the line); the other lines
   * are still served.
   */
  void tick(java.util.function.BiConsumer<String, RuntimeException> broken) {
    long now = clock.nanoTime();
    java.util.List<java.util.Map.Entry<String, RuntimeException>> failed = null;
    for (Line line : lines.values()) {
      try {
        tickLine(line, now);
      } catch (RuntimeException e) {
        if (failed == null) {
          failed = new java.util.ArrayList<>();
        }
        failed.add(java.util.Map.entry(line.key, e));
      }
    }
    if (failed != null) {
      failed.forEach(f -> broken.accept(f.getKey(), f.getValue()));
    }
  }

  private void tickLine(Line line, long now) {
    if (line.renewing && now - line.renewSent >= config.retryNanos()) {
      sendRenew(line);
    }
    if (now - line.lastSend < config.retryNanos()) {
      return;
    }
    switch (line.state) {
      case IS_D -> resendRequest(line, MessageType.GET_S);
      case IM_D, SM_D -> resendRequest(line, MessageType.GET_M);
      case SI_A -> resend(line, MessageType.PUT_S, null, false);
      case MI_A -> {
        if (line.dirty) {
          resend(line, MessageType.PUT_M, line.value, true);
        } else {
          resend(line, MessageType.PUT_E, null, false);
        }
      }
      case M_WB -> resend(line, MessageType.WRITE_BACK, line.value, false);
      default -> { }
    }
  }

  private void resendRequest(Line line, MessageType type) {
    stats.retries++;
    line.lastSend = clock.nanoTime();
    send(type, homes.homeOf(line.key), line, line.txn, 0, null, false, 1, line.lastSend);
  }

  private void resend(Line line, MessageType type, CacheValue value, boolean flag) {
    stats.retries++;
    line.lastSend = clock.nanoTime();
    send(type, homes.homeOf(line.key), line, line.txn, 0, value, flag, 1, 0);
  }

  LineState state(String key) {
    Line line = lines.get(key);
    return line == null ? LineState.I : line.state;
  }

  CacheValue value(String key) {
    Line line = lines.get(key);
    return line == null ? null : line.value;
  }

  boolean canRead(String key) {
    Line line = lines.get(key);
    return line != null && line.state.readable() && leaseRuns(line);
  }

  boolean canWrite(String key) {
    Line line = lines.get(key);
    return line != null && line.state.writable() && leaseRuns(line);
  }

  private boolean leaseRuns(Line line) {
    return !line.suspect && (hooks.ignoreLease() || clock.nanoTime() < line.leaseUntil);
  }

  /**
   * Lines per state (I not counted), kept as states change: the stats refresh every 250 ms
   * reads them in constant time where a scan of every line took tens of milliseconds of the
   * core thread at a million lines (issue 24).
   */
  Map<LineState, Integer> linesPerState() {
    EnumMap<LineState, Integer> counts = new EnumMap<>(LineState.class);
    for (LineState s : LineState.values()) {
      counts.put(s, s == LineState.I ? 0 : perState[s.ordinal()]);
    }
    return counts;
  }

  private void setState(Line line, LineState next) {
    if (line.state != LineState.I) {
      perState[line.state.ordinal()]--;
    }
    if (next != LineState.I) {
      perState[next.ordinal()]++;
    }
    line.state = next;
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
          if (!leaseRuns(line)) {
            renew(line);
            return;
          }
          stats.hits++;
          policy.recordAccess(line.key);
          renewEarly(line);
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
          if (!leaseRuns(line)) {
            renew(line);
            return;
          }
          if (line.state == LineState.E) {
            stats.upgrades++; // silent E -> M
          }
          stats.hits++;
          policy.recordAccess(line.key);
          renewEarly(line);
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

  /** Applies the head WRITE in a line that holds write permission; true when it must wait. */
  private boolean applyWrite(Line line, Op op, boolean hit) {
    setState(line, LineState.M);
    line.value = op.value;
    line.dirty = true;
    fx.writeApplied(line.key, op.value);
    if (config.writePolicy() == WritePolicy.WRITE_THROUGH) {
      if (line.inPolicy) {
        policy.recordRemove(line.key);
        line.inPolicy = false;
      }
      setState(line, LineState.M_WB);
      line.wbOp = line.ops.pollFirst();
      line.txn = nextTxn++;
      line.lastSend = clock.nanoTime();
      stats.writeBacks++;
      send(MessageType.WRITE_BACK, homes.homeOf(line.key), line, line.txn, 0, op.value, false,
          1, 0);
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
    setState(line, waiting);
    line.txn = nextTxn++;
    line.txnOp = line.ops.isEmpty() ? -1 : line.ops.peekFirst().id;
    line.invalidatedWhileWaiting = false;
    line.renewing = false;
    line.startNanos = clock.nanoTime();
    line.lastSend = line.startNanos;
    send(request, homes.homeOf(line.key), line, line.txn, 0, null, false, 1, line.lastSend);
  }

  /** In the second half of its lease a used line asks for more, without waiting. */
  private void renewEarly(Line line) {
    if (!line.renewing && line.leaseUntil - clock.nanoTime() < config.leaseNanos() / 2) {
      renew(line);
    }
  }

  private void renew(Line line) {
    if (!line.renewing) {
      line.renewing = true;
      sendRenew(line);
    }
  }

  private void sendRenew(Line line) {
    line.renewSent = clock.nanoTime();
    stats.renewals++;
    send(MessageType.RENEW, homes.homeOf(line.key), line, line.grantTxn, 0, null, false, 1,
        line.renewSent);
  }

  // ---- messages ---------------------------------------------------------------------------

  private void onData(Line line, CacheMessage m) {
    if (line.key.equals(hooks.breakInvariantOnDataFor())
        && (brokenTxn == Long.MIN_VALUE || brokenTxn == line.txn)) {
      // the injected failure (runtime tests only): the transaction's state is corrupt, so
      // every answer to it fails again, while a new transaction on the key is served
      brokenTxn = line.txn;
      Invariants.check(false, "injected invariant failure on Data for " + line.key);
    }
    if (m.txn() != line.txn) {
      return; // a duplicate, or the answer to a transaction given up
    }
    switch (line.state) {
      case IS_D -> {
        stats.latency(clock.nanoTime() - line.startNanos);
        Op head = line.ops.peekFirst();
        boolean current = !line.invalidatedWhileWaiting
            && clock.nanoTime() < m.stamp() + config.leaseNanos();
        if (head != null && head.kind == OpKind.READ && (head.id == line.txnOp || current)) {
          // the value was the key's at the grant, inside the interval of the read that asked
          // for it: linearizable even when the copy itself is not kept. A read queued later
          // (its caller gave the first one up) may use it only while the lease runs.
          line.ops.pollFirst();
          fx.complete(head.id, new OpResult(OpKind.READ, line.key, m.value(),
              m.flag() ? LineState.E : LineState.S, false));
        }
        if (line.invalidatedWhileWaiting) {
          setState(line, LineState.I);
          line.value = null;
        } else {
          install(line, m, m.flag() ? LineState.E : LineState.S);
        }
      }
      case IM_D, SM_D -> {
        if (line.invalidatedWhileWaiting) {
          // the grant was revoked before it arrived: ask again
          setState(line, LineState.I);
          line.value = null;
          Op head = line.ops.peekFirst();
          if (head != null && head.kind == OpKind.WRITE) {
            stats.misses--; // the same miss, asked again
            startTransaction(line, MessageType.GET_M, LineState.IM_D);
            return;
          }
        } else {
          stats.latency(clock.nanoTime() - line.startNanos);
          install(line, m, LineState.E);
          Op head = line.ops.peekFirst();
          if (head != null && head.kind == OpKind.WRITE && leaseRuns(line)
              && applyWrite(line, head, false)) {
            return; // write-through: waiting in M_WB
          }
        }
      }
      default -> {
        return; // not waiting for data: stale
      }
    }
    pump(line);
    // into the replacement policy only after the operation it was fetched for ran, or a full
    // cache would evict the line before its write (and fetch it again, forever)
    if (line.state.readable() && !line.inPolicy) {
      insertStable(line);
    }
  }

  private void install(Line line, CacheMessage m, LineState state) {
    released.remove(line.key); // the home moved on: it has what this node gave up
    line.suspect = false;
    setState(line, state);
    line.value = m.value();
    line.dirty = false;
    line.grantTxn = m.txn();
    line.leaseUntil = m.stamp() + config.leaseNanos();
    line.renewing = false;
  }

  private void onNack(Line line, CacheMessage m) {
    if (m.txn() != line.txn) {
      return;
    }
    switch (line.state) {
      case IS_D, IM_D, SM_D -> {
        Op op = line.ops.pollFirst();
        dropLine(line);
        if (op != null) {
          fx.fail(op.id, new CacheException("main memory failed for key " + line.key
              + "; not applied, retry", false));
        }
      }
      case M_WB -> {
        // the home refused the write (it no longer counts this node as the owner: nothing
        // reached memory), or main memory failed it (flag: the store may have it all the same)
        Op op = line.wbOp;
        line.wbOp = null;
        dropLine(line);
        if (op != null) {
          fx.fail(op.id, m.flag()
              ? new CacheException("main memory failed the write of key " + line.key
                  + "; the write may still have applied, retry", true)
              : new CacheException("write of key " + line.key
                  + " refused by its home (this node's copy was revoked); not applied, retry",
                  false));
        }
      }
      default -> {
        return;
      }
    }
    pump(line);
  }

  private void onInv(Line line, CacheMessage m) {
    stats.invalidationsReceived++;
    Released r = released.get(line.key);
    if (r != null && r.grantTxn() == m.txn() && m.txn() != 0
        && r.downgradeAsked() == m.flag()) {
      send(MessageType.INV_ACK, m.from(), line, m.txn(), m.homeTxn(), r.value(), true,
          m.hops() + 1, r.keptShared() ? 1 : 0); // a resent Inv: the same answer again
      return;
    }
    boolean grantHeld = line.grantTxn == m.txn();
    boolean downgrade = m.flag();
    switch (line.state) {
      case S, E, M -> {
        if (grantHeld && downgrade) {
          // a read of the key elsewhere: keep a clean Shared copy, same lease
          ackInv(line, m, line.dirty, true);
          setState(line, LineState.S);
          line.dirty = false;
        } else if (grantHeld) {
          ackInv(line, m, line.dirty);
          dropLine(line);
        } else {
          ackInv(line, m, false);
        }
      }
      case M_WB -> {
        if (grantHeld) {
          line.stalledInv = m; // answered once memory has the write
        } else {
          ackInv(line, m, false);
        }
      }
      case MI_A, SI_A -> {
        boolean dirty = grantHeld && line.dirty;
        ackInv(line, m, dirty);
        if (grantHeld) {
          line.dirty = false; // the home has the data now; the Put in flight will be stale
        }
      }
      case SM_D -> {
        if (line.txn == m.txn()) {
          line.invalidatedWhileWaiting = true;
        } else if (grantHeld) {
          setState(line, LineState.IM_D); // the S copy goes
          line.value = null;
        }
        ackInv(line, m, false);
      }
      case IS_D, IM_D -> {
        if (line.txn == m.txn()) {
          line.invalidatedWhileWaiting = true;
        }
        ackInv(line, m, false);
      }
      default -> ackInv(line, m, false); // I: nothing held
    }
    pump(line);
  }

  private void ackInv(Line line, CacheMessage inv, boolean withData) {
    ackInv(line, inv, withData, false);
  }

  private void ackInv(Line line, CacheMessage inv, boolean withData, boolean keptShared) {
    if (withData) {
      stats.writeBacks++; // the home writes the data to memory
      release(line.key, new Released(inv.txn(), inv.flag(), keptShared, line.value));
    }
    send(MessageType.INV_ACK, inv.from(), line, inv.txn(), inv.homeTxn(),
        withData ? line.value : null, withData, inv.hops() + 1, keptShared ? 1 : 0);
  }

  private void release(String key, Released r) {
    released.remove(key);
    released.put(key, r);
    if (released.size() > RELEASED_MAX) {
      released.remove(released.keySet().iterator().next());
    }
  }

  private void onCollect(Line line, CacheMessage m) {
    Collected before = collects.get(line.key);
    if (before != null && (m.incarnation() < before.incarnation()
        || (m.incarnation() == before.incarnation() && m.homeTxn() <= before.homeTxn()))) {
      if (m.homeTxn() == before.homeTxn()) {
        send(MessageType.COLLECT_ACK, m.from(), line, before.dataTxn(), m.homeTxn(),
            before.value(), before.dirty(), m.hops() + 1, 0); // resent: the same answer
      }
      return;
    }
    CacheValue data = null;
    boolean dirty = false;
    long dataTxn = 0;
    boolean discarded = line.suspect && (line.dirty || line.state == LineState.M_WB);
    switch (line.state) {
      case S, E, M -> {
        dirty = line.dirty;
        data = dirty ? line.value : null;
        dropLine(line);
      }
      case MI_A, SI_A -> {
        dirty = line.dirty;
        data = dirty ? line.value : null;
        dataTxn = dirty ? line.txn : 0;
        line.dirty = false;
      }
      case M_WB -> {
        dirty = true;
        data = line.value;
        dataTxn = line.txn;
        line.collected = true;
      }
      case SM_D -> {
        setState(line, LineState.IM_D);
        line.value = null;
      }
      default -> { }
    }
    if (discarded) {
      // the old home may have given this line away (and its newer data is in memory): dirty
      // data from before this node was declared down must not overwrite it
      stats.revoked++;
      data = null;
      dirty = false;
      dataTxn = 0;
    }
    collects.remove(line.key);
    collects.put(line.key, new Collected(m.incarnation(), m.homeTxn(), data, dirty, dataTxn));
    if (collects.size() > RELEASED_MAX) {
      collects.remove(collects.keySet().iterator().next());
    }
    send(MessageType.COLLECT_ACK, m.from(), line, dataTxn, m.homeTxn(), data, dirty,
        m.hops() + 1, discarded ? 1 : 0);
    pump(line);
  }

  private void onPutAck(Line line, CacheMessage m) {
    if (m.txn() != line.txn || (line.state != LineState.MI_A && line.state != LineState.SI_A)) {
      return;
    }
    dropLine(line);
    finishEviction(line);
    pump(line);
  }

  private void onWriteBackAck(Line line, CacheMessage m) {
    if (m.txn() != line.txn || line.state != LineState.M_WB) {
      return;
    }
    Op op = line.wbOp;
    line.wbOp = null;
    if (line.collected) {
      line.collected = false;
      dropLine(line);
    } else {
      setState(line, LineState.M);
      line.dirty = false;
      insertStable(line);
    }
    if (op != null) {
      fx.complete(op.id, new OpResult(OpKind.WRITE, line.key, op.value, LineState.M, false));
    }
    CacheMessage inv = line.stalledInv;
    line.stalledInv = null;
    if (inv != null) {
      onInv(line, inv);
      return;
    }
    pump(line);
  }

  private void onRenewAck(Line line, CacheMessage m) {
    if (!line.renewing || m.txn() != line.grantTxn || !line.state.stable()
        || line.state == LineState.I) {
      return;
    }
    line.renewing = false;
    if (m.flag()) {
      line.suspect = false; // the home still counts this grant: nobody else got the line
      line.leaseUntil = Math.max(line.leaseUntil, m.stamp() + config.leaseNanos());
    } else {
      // the home gave the line to someone else (this node was declared down meanwhile)
      stats.revoked++;
      dropLine(line);
    }
    pump(line);
  }

  // ---- membership -------------------------------------------------------------------------

  /**
   * A node was declared down: fail the operations waiting on keys it is home of (their
   * transactions go on, and fill the line if the home answers after all).
   */
  void nodeDown(String node) {
    if (node.equals(self)) {
      // the log says this node was declared down: every copy must be revalidated
      for (Line line : lines.values()) {
        if (line.state != LineState.I) {
          line.suspect = true;
        }
      }
      return;
    }
    if (!down.add(node)) {
      return;
    }
    for (Line line : lines.values()) {
      if (!homes.homeOf(line.key).equals(node)) {
        continue;
      }
      if (line.wbOp != null) {
        fx.fail(line.wbOp.id, new CacheException("the home of key " + line.key + " (" + node
            + ") was declared down; the write may still apply, retry later", true));
        line.wbOp = null;
      }
      while (!line.ops.isEmpty()) {
        Op op = line.ops.pollFirst();
        fx.fail(op.id, new CacheException("the home of key " + line.key + " (" + node
            + ") was declared down; not applied, retry later", false));
      }
      line.evictingForOp = false;
    }
    cleanupAll();
  }

  void nodeUp(String node) {
    down.remove(node);
  }

  /**
   * Forgets this node's line of {@code key} after a check failed while handling it: its state
   * cannot be trusted, so the copy goes (without a Put: the home finds out from the next request
   * or Inv, which is answered "nothing held") and every operation waiting on it fails with a
   * retryable error that says whether it may still apply: only a write-through write already
   * sent to the home may. Data of a Modified line is lost, as with a crash of this node.
   */
  void drop(String key, RuntimeException error) {
    Line line = lines.remove(key);
    if (line == null) {
      return;
    }
    setState(line, LineState.I); // gone with its line, whatever state it was left in
    if (line.inPolicy) {
      policy.recordRemove(key);
      line.inPolicy = false;
    }
    String why = "an internal check failed for key " + key + " at " + self + " ("
        + error.getMessage() + "); its line was dropped and is fetched again on the next access";
    if (line.wbOp != null) {
      fx.fail(line.wbOp.id, new CacheException(why + "; the write may still apply, retry",
          true));
      line.wbOp = null;
    }
    while (!line.ops.isEmpty()) {
      Op op = line.ops.pollFirst();
      fx.fail(op.id, new CacheException(why + "; not applied, retry", false));
    }
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
    line.renewing = false;
    line.lastSend = clock.nanoTime();
    switch (line.state) {
      case S -> {
        setState(line, LineState.SI_A);
        send(MessageType.PUT_S, home, line, line.txn, 0, null, false, 1, 0);
      }
      case E, M -> {
        setState(line, LineState.MI_A);
        if (line.dirty) {
          stats.writeBacks++;
          send(MessageType.PUT_M, home, line, line.txn, 0, line.value, true, 1, 0);
        } else {
          send(MessageType.PUT_E, home, line, line.txn, 0, null, false, 1, 0);
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
    setState(line, LineState.I);
    line.value = null;
    line.dirty = false;
    line.renewing = false;
    line.leaseUntil = 0;
    line.grantTxn = 0;
    line.collected = false;
    line.suspect = false;
  }

  private void cleanup(Line line) {
    if (line.state == LineState.I && line.ops.isEmpty() && line.stalledInv == null) {
      lines.remove(line.key);
    }
  }

  void cleanupAll() {
    lines.values().removeIf(l -> l.state == LineState.I && l.ops.isEmpty()
        && l.stalledInv == null);
  }

  private void send(MessageType type, String to, Line line, long txn, long homeTxn,
      CacheValue value, boolean flag, int hops, long stamp) {
    stats.messagesSent++;
    fx.send(new CacheMessage(type, self, to, line.key, self, txn, homeTxn, value, flag, hops,
        config.incarnation(), stamp));
  }
}
