package io.synod.cache.protocol;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheValue;
import io.synod.cache.Invariants;
import io.synod.cache.spi.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The home side of one node: the directory entries of the keys this node is home for.
 *
 * <h2>Implementation notes</h2>
 *
 * <h3>Serialization</h3>
 * Requests (GetS, GetM, PutS, PutE, PutM) on a key are served one at a time, in arrival order
 * [1, 8.2]; answers (Inv-Ack, Collect-Ack), renewals and write-throughs of the current owner are
 * handled at once, which keeps the protocol deadlock-free. All data passes through the home: a
 * read of a key another node owns takes the line back from the owner (Inv, Inv-Ack with the
 * data) and then serves it from memory, so no answer depends on a third node's message to the
 * requester. A read miss costs GetS + Data; taking a line from k holders adds k Inv and k
 * Inv-Ack.
 *
 * <h3>Lost and duplicated messages</h3>
 * Every request carries its sender's transaction id; the home keeps, per key and node, the
 * highest id it accepted and its answer. An older id is dropped, the same id is answered again
 * (or, while it is still being served, only refreshes the lease stamp). Inv and Collect are
 * resent each {@link CacheConfig#retryNanos()} until answered.
 *
 * <h3>Leases</h3>
 * A grant's lease is recorded as (receipt of the request or renewal) + lease + drift bound: the
 * holder's own count, from when it sent that message, ends first. A holder that does not answer
 * an Inv is given up only when the membership declared it down and its recorded lease is over;
 * until then the home keeps asking (a live holder answers once the network heals). Giving up an
 * owner may lose its unwritten data under write-back, as a crash would:
 * {@link ProtocolEffects#revoked} reports it.
 *
 * <h3>Restarts</h3>
 * A home keeps no state across a restart. It starts a new incarnation and <b>rebuilds</b> each
 * directory entry before it serves the key for the first time: it sends Collect to every
 * member, each gives its copy up (with its data when dirty, written to memory before anything is
 * served), and a member the membership declared down is skipped only once the longest lease the
 * previous incarnation could have granted is over (start + lease + drift). Messages from an
 * older incarnation of a peer are dropped; a peer heard from with a newer incarnation restarted
 * empty, so it is no longer a holder.
 *
 * <h3>References</h3>
 * <ol>
 *   <li>Sorin, Hill, Wood, "A Primer on Memory Consistency and Cache Coherence", 2nd ed., ch. 8,
 *       table 8.2 (directory controller).
 * </ol>
 */
public final class HomeDirectory {
  private static final int QUEUE_MAX = 4096;

  private enum Phase { IDLE, COLLECT, INVAL, MEMORY }

  private static final class Holder {
    final long grantTxn;
    long leaseEnd;
    final boolean owner;

    Holder(long grantTxn, long leaseEnd, boolean owner) {
      this.grantTxn = grantTxn;
      this.leaseEnd = leaseEnd;
      this.owner = owner;
    }
  }

  private static final class Req {
    CacheMessage m;
    long receivedAt;

    Req(CacheMessage m, long receivedAt) {
      this.m = m;
      this.receivedAt = receivedAt;
    }
  }

  private static final class Entry {
    final String key;
    final TreeMap<String, Holder> holders = new TreeMap<>();
    Phase phase = Phase.IDLE;
    Req current;
    long homeTxn;
    final TreeSet<String> waiting = new TreeSet<>();
    // the Inv round asks the owner to keep a Shared copy (a read of an owned key)
    boolean downgrade;
    long lastSent;
    int collectWrites;
    boolean collectSkipped;
    // members declared down at some time during the Collect round: their data is not trusted
    // made when first needed, as collectedTxn: most lines never see a collect (issue 24)
    TreeSet<String> collectSuspects;
    // room for one queued request: the default 16 slots cost 64 bytes per line (issue 24)
    final ArrayDeque<Req> queue = new ArrayDeque<>(1);
    // node -> the Put or write-back whose data a Collect-Ack brought
    TreeMap<String, Long> collectedTxn;

    Entry(String key) {
      this.key = key;
    }
  }

  /**
   * Per (key, node): the highest transaction accepted and its answer. Kept apart from the
   * entries, which go when nobody holds the key, because a resent write-back must still get the
   * answer it was given (it did reach memory). Bounded: the oldest record goes first, long after
   * any resend of it can still be in flight.
   */
  private static final class Seen {
    long highestTxn = Long.MIN_VALUE;
    CacheMessage lastReply;
  }

  private static final int SEEN_MAX = 262_144;
  private final java.util.LinkedHashMap<String, Seen> seen =
      new java.util.LinkedHashMap<>(1024, 0.75f, true);

  private Seen seen(String key, String node) {
    String id = key + '\u0000' + node;
    Seen s = seen.get(id);
    if (s == null) {
      s = new Seen();
      seen.put(id, s);
      if (seen.size() > SEEN_MAX) {
        seen.remove(seen.keySet().iterator().next());
      }
    }
    return s;
  }

  private record MemoryWrite(String key, CacheMessage reply, boolean forCollect) {}

  private final String self;
  private final CacheConfig config;
  private final Clock clock;
  private final ProtocolEffects fx;
  private final StatsCounter stats;
  private final FaultHooks hooks;
  private final SortedSet<String> members;
  private final long startNanos;
  private final TreeMap<String, Entry> entries = new TreeMap<>();
  private final TreeSet<String> confirmed = new TreeSet<>();
  private final TreeMap<Long, String> reads = new TreeMap<>();
  private final TreeMap<Long, MemoryWrite> writes = new TreeMap<>();
  private final TreeSet<String> down = new TreeSet<>();
  private final TreeMap<String, Long> incarnations = new TreeMap<>();
  private long nextToken = 1;
  private long nextHomeTxn;
  private boolean skipInvalidationUsed;

  HomeDirectory(String self, CacheConfig config, Clock clock, ProtocolEffects fx,
      StatsCounter stats, FaultHooks hooks) {
    this.self = self;
    this.config = config;
    this.clock = clock;
    this.fx = fx;
    this.stats = stats;
    this.hooks = hooks;
    TreeSet<String> m = new TreeSet<>(config.members());
    m.add(self);
    this.members = m;
    this.startNanos = clock.nanoTime();
    // distinct per incarnation (as transaction ids are): an answer to an Inv or Collect of an
    // earlier incarnation never matches a round of this one
    this.nextHomeTxn = Math.max(1, config.firstTxn());
  }

  void step(CacheMessage m) {
    if (!fresh(m)) {
      return;
    }
    Entry e = entries.computeIfAbsent(m.key(), Entry::new);
    switch (m.type()) {
      case GET_S, GET_M, PUT_S, PUT_E, PUT_M -> request(e, m);
      case WRITE_BACK -> {
        if (confirmed.contains(e.key)) {
          writeBack(e, m);
        } else {
          request(e, m); // the entry is rebuilt first
        }
      }
      case RENEW -> onRenew(e, m);
      case INV_ACK -> onInvAck(e, m);
      case COLLECT_ACK -> onCollectAck(e, m);
      default -> throw new IllegalArgumentException("not a directory message: " + m);
    }
    cleanup(e);
  }

  /** Drops what an older incarnation sent; a newer one restarted empty: forget its copies. */
  private boolean fresh(CacheMessage m) {
    long known = incarnations.getOrDefault(m.from(), -1L);
    if (m.incarnation() < known) {
      return false;
    }
    if (m.incarnation() > known) {
      incarnations.put(m.from(), m.incarnation());
      if (known >= 0) {
        peerRestarted(m.from(), m.incarnation());
      }
    }
    return true;
  }

  private void peerRestarted(String node, long incarnation) {
    seen.keySet().removeIf(id -> id.endsWith('\u0000' + node));
    for (Entry e : new ArrayList<>(entries.values())) {
      Holder h = e.holders.remove(node);
      if (h != null && h.owner) {
        fx.revoked(e.key, node); // its unwritten data died with the old incarnation
      }
      if (e.collectedTxn != null) {
        e.collectedTxn.remove(node);
      }
      e.queue.removeIf(r -> r.m.from().equals(node) && r.m.incarnation() < incarnation);
      if ((e.phase == Phase.INVAL || e.phase == Phase.COLLECT) && e.waiting.remove(node)) {
        waitingShrank(e);
      }
      cleanup(e);
    }
  }

  // ---- requests ---------------------------------------------------------------------------

  private void request(Entry e, CacheMessage m) {
    String r = m.from();
    Seen seenBefore = seen(e.key, r);
    long highest = seenBefore.highestTxn;
    if (m.txn() < highest) {
      return; // older than one already accepted: a late duplicate
    }
    if (m.txn() == highest) {
      CacheMessage answered = seenBefore.lastReply;
      if (answered != null && answered.txn() == m.txn()) {
        stats.messagesSent++;
        fx.send(answered); // the answer was lost: the same answer again
        return;
      }
      // still queued or being served: keep the newest copy, its stamp starts the lease later
      if (e.current != null && sameRequest(e.current.m, m)) {
        refresh(e.current, m);
      }
      for (Req q : e.queue) {
        if (sameRequest(q.m, m)) {
          refresh(q, m);
        }
      }
      return;
    }
    seenBefore.highestTxn = m.txn();
    Invariants.check(e.queue.size() < QUEUE_MAX, "directory queue over bound: " + e.key);
    e.queue.addLast(new Req(m, clock.nanoTime()));
    drain(e);
  }

  private static boolean sameRequest(CacheMessage a, CacheMessage b) {
    return a.from().equals(b.from()) && a.txn() == b.txn();
  }

  private void refresh(Req req, CacheMessage m) {
    if (m.stamp() > req.m.stamp()) {
      req.m = m;
      req.receivedAt = clock.nanoTime();
    }
  }

  private void drain(Entry e) {
    while (e.phase == Phase.IDLE && !e.queue.isEmpty()) {
      if (!confirmed.contains(e.key)) {
        startCollect(e);
        return;
      }
      start(e, e.queue.pollFirst());
    }
  }

  private void start(Entry e, Req req) {
    e.current = req;
    CacheMessage m = req.m;
    String r = m.from();
    switch (m.type()) {
      case GET_S -> {
        String owner = ownerOf(e);
        if (owner != null && !owner.equals(r)) {
          invalidate(e, List.of(owner), true); // the owner keeps a Shared copy
        } else {
          readMemory(e);
        }
      }
      case GET_M -> {
        List<String> others = new ArrayList<>();
        for (String h : e.holders.keySet()) {
          if (!h.equals(r)) {
            others.add(h);
          }
        }
        if (others.isEmpty()) {
          readMemory(e);
        } else {
          invalidate(e, others, false);
        }
      }
      case PUT_S, PUT_E, PUT_M -> {
        Long collected = e.collectedTxn == null ? null : e.collectedTxn.get(r);
        if (collected != null && collected == m.txn()) {
          e.collectedTxn.remove(r);
          answer(e, reply(MessageType.PUT_ACK, m, 0, null, false));
          finish(e);
          return;
        }
        Holder h = e.holders.remove(r);
        if (h == null) {
          // invalidated or collected meanwhile: its data, if any, already reached memory
          answer(e, reply(MessageType.PUT_ACK, m, 0, null, true));
        } else if (m.type() == MessageType.PUT_M && h.owner) {
          writeMemory(e.key, m.value(), reply(MessageType.PUT_ACK, m, 0, null, false), false);
        } else {
          answer(e, reply(MessageType.PUT_ACK, m, 0, null, false));
        }
        finish(e);
      }
      case WRITE_BACK -> {
        writeBackAccepted(e, m);
        finish(e);
      }
      default -> throw new IllegalArgumentException("not a request: " + m);
    }
  }

  private String ownerOf(Entry e) {
    for (var h : e.holders.entrySet()) {
      if (h.getValue().owner) {
        return h.getKey();
      }
    }
    return null;
  }

  private void invalidate(Entry e, List<String> targets, boolean downgrade) {
    e.phase = Phase.INVAL;
    e.downgrade = downgrade;
    e.homeTxn = nextHomeTxn++;
    e.waiting.clear();
    for (String t : targets) {
      if (hooks.skipOneInvalidation() && !skipInvalidationUsed) {
        skipInvalidationUsed = true; // the injected bug: forget one holder
        e.holders.remove(t);
        continue;
      }
      e.waiting.add(t);
    }
    e.lastSent = clock.nanoTime();
    for (String t : e.waiting) {
      sendInv(e, t);
    }
    if (e.waiting.isEmpty()) {
      readMemory(e);
    }
  }

  private void sendInv(Entry e, String target) {
    Holder h = e.holders.get(target);
    stats.invalidationsSent++;
    send(MessageType.INV, target, e.key, h == null ? 0 : h.grantTxn, e.homeTxn, null,
        e.downgrade, e.current == null ? 1 : e.current.m.hops() + 1, 0);
  }

  private void onInvAck(Entry e, CacheMessage m) {
    if (e.phase != Phase.INVAL || m.homeTxn() != e.homeTxn || !e.waiting.remove(m.from())) {
      return; // a duplicate or an answer to an earlier round
    }
    Holder h = e.holders.remove(m.from());
    if (m.flag() && h != null && h.owner) {
      writeMemory(e.key, m.value(), null, false);
    }
    if (e.downgrade && h != null && m.stamp() == 1) {
      // downgraded: the same grant and lease, now Shared
      e.holders.put(m.from(), new Holder(h.grantTxn, h.leaseEnd, false));
    }
    waitingShrank(e);
  }

  private void waitingShrank(Entry e) {
    if (!e.waiting.isEmpty()) {
      return;
    }
    if (e.phase == Phase.INVAL) {
      readMemory(e);
    } else if (e.phase == Phase.COLLECT && e.collectWrites == 0) {
      finishCollect(e);
    }
  }

  private void readMemory(Entry e) {
    e.phase = Phase.MEMORY;
    long token = nextToken++;
    reads.put(token, e.key);
    fx.memoryRead(token, e.key);
  }

  /**
   * Main memory answered a read.
   *
   * @param token the read's token
   * @param value the value, null when never written
   * @param error non-null when the read failed
   */
  void memoryReadDone(long token, CacheValue value, Throwable error) {
    String key = reads.remove(token);
    if (key == null) {
      return;
    }
    Entry e = entries.get(key);
    Invariants.check(e != null && e.phase == Phase.MEMORY && e.current != null,
        "memory read for an entry not waiting for one: " + key);
    CacheMessage m = e.current.m;
    String r = m.from();
    if (error != null) {
      answer(e, reply(MessageType.NACK, m, 0, null, false)); // nothing changed
    } else {
      boolean exclusive = m.type() == MessageType.GET_M;
      if (!exclusive) {
        boolean others = false;
        for (String h : e.holders.keySet()) {
          others |= !h.equals(r);
        }
        exclusive = !others;
      }
      e.holders.put(r, new Holder(m.txn(), leaseEnd(e.current.receivedAt), exclusive));
      answer(e, new CacheMessage(MessageType.DATA, self, r, key, r, m.txn(), 0, value,
          exclusive, m.hops() + 1, config.incarnation(), m.stamp()));
    }
    finish(e);
    cleanup(e);
  }

  private long leaseEnd(long from) {
    return from + config.leaseNanos() + config.clockDriftNanos();
  }

  private void finish(Entry e) {
    e.current = null;
    e.phase = Phase.IDLE;
    e.waiting.clear();
    drain(e);
  }

  // ---- write-through, renewals ------------------------------------------------------------

  private void writeBack(Entry e, CacheMessage m) {
    Seen seenBefore = seen(e.key, m.from());
    long highest = seenBefore.highestTxn;
    if (m.txn() < highest) {
      return;
    }
    if (m.txn() == highest) {
      CacheMessage answered = seenBefore.lastReply;
      if (answered != null && answered.txn() == m.txn()) {
        stats.messagesSent++;
        fx.send(answered);
      }
      return; // else memory is still writing it
    }
    seenBefore.highestTxn = m.txn();
    writeBackAccepted(e, m);
  }

  private void writeBackAccepted(Entry e, CacheMessage m) {
    Long collected = e.collectedTxn == null ? null : e.collectedTxn.get(m.from());
    if (collected != null && collected == m.txn()) {
      e.collectedTxn.remove(m.from());
      answer(e, reply(MessageType.WRITE_BACK_ACK, m, 0, null, false));
      return;
    }
    Holder h = e.holders.get(m.from());
    if (h != null && h.owner) {
      writeMemory(e.key, m.value(), reply(MessageType.WRITE_BACK_ACK, m, 0, null, false), false);
    } else {
      // not the owner (any more): the write must not reach memory, and the writer must know
      answer(e, reply(MessageType.NACK, m, 0, null, false));
    }
  }

  private void onRenew(Entry e, CacheMessage m) {
    if (!confirmed.contains(e.key)) {
      if (e.phase == Phase.IDLE) {
        startCollect(e); // a copy from before this home restarted: take it back
      }
      return;
    }
    boolean beingTaken = (e.phase == Phase.INVAL || e.phase == Phase.COLLECT)
        && e.waiting.contains(m.from());
    if (beingTaken) {
      return; // the Inv (resent) reaches it; a refusal now would lose dirty data
    }
    Holder h = e.holders.get(m.from());
    boolean granted = h != null && h.grantTxn == m.txn();
    if (granted) {
      h.leaseEnd = Math.max(h.leaseEnd, leaseEnd(clock.nanoTime()));
    }
    stats.messagesSent++;
    fx.send(new CacheMessage(MessageType.RENEW_ACK, self, m.from(), e.key, m.from(), m.txn(), 0,
        null, granted, m.hops() + 1, config.incarnation(), m.stamp()));
  }

  // ---- rebuilding after a restart ---------------------------------------------------------

  private void startCollect(Entry e) {
    e.phase = Phase.COLLECT;
    e.homeTxn = nextHomeTxn++;
    e.waiting.clear();
    e.waiting.addAll(members);
    e.collectSkipped = false;
    e.collectWrites = 0;
    e.collectSuspects = down.isEmpty() ? null : new TreeSet<>(down);
    e.lastSent = clock.nanoTime();
    for (String member : members) {
      send(MessageType.COLLECT, member, e.key, 0, e.homeTxn, null, false, 1, 0);
    }
  }

  private void onCollectAck(Entry e, CacheMessage m) {
    if (e.phase != Phase.COLLECT || m.homeTxn() != e.homeTxn || !e.waiting.remove(m.from())) {
      return;
    }
    if (m.flag() && (down.contains(m.from())
        || (e.collectSuspects != null && e.collectSuspects.contains(m.from())))) {
      // a member declared down may answer before it learned so: its data may be older than
      // what memory got after its old home gave the line away
      fx.revoked(e.key, m.from());
    } else if (m.flag()) {
      e.collectWrites++;
      writeMemory(e.key, m.value(), null, true);
      if (m.txn() != 0) {
        if (e.collectedTxn == null) {
          e.collectedTxn = new TreeMap<>();
        }
        e.collectedTxn.put(m.from(), m.txn());
      }
    } else if (m.stamp() == 1) {
      fx.revoked(e.key, m.from()); // it dropped data it could no longer vouch for
    }
    waitingShrank(e);
  }

  private void finishCollect(Entry e) {
    confirmed.add(e.key);
    fx.rebuilt(e.key);
    if (e.collectSkipped) {
      fx.revoked(e.key, null);
    }
    e.phase = Phase.IDLE;
    e.waiting.clear();
    drain(e);
  }

  // ---- time and membership ----------------------------------------------------------------

  /**
   * Resends unanswered Inv and Collect, and gives up holders that are down and out of lease. A
   * check that fails for one entry goes to {@code broken} (which may drop the entry); the other
   * entries are still served.
   */
  void tick(java.util.function.BiConsumer<String, RuntimeException> broken) {
    long now = clock.nanoTime();
    for (Entry e : new ArrayList<>(entries.values())) {
      if (entries.get(e.key) != e) {
        continue; // dropped by an earlier failure of this sweep
      }
      try {
        tickEntry(e, now);
      } catch (RuntimeException err) {
        broken.accept(e.key, err);
      }
    }
  }

  private void tickEntry(Entry e, long now) {
    if (e.phase == Phase.INVAL) {
      for (String w : new ArrayList<>(e.waiting)) {
        Holder h = e.holders.get(w);
        if (down.contains(w) && (h == null || now >= h.leaseEnd)) {
          e.waiting.remove(w);
          e.holders.remove(w);
          stats.revoked++;
          if (h != null && h.owner) {
            fx.revoked(e.key, w);
          }
        }
      }
      if (e.waiting.isEmpty()) {
        readMemory(e);
      } else if (now - e.lastSent >= config.retryNanos()) {
        e.lastSent = now;
        for (String w : e.waiting) {
          stats.retries++;
          sendInv(e, w);
        }
      }
    } else if (e.phase == Phase.COLLECT) {
      if (now >= leaseEnd(startNanos)) {
        // the previous incarnation's leases are over: a member declared down holds nothing
        // it may still serve
        for (String w : new ArrayList<>(e.waiting)) {
          if (down.contains(w)) {
            e.waiting.remove(w);
            e.collectSkipped = true;
          }
        }
      }
      if (e.waiting.isEmpty()) {
        if (e.collectWrites == 0) {
          finishCollect(e);
        }
      } else if (now - e.lastSent >= config.retryNanos()) {
        e.lastSent = now;
        for (String w : e.waiting) {
          stats.retries++;
          send(MessageType.COLLECT, w, e.key, 0, e.homeTxn, null, false, 1, 0);
        }
      }
    }
    cleanup(e);
  }

  /**
   * A node was declared down by the membership: holders it does not answer for are given up
   * once their lease is over.
   *
   * @param node the node
   */
  void nodeDown(String node) {
    if (!node.equals(self)) {
      down.add(node);
      for (Entry e : entries.values()) {
        if (e.phase == Phase.COLLECT) {
          if (e.collectSuspects == null) {
            e.collectSuspects = new TreeSet<>();
          }
          e.collectSuspects.add(node);
        }
      }
    }
  }

  /**
   * A node is a member again.
   *
   * @param node the node
   */
  void nodeUp(String node) {
    down.remove(node);
  }

  // ---- memory ----------------------------------------------------------------------------

  private void writeMemory(String key, CacheValue value, CacheMessage reply, boolean forCollect) {
    long token = nextToken++;
    writes.put(token, new MemoryWrite(key, reply, forCollect));
    fx.memoryWrite(token, key, value);
  }

  /**
   * Main memory finished a write.
   *
   * @param token the write's token
   * @param error non-null when the write failed: the writer is then told (a Nack), so it does
   *     not count the write as durable
   */
  void memoryWriteDone(long token, Throwable error) {
    MemoryWrite w = writes.remove(token);
    if (w == null) {
      return;
    }
    Entry e = entries.computeIfAbsent(w.key(), Entry::new);
    if (w.reply() != null) {
      CacheMessage reply = w.reply();
      if (error != null && reply.type() == MessageType.WRITE_BACK_ACK) {
        // flag: main memory may have the write all the same (a timed-out store may apply it)
        reply = new CacheMessage(MessageType.NACK, reply.from(), reply.to(), reply.key(),
            reply.requester(), reply.txn(), 0, null, true, reply.hops(), reply.incarnation(),
            0);
      }
      answer(e, reply);
    }
    if (w.forCollect()) {
      e.collectWrites--;
      if (e.phase == Phase.COLLECT && e.waiting.isEmpty() && e.collectWrites == 0) {
        finishCollect(e);
      }
    }
    cleanup(e);
  }

  /**
   * Forgets the directory entry of {@code key} after a check failed while handling it: the entry
   * is rebuilt from the members (Collect, as after a restart) before the key is served again.
   * Requests still unanswered are forgotten so their resends are taken as new; answered ones
   * keep their answer (a resent write-back that reached memory must still get its Ack), and so
   * do memory writes in flight.
   */
  void drop(String key) {
    Entry e = entries.remove(key);
    confirmed.remove(key);
    reads.values().removeIf(key::equals);
    for (var w : writes.entrySet()) {
      MemoryWrite mw = w.getValue();
      if (mw.key().equals(key) && mw.forCollect()) {
        w.setValue(new MemoryWrite(key, mw.reply(), false)); // no round waits for it now
      }
    }
    String prefix = key + '\u0000';
    seen.entrySet().removeIf(s -> s.getKey().startsWith(prefix)
        && (s.getValue().lastReply == null
            || s.getValue().lastReply.txn() != s.getValue().highestTxn)
        && !replyPending(key, s.getKey().substring(prefix.length())));
    if (e != null && !e.holders.isEmpty()) {
      stats.revoked++;
    }
  }

  private boolean replyPending(String key, String node) {
    for (MemoryWrite w : writes.values()) {
      if (w.key().equals(key) && w.reply() != null && w.reply().to().equals(node)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The key of a memory read in flight.
   *
   * @param token the read's token
   * @return its key, or null when unknown
   */
  String readKey(long token) {
    return reads.get(token);
  }

  /**
   * The key of a memory write in flight.
   *
   * @param token the write's token
   * @return its key, or null when unknown
   */
  String writeKey(long token) {
    MemoryWrite w = writes.get(token);
    return w == null ? null : w.key();
  }

  // ---- queries ----------------------------------------------------------------------------

  DirectoryState state(String key) {
    Entry e = entries.get(key);
    if (e == null) {
      return DirectoryState.I;
    }
    if (e.phase == Phase.MEMORY || e.phase == Phase.COLLECT) {
      return DirectoryState.BUSY_MEMORY;
    }
    if (e.phase == Phase.INVAL) {
      return DirectoryState.SM_A;
    }
    if (ownerOf(e) != null) {
      return DirectoryState.EM;
    }
    return e.holders.isEmpty() ? DirectoryState.I : DirectoryState.S;
  }

  TreeSet<String> sharers(String key) {
    Entry e = entries.get(key);
    TreeSet<String> out = new TreeSet<>();
    if (e != null) {
      e.holders.forEach((n, h) -> {
        if (!h.owner) {
          out.add(n);
        }
      });
    }
    return out;
  }

  String owner(String key) {
    Entry e = entries.get(key);
    return e == null ? null : ownerOf(e);
  }

  int entryCount() {
    return entries.size();
  }

  private void cleanup(Entry e) {
    if (e.phase == Phase.IDLE && e.queue.isEmpty() && e.holders.isEmpty()
        && (e.collectedTxn == null || e.collectedTxn.isEmpty()) && e.collectWrites == 0 && !hasWritesFor(e.key)) {
      entries.remove(e.key);
    }
  }

  private boolean hasWritesFor(String key) {
    for (MemoryWrite w : writes.values()) {
      if (w.key().equals(key)) {
        return true;
      }
    }
    return false;
  }

  private void answer(Entry e, CacheMessage reply) {
    seen(e.key, reply.to()).lastReply = reply;
    stats.messagesSent++;
    fx.send(reply);
  }

  private CacheMessage reply(MessageType type, CacheMessage req, long homeTxn, CacheValue value,
      boolean flag) {
    return new CacheMessage(type, self, req.from(), req.key(), req.from(), req.txn(), homeTxn,
        value, flag, req.hops() + 1, config.incarnation(), 0);
  }

  private void send(MessageType type, String to, String key, long txn, long homeTxn,
      CacheValue value, boolean flag, int hops, long stamp) {
    stats.messagesSent++;
    fx.send(new CacheMessage(type, self, to, key, self, txn, homeTxn, value, flag, hops,
        config.incarnation(), stamp));
  }
}
