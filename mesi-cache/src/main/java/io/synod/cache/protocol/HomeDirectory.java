package io.synod.cache.protocol;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheValue;
import io.synod.cache.Invariants;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The home side of one node: the directory entries of the keys this node is home for.
 *
 * <h2>Implementation notes</h2>
 *
 * <h3>Serialization</h3>
 * A request (GetS, GetM, PutS, PutE, PutM) on a key whose entry is busy (waiting for memory,
 * for the owner's Data after Fwd-GetS, or for Inv-Acks) is queued on the entry (bounded) and
 * handled when the entry is stable again: one transaction at a time per key [1, 8.2]. Responses
 * (Inv-Ack, owner's Data, WriteBack) are never queued, which keeps the protocol deadlock-free.
 *
 * <h3>Message counts</h3>
 * A read served from memory: GetS + Data. A read of a key another node owns: GetS, Fwd-GetS,
 * then Data to the requester and Data to the home, on a 3-hop critical path. A write over k other
 * sharers: GetM, k Inv, k Inv-Ack (to the home), Data: 2 + 2k. A write of a key another node
 * owns: GetM, Fwd-GetM, Data (3).
 *
 * <h3>Memory</h3>
 * Memory is read when the home must supply data. Write-backs (PutM, dirty Data after Fwd-GetS,
 * write-through) are issued without blocking the key: {@code MainMemory} applies operations on a
 * key in call order, so a later read sees them.
 *
 * <h3>Crashes</h3>
 * {@link #nodeDown} drops the node from every sharer set and ownership (its Modified data is
 * lost under write-back), counts its missing Inv-Acks as received, re-serves from memory a
 * requester whose forwarded Data the dead owner would have sent, and discards its queued
 * requests, so nobody waits forever.
 *
 * <h3>References</h3>
 * <ol>
 *   <li>Sorin, Hill, Wood, "A Primer on Memory Consistency and Cache Coherence", 2nd ed., ch. 8,
 *       table 8.2 (directory controller).
 * </ol>
 */
public final class HomeDirectory {
  private static final int QUEUE_MAX = 4096;

  // seq orders forwards in the order the home sent them
  private record Forward(String owner, long txn, boolean exclusive, long seq) {}

  private static final class Entry {
    final String key;
    DirectoryState state = DirectoryState.I;
    final TreeSet<String> sharers = new TreeSet<>();
    String owner;
    // the request being served while busy
    CacheMessage pending;
    // the requester's membership epoch when the pending request started
    int pendingEpoch;
    // the stable state to apply when the pending memory read completes
    boolean pendingExclusive;
    long homeTxn;
    String awaitFrom;
    final TreeSet<String> awaitAcks = new TreeSet<>();
    final ArrayDeque<CacheMessage> queue = new ArrayDeque<>();
    // requester -> the owner that was asked to send it the data (Fwd-GetM), until it speaks again
    final TreeMap<String, Forward> forwarded = new TreeMap<>();

    Entry(String key) {
      this.key = key;
    }

    // a live former owner asked to give the line back because its forward target crashed
    // (several at once when several nodes crash): node -> the recall's home transaction
    // recall home transaction -> recalled node (one node may be recalled for several forwards)
    final TreeMap<Long, String> recalls = new TreeMap<>();
    final List<Runnable> deferred = new ArrayList<>();
    // recalled nodes that answered RECALL_WAIT: they hold no data yet
    final TreeSet<Long> recallsWaiting = new TreeSet<>();
    // orphans (requesters whose data died with its sender) to re-serve once recalls are done
    final TreeMap<String, Forward> deferredResends = new TreeMap<>();

    boolean busy() {
      return !recalls.isEmpty()
          || state == DirectoryState.BUSY_MEMORY
          || state == DirectoryState.S_D
          || state == DirectoryState.SM_A;
    }
  }

  private enum ReadPurpose { SERVE, RESEND }

  private record MemoryRead(String key, ReadPurpose purpose, String requester, long txn,
      boolean exclusive, int hops, int epoch, long homeTxn) {}

  private record MemoryWrite(CacheMessage ackTo) {}

  private final String self;
  private final CacheConfig config;
  private final ProtocolEffects fx;
  private final StatsCounter stats;
  private final TreeMap<String, Entry> entries = new TreeMap<>();
  private final TreeMap<Long, MemoryRead> reads = new TreeMap<>();
  private final TreeMap<Long, MemoryWrite> writes = new TreeMap<>();
  private final TreeSet<String> down = new TreeSet<>();
  // bumped at every nodeDown: a request started before a crash is dead even after a restart
  private final TreeMap<String, Integer> epochs = new TreeMap<>();
  private long nextToken = 1;
  private long nextHomeTxn = 1;
  private long nextForwardSeq = 1;
  private boolean skipInvalidationUsed;

  HomeDirectory(String self, CacheConfig config, ProtocolEffects fx, StatsCounter stats) {
    this.self = self;
    this.config = config;
    this.fx = fx;
    this.stats = stats;
  }

  void step(CacheMessage m) {
    if (down.contains(m.from())) {
      return; // from a node declared down: its transactions were cleaned already
    }
    Entry e = entries.computeIfAbsent(m.key(), Entry::new);
    switch (m.type()) {
      case GET_S, GET_M, PUT_S, PUT_E, PUT_M -> {
        e.forwarded.remove(m.from());
        if (e.busy()) {
          Invariants.check(e.queue.size() < QUEUE_MAX, "directory queue over bound: " + e.key);
          e.queue.addLast(m);
        } else {
          process(e, m);
          drain(e);
        }
      }
      case INV_ACK -> onInvAck(e, m);
      case DATA_HOME -> onOwnerData(e, m);
      case RECALL_DATA, RECALL_NONE -> onRecallReply(e, m);
      case RECALL_WAIT -> onRecallWait(e, m);
      case PROBE_ACK -> onProbeAck(e, m);
      case WRITE_BACK -> writeMemory(e.key, m.value(),
          reply(MessageType.WRITE_BACK_ACK, m, m.from(), 0, null, false));
      default -> throw new IllegalArgumentException("not a directory message: " + m);
    }
    cleanup(e);
  }

  private void process(Entry e, CacheMessage m) {
    String r = m.from();
    switch (m.type()) {
      case GET_S -> {
        switch (e.state) {
          case I -> readForRequester(e, m, true);
          case S -> readForRequester(e, m, false);
          case EM -> {
            if (e.owner.equals(r)) {
              readForRequester(e, m, true);
            } else {
              e.state = DirectoryState.S_D;
              e.pending = m;
              e.pendingEpoch = epochOf(r);
              e.homeTxn = nextHomeTxn++;
              e.awaitFrom = e.owner;
              e.forwarded.put(r, new Forward(e.owner, m.txn(), false, nextForwardSeq++));
              stats.forwardedRequests++;
              send(MessageType.FWD_GET_S, e.owner, e.key, r, m.txn(), e.homeTxn, null, false,
                  m.hops() + 1);
            }
          }
          default -> throw new IllegalStateException("process while busy");
        }
      }
      case GET_M -> {
        switch (e.state) {
          case I -> readForRequester(e, m, true);
          case S -> {
            e.sharers.remove(r);
            if (e.sharers.isEmpty()) {
              readForRequester(e, m, true);
            } else {
              e.state = DirectoryState.SM_A;
              e.pending = m;
              e.pendingEpoch = epochOf(r);
              e.homeTxn = nextHomeTxn++;
              e.awaitAcks.clear();
              for (String sharer : e.sharers) {
                if (config.faultSkipOneInvalidation() && !skipInvalidationUsed) {
                  skipInvalidationUsed = true; // the injected bug: forget one sharer
                  continue;
                }
                e.awaitAcks.add(sharer);
                stats.invalidationsSent++;
                send(MessageType.INV, sharer, e.key, r, m.txn(), e.homeTxn, null, false,
                    m.hops() + 1);
              }
              e.sharers.clear();
              if (e.awaitAcks.isEmpty()) {
                readForRequester(e, m, true);
              }
            }
          }
          case EM -> {
            if (e.owner.equals(r)) {
              readForRequester(e, m, true);
            } else {
              stats.forwardedRequests++;
              e.forwarded.put(r, new Forward(e.owner, m.txn(), true, nextForwardSeq++));
              send(MessageType.FWD_GET_M, e.owner, e.key, r, m.txn(), 0, null, false,
                  m.hops() + 1);
              e.owner = r;
            }
          }
          default -> throw new IllegalStateException("process while busy");
        }
      }
      case PUT_S -> {
        boolean known = e.sharers.remove(r);
        if (e.state == DirectoryState.EM && r.equals(e.owner)) {
          known = true;
          e.owner = null; // an S copy upgraded by a re-serve it ignored: nothing to keep
          e.state = DirectoryState.I;
        }
        if (e.state == DirectoryState.S && e.sharers.isEmpty()) {
          e.state = DirectoryState.I;
        }
        // unknown: invalidated meanwhile, or made owner by a re-serve and forwarded on since
        fx.send(reply(MessageType.PUT_ACK, m, r, 0, null, !known));
        stats.messagesSent++;
      }
      case PUT_E, PUT_M -> {
        CacheMessage ack = reply(MessageType.PUT_ACK, m, r, 0, null, false);
        if (e.state == DirectoryState.EM && e.owner.equals(r)) {
          e.state = DirectoryState.I;
          e.owner = null;
          if (m.type() == MessageType.PUT_M && m.flag()) {
            writeMemory(e.key, m.value(), ack);
            return;
          }
        } else if (e.sharers.remove(r)) {
          if (e.state == DirectoryState.S && e.sharers.isEmpty()) {
            e.state = DirectoryState.I;
          }
        } else {
          // stale: ownership moved on by a Fwd-GetM this node has not handled yet
          ack = reply(MessageType.PUT_ACK, m, r, 0, null, true);
        }
        stats.messagesSent++;
        fx.send(ack);
      }
      default -> throw new IllegalArgumentException("not a request: " + m);
    }
  }

  private void readForRequester(Entry e, CacheMessage m, boolean exclusive) {
    readForRequester(e, m, exclusive, 0);
  }

  private void readForRequester(Entry e, CacheMessage m, boolean exclusive, long reserveTxn) {
    e.state = DirectoryState.BUSY_MEMORY;
    e.pending = m;
    e.pendingEpoch = epochOf(m.from());
    e.pendingExclusive = exclusive;
    long token = nextToken++;
    reads.put(token, new MemoryRead(e.key, ReadPurpose.SERVE, m.from(), m.txn(), exclusive,
        m.hops(), epochOf(m.from()), reserveTxn));
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
    MemoryRead read = reads.remove(token);
    if (read == null) {
      return;
    }
    Entry e = entries.computeIfAbsent(read.key(), Entry::new);
    boolean alive = alive(read.requester(), read.epoch());
    if (read.purpose() == ReadPurpose.RESEND) {
      if (alive && error == null) {
        send(MessageType.DATA, read.requester(), read.key(), read.requester(), read.txn(), 0,
            value, read.exclusive(), read.hops() + 1);
      }
      cleanup(e);
      return;
    }
    Invariants.check(e.state == DirectoryState.BUSY_MEMORY, "memory read for a non-busy entry");
    CacheMessage m = e.pending;
    e.pending = null;
    if (error != null) {
      // nothing changed: restore the stable state the entry had before this request
      e.state = e.owner != null ? DirectoryState.EM
          : e.sharers.isEmpty() ? DirectoryState.I : DirectoryState.S;
      if (alive) {
        send(MessageType.NACK, read.requester(), e.key, read.requester(), read.txn(), 0, null,
            false, read.hops() + 1);
      }
    } else if (!alive) {
      e.state = e.owner != null ? DirectoryState.EM
          : e.sharers.isEmpty() ? DirectoryState.I : DirectoryState.S;
    } else {
      if (read.exclusive()) {
        e.sharers.clear();
        e.owner = read.requester();
        e.state = DirectoryState.EM;
      } else {
        e.sharers.add(read.requester());
        e.owner = null;
        e.state = DirectoryState.S;
      }
      send(MessageType.DATA, read.requester(), e.key, read.requester(), read.txn(),
          read.homeTxn(), value, read.exclusive(), read.hops() + 1);
    }
    drain(e);
    cleanup(e);
  }

  /**
   * Main memory finished a write.
   *
   * @param token the write's token
   * @param error non-null when the write failed (the acknowledgement is still sent: the line is
   *     gone either way, and the failure is logged by the runtime)
   */
  void memoryWriteDone(long token, Throwable error) {
    MemoryWrite w = writes.remove(token);
    if (w != null && w.ackTo() != null && !down.contains(w.ackTo().to())) {
      stats.messagesSent++;
      fx.send(w.ackTo());
    }
  }

  private void onInvAck(Entry e, CacheMessage m) {
    if (e.state != DirectoryState.SM_A || m.homeTxn() != e.homeTxn) {
      return;
    }
    e.awaitAcks.remove(m.from());
    if (e.awaitAcks.isEmpty()) {
      finishInvalidation(e);
    }
  }

  private void finishInvalidation(Entry e) {
    CacheMessage req = e.pending;
    if (!alive(req.from(), e.pendingEpoch)) {
      e.state = DirectoryState.I;
      e.pending = null;
      drain(e);
      return;
    }
    readForRequester(e, req, true);
  }

  private void onOwnerData(Entry e, CacheMessage m) {
    if (e.state != DirectoryState.S_D || m.homeTxn() != e.homeTxn) {
      return;
    }
    if (m.flag()) {
      writeMemory(e.key, m.value(), null);
    }
    finishForwardedRead(e);
  }

  private void onProbeAck(Entry e, CacheMessage m) {
    if (e.state != DirectoryState.S_D || m.homeTxn() != e.homeTxn || e.owner != null) {
      return;
    }
    if (m.flag()) {
      // the reader holds the dead owner's data: memory must catch up with its copy
      writeMemory(e.key, m.value(), null);
      finishForwardedRead(e);
    } else {
      CacheMessage req = e.pending;
      e.pending = null;
      e.awaitFrom = null;
      e.state = DirectoryState.I;
      readForRequester(e, req, true);
    }
  }

  private void onRecallReply(Entry e, CacheMessage m) {
    if (!m.from().equals(e.recalls.get(m.homeTxn()))) {
      return;
    }
    if (m.type() == MessageType.RECALL_DATA && m.flag()) {
      writeMemory(e.key, m.value(), null);
    }
    e.recalls.remove(m.homeTxn());
    e.recallsWaiting.remove(m.homeTxn());
    if (e.recalls.isEmpty()) {
      finishRecall(e);
    } else {
      releaseWaitingChains(e);
    }
  }

  /**
   * A recalled node holds nothing yet: it waits, through a chain of forwards, for data that may
   * have died with a crashed node. Once every recalled node waits like this, nobody live holds
   * data newer than memory, so the orphan at the head of each chain is re-served from memory
   * now, which lets the chain move and the recalled nodes answer for real.
   */
  private void onRecallWait(Entry e, CacheMessage m) {
    if (!m.from().equals(e.recalls.get(m.homeTxn()))) {
      return;
    }
    e.recallsWaiting.add(m.homeTxn());
    releaseWaitingChains(e);
  }

  private void releaseWaitingChains(Entry e) {
    if (e.recalls.isEmpty() || !e.recallsWaiting.containsAll(e.recalls.keySet())) {
      return;
    }
    for (String waiting : new TreeSet<>(e.recalls.values())) {
      Forward self = e.deferredResends.remove(waiting);
      if (self != null) {
        resend(e, waiting, self); // the recalled node is itself the orphan
        continue;
      }
      // Follow "waits for data from" links. A node's record only blocks the link before it when
      // it is older: a newer record is a later request of that node, made after it had passed
      // (or while it still holds) the data the earlier link waits for.
      TreeSet<String> seen = new TreeSet<>();
      Forward f = e.forwarded.get(waiting);
      while (f != null && seen.add(f.owner())) {
        String source = f.owner();
        Forward orphan = e.deferredResends.get(source);
        if (orphan != null) {
          if (orphan.seq() < f.seq()) {
            e.deferredResends.remove(source);
            resend(e, source, orphan);
          }
          break;
        }
        Forward next = e.forwarded.get(source);
        f = next != null && next.seq() < f.seq() ? next : null;
      }
    }
  }

  private void finishRecall(Entry e) {
    e.recallsWaiting.clear();
    for (Map.Entry<String, Forward> r : new ArrayList<>(e.deferredResends.entrySet())) {
      resend(e, r.getKey(), r.getValue());
    }
    e.deferredResends.clear();
    List<Runnable> actions = new ArrayList<>(e.deferred);
    e.deferred.clear();
    for (Runnable r : actions) {
      r.run();
    }
    drain(e);
  }

  private void resend(Entry e, String requester, Forward f) {
    long token = nextToken++;
    reads.put(token, new MemoryRead(e.key, ReadPurpose.RESEND, requester, f.txn(),
        f.exclusive(), 2, epochOf(requester), 0));
    fx.memoryRead(token, e.key);
  }

  private void finishForwardedRead(Entry e) {
    String requester = e.pending.from();
    boolean requesterAlive = alive(requester, e.pendingEpoch);
    e.sharers.clear();
    if (e.owner != null && !down.contains(e.owner)) {
      e.sharers.add(e.owner);
    }
    if (requesterAlive) {
      e.sharers.add(requester);
    }
    e.owner = null;
    e.pending = null;
    e.awaitFrom = null;
    e.state = e.sharers.isEmpty() ? DirectoryState.I : DirectoryState.S;
    drain(e);
  }

  private void writeMemory(String key, CacheValue value, CacheMessage ack) {
    long token = nextToken++;
    writes.put(token, new MemoryWrite(ack));
    fx.memoryWrite(token, key, value);
  }

  private void drain(Entry e) {
    while (!e.busy() && !e.queue.isEmpty()) {
      process(e, e.queue.pollFirst());
    }
  }

  /**
   * A node crashed or left: clean every entry so nobody waits for it.
   *
   * @param node the node
   */
  void nodeDown(String node) {
    if (!down.add(node)) {
      return;
    }
    epochs.merge(node, 1, Integer::sum);
    for (Entry e : new ArrayList<>(entries.values())) {
      e.queue.removeIf(q -> q.from().equals(node));
      e.sharers.remove(node);
      if (e.state == DirectoryState.S && e.sharers.isEmpty()) {
        e.state = DirectoryState.I;
      }
      Forward toDead = e.forwarded.remove(node);
      List<Object[]> orphans = new ArrayList<>();
      // the reader of a Fwd-GetS still in progress is served by the PROBE below, not by a
      // re-send: serving it twice would hand it a second, exclusive copy it no longer waits for
      String probed = e.state == DirectoryState.S_D && node.equals(e.owner)
          ? e.pending.from() : null;
      if (probed != null) {
        e.forwarded.remove(probed); // and forget it, or a later crash would re-send it after all
      }
      for (Map.Entry<String, Forward> f : e.forwarded.entrySet()) {
        if (f.getValue().owner().equals(node) && !f.getKey().equals(probed)) {
          orphans.add(new Object[] {f.getKey(), f.getValue()});
        }
      }
      for (Object[] o : orphans) {
        e.forwarded.remove((String) o[0]);
      }
      // a recalled node that dies takes the data it still held with it
      boolean recalledDied = false;
      for (Map.Entry<Long, String> r : new ArrayList<>(e.recalls.entrySet())) {
        if (r.getValue().equals(node)) {
          recalledDied = true;
          e.recalls.remove(r.getKey());
          e.recallsWaiting.remove(r.getKey());
        }
      }
      e.deferredResends.remove(node);
      boolean recall = toDead != null && !down.contains(toDead.owner()) && toDead.exclusive()
          && !toDead.owner().equals(e.owner)
          && !e.sharers.contains(toDead.owner());
      if (recall) {
        // the former owner may still hold the line it was told to forward to the dead node:
        // take it back before anyone else gets the key (and before re-serving from memory)
        long recallTxn = nextHomeTxn++;
        e.recalls.put(recallTxn, toDead.owner());
        send(MessageType.RECALL, toDead.owner(), e.key, node, toDead.txn(), recallTxn, null,
            false, 1);
      } else if (recalledDied && e.recalls.isEmpty()) {
        finishRecall(e);
      } else if (recalledDied) {
        releaseWaitingChains(e);
      }
      for (Object[] o : orphans) {
        // The recalled node itself may be an orphan (it waits for the dead node's data, with the
        // dead node's Fwd-GetM stalled behind it): it can only answer the recall once it got
        // data, so re-serve it now. Memory is what it would get anyway; it holds nothing newer.
        if (!e.recalls.isEmpty() && !e.recalls.containsValue((String) o[0])) {
          e.deferredResends.put((String) o[0], (Forward) o[1]);
        } else {
          resend(e, (String) o[0], (Forward) o[1]);
        }
      }
      switch (e.state) {
        case EM -> {
          if (node.equals(e.owner)) {
            e.owner = null;
            e.state = DirectoryState.I; // its Modified data, if any, is lost (write-back)
          }
        }
        case S_D -> {
          if (e.owner == null && node.equals(e.awaitFrom)) {
            finishForwardedRead(e); // probing a reader that crashed too
          } else if (node.equals(e.owner)) {
            e.owner = null;
            e.awaitFrom = null; // nobody is probed yet: a second crash of this node is no news
            if (!e.recalls.isEmpty()) {
              // a live former owner may still hold newer data than memory: nothing may be
              // served (not even a probed re-read) before it answered the recall
              e.deferred.add(() -> ownerOfForwardedReadDown(e));
            } else {
              ownerOfForwardedReadDown(e);
            }
          }
        }
        case SM_A -> {
          if (e.awaitAcks.remove(node) && e.awaitAcks.isEmpty()) {
            finishInvalidation(e);
          }
        }
        default -> {
          // I, S handled above; BUSY_MEMORY: the completion checks whether the requester is down
        }
      }
      drain(e);
      cleanup(e);
    }
  }

  private void ownerOfForwardedReadDown(Entry e) {
    if (e.state != DirectoryState.S_D) {
      return;
    }
    if (!alive(e.pending.from(), e.pendingEpoch)) {
      finishForwardedRead(e);
    } else {
      // the owner died before or after sending the reader its data: ask the reader
      e.awaitFrom = e.pending.from();
      send(MessageType.PROBE, e.awaitFrom, e.key, e.pending.from(), e.pending.txn(),
          e.homeTxn, null, false, 1);
    }
  }

  /**
   * A node (re)joined with an empty cache: accept its messages again.
   *
   * @param node the node
   */
  void nodeUp(String node) {
    down.remove(node);
  }

  private int epochOf(String node) {
    return epochs.getOrDefault(node, 0);
  }

  private boolean alive(String node, int epoch) {
    return !down.contains(node) && epochOf(node) == epoch;
  }

  DirectoryState state(String key) {
    Entry e = entries.get(key);
    return e == null ? DirectoryState.I : e.state;
  }

  TreeSet<String> sharers(String key) {
    Entry e = entries.get(key);
    return e == null ? new TreeSet<>() : new TreeSet<>(e.sharers);
  }

  String owner(String key) {
    Entry e = entries.get(key);
    return e == null ? null : e.owner;
  }

  int entryCount() {
    return entries.size();
  }

  private void cleanup(Entry e) {
    if (e.state == DirectoryState.I && e.queue.isEmpty() && e.forwarded.isEmpty()
        && e.sharers.isEmpty() && e.owner == null && e.recalls.isEmpty()
        && e.deferred.isEmpty() && e.deferredResends.isEmpty()) {
      entries.remove(e.key);
    }
  }

  private CacheMessage reply(MessageType type, CacheMessage req, String to, long homeTxn,
      CacheValue value, boolean flag) {
    return new CacheMessage(type, self, to, req.key(), req.requester(), req.txn(), homeTxn, value,
        flag, req.hops() + 1, 0);
  }

  private void send(MessageType type, String to, String key, String requester, long txn,
      long homeTxn, CacheValue value, boolean flag, int hops) {
    stats.messagesSent++;
    int epoch = type == MessageType.FWD_GET_M ? epochOf(requester) : 0;
    fx.send(new CacheMessage(type, self, to, key, requester, txn, homeTxn, value, flag, hops,
        epoch));
  }
}
