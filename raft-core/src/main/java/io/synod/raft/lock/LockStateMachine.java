package io.synod.raft.lock;

import io.synod.raft.snapshot.SnapshotTable;
import io.synod.raft.spi.StateMachine;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The lock table as a deterministic Raft {@link StateMachine}.
 *
 * <h2>Implementation notes</h2>
 *
 * <h3>Time</h3>
 *
 * The machine never reads a clock. Its clock is the largest {@link LockCommand#stampMillis()} seen
 * (so it never runs backwards when a leader with a slower clock takes over). Lease expiry and wait
 * timeouts happen only when the leader proposes {@link LockCommand.ExpireSessions} or {@link
 * LockCommand.ExpireWaits}, so every replica frees the same locks at the same log index [1, 2].
 *
 * <h3>Compatibility and fairness</h3>
 *
 * Shared holds coexist; an exclusive hold is alone. Each resource has a FIFO queue: a request is
 * granted at once only when the queue is empty and it is compatible with the holders, so a waiting
 * exclusive request holds back later shared requests and writers never starve. When holds end, the
 * queue head is granted while compatible (a run of shared waiters is granted together).
 *
 * <h3>Reentrancy and upgrade</h3>
 *
 * The same {@link HolderId} acquiring again increments a count (in its current mode; a shared
 * request by an exclusive holder counts too); it must release as often. A shared holder asking for
 * exclusive is upgraded in place, with a new fencing token, only when it is the sole holder;
 * otherwise the request is refused with {@link LockError#UPGRADE_CONFLICT} instead of waiting,
 * because two waiting upgraders would deadlock.
 *
 * <h3>Fencing</h3>
 *
 * Every new hold (and every upgrade) takes {@code token = max(index, lastToken + 1)}: at least the
 * log index of the grant and strictly greater than every token granted before on any resource, so
 * tokens strictly increase per resource across leader changes and snapshots [3].
 *
 * <h3>Deadlock detection</h3>
 *
 * The wait-for graph is derived from the replicated state: a waiter waits for the holders it is
 * incompatible with and for the incompatible waiters ahead of it in the queue (FIFO grants them
 * first). Before queueing a request the machine searches from its would-be blockers; if the
 * requester is reachable the request is refused with {@link LockError#DEADLOCK} and not queued.
 * The graph therefore stays acyclic, every replica refuses the same request, and only real cycles
 * are reported (no timeout-based guesses, no phantom deadlocks) [4].
 *
 * <h3>Sessions</h3>
 *
 * A session id is the log index of its open. A keep-alive extends the lease to {@code now + ttl};
 * closing or expiring a session frees its holds and drops its waits. A new leader proposes {@link
 * LockCommand.GrantGrace} first, extending every live lease by a full TTL from its own clock, so a
 * leader change never expires a session that keeps alive within its TTL [1]. Holders with session
 * {@link HolderId#NO_SESSION} (the legacy owner-only API) have no lease.
 *
 * <p>A session id is guessable, so it is not a capability: each session also has a token, drawn
 * by the proposing leader's runtime from a secure random source and carried in the replicated
 * {@link LockCommand.OpenSession} (the machine itself generates no randomness). Keep-alive, close,
 * and acquire or release by a holder of the session must present it; a missing or wrong token is
 * refused with {@link LockError#SESSION_TOKEN_MISMATCH} and changes nothing. Tokens are compared
 * in constant time. A session without a token (opened by a format-1 command or restored from a
 * snapshot of version 2 or older) refuses every token-checked command and ends by expiry.
 *
 * <h3>References</h3>
 *
 * <ol>
 *   <li>M. Burrows, "The Chubby lock service for loosely-coupled distributed systems", OSDI 2006,
 *       sections 2.8 and 2.9 (sessions, KeepAlives, fail-over grace period).
 *   <li>D. Ongaro, "Consensus: Bridging Theory and Practice", 2014, section 6.3 (client sessions)
 *       and 6.4.1 (clocks in the state machine).
 *   <li>M. Kleppmann, "How to do distributed locking", 2016 (fencing tokens).
 *   <li>E. Knapp, "Deadlock detection in distributed databases", ACM Computing Surveys 19(4), 1987
 *       (wait-for graphs).
 * </ol>
 *
 * <p>Not thread-safe: {@link #apply}, {@link #snapshot}, {@link #restore} and every read accessor
 * must be called on the apply thread.
 *
 * @since 1.0
 */
public final class LockStateMachine implements StateMachine {

  private static final int SNAPSHOT_MAGIC = 0x53594c4b; // "SYLK"
  // 2: holds keep the id of the granted request; 3: sessions keep their token
  private static final int SNAPSHOT_VERSION = 3;

  private final LockLimits limits;
  private final LockListener listener;

  private long lastIndex;
  private long nowMillis = Long.MIN_VALUE;
  private long lastToken;
  // Sorted tables that freeze in constant time: a snapshot is written off the apply thread.
  // Replaced whole on restore, so a view still being written keeps the rows it froze.
  private SnapshotTable<Long, Session> sessions = newSessionTable();
  private SnapshotTable<String, Resource> resources = newResourceTable();
  // Derived indexes, rebuilt on restore: which resources each holder holds or waits for.
  /**
   * Every hold as (holder, resource), sorted by holder: one small key per hold where a map of
   * sets cost a map, a set and two entries per holder (issue 24: 80 bytes of a held lock).
   */
  private final TreeSet<HoldKey> holding = new TreeSet<>();
  /**
   * Every session by lease end, then id: the maintenance step finds the next expiry and the
   * expired sessions without a scan of all sessions on the Raft thread (issue 24).
   */
  private final TreeSet<Expiry> byExpiry = new TreeSet<>();
  private final TreeMap<HolderId, TreeSet<String>> waiting = new TreeMap<>();
  private int waiterCount;
  // Every waiter by deadline (then resource, then queue order): the next deadline and the due
  // waits without a scan of every queue.
  private final TreeSet<Waiter> byDeadline = new TreeSet<>(Comparator
      .comparingLong((Waiter w) -> w.deadlineMillis)
      .thenComparing((Waiter w) -> w.resource)
      .thenComparingLong(w -> w.seq));
  // Holds plus queued requests per session (owner-only holders are not counted).
  private final HashMap<Long, Integer> sessionLoad = new HashMap<>();
  private final Rule rule;

  // Per-apply scratch.
  private List<LockEvent> events = new ArrayList<>();
  private long index;

  /** Creates an empty machine with default limits and no listener. */
  public LockStateMachine() {
    this(LockLimits.DEFAULT, LockListener.NONE);
  }

  /**
   * Creates an empty machine.
   *
   * @param limits the bounds, equal on every replica
   * @param listener notified after every apply, on the apply thread
   */
  public LockStateMachine(LockLimits limits, LockListener listener) {
    this(limits, listener, Rule.CORRECT);
  }

  /** A machine with {@code rule} broken on purpose: only {@link LockTestKit} calls this. */
  LockStateMachine(LockLimits limits, LockListener listener, Rule rule) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.rule = Objects.requireNonNull(rule, "rule");
  }

  // ---------------------------------------------------------------------------------------------
  // apply

  @Override
  public LockResult apply(long index, byte[] command) {
    LockChecks.check(index > lastIndex, "apply index " + index + " after " + lastIndex);
    this.index = index;
    this.lastIndex = index;
    this.events = new ArrayList<>();
    LockCommand decoded = null;
    LockResult result;
    try {
      decoded = LockCodec.decode(command);
    } catch (LockCodec.MalformedCommandException e) {
      result = new LockResult.Refused(LockError.MALFORMED_COMMAND, e.getMessage());
    }
    if (decoded != null) {
      nowMillis = Math.max(nowMillis, decoded.stampMillis());
      result = dispatch(decoded);
    } else {
      result = new LockResult.Refused(LockError.MALFORMED_COMMAND, "undecodable command");
    }
    List<LockEvent> done = Collections.unmodifiableList(events);
    events = new ArrayList<>();
    listener.onApplied(index, decoded, result, done);
    return result;
  }

  /**
   * Applies an already decoded command (same as {@code apply(index, LockCodec.encode(command))}).
   *
   * @param index the log index, strictly increasing
   * @param command the command
   * @return the result
   */
  public LockResult apply(long index, LockCommand command) {
    return apply(index, LockCodec.encode(command));
  }

  private LockResult dispatch(LockCommand c) {
    if (c instanceof LockCommand.Acquire a) {
      return acquire(a);
    } else if (c instanceof LockCommand.Release r) {
      return release(r);
    } else if (c instanceof LockCommand.OpenSession o) {
      return openSession(o);
    } else if (c instanceof LockCommand.KeepAlive k) {
      return keepAlive(k);
    } else if (c instanceof LockCommand.CloseSession s) {
      return closeSession(s);
    } else if (c instanceof LockCommand.ExpireSessions e) {
      return expireSessions(e.stampMillis());
    } else if (c instanceof LockCommand.ExpireWaits e) {
      return expireWaits(e.stampMillis());
    } else if (c instanceof LockCommand.GrantGrace g) {
      return grantGrace(g.stampMillis());
    }
    throw new IllegalStateException("unhandled command " + c);
  }

  private LockResult.Refused validate(HolderId holder, String resource, String token) {
    if (resource.isEmpty()) {
      return refuse(LockError.EMPTY_RESOURCE, "resource name is empty");
    }
    if (utf8Length(resource) > limits.maxNameBytes()) {
      return refuse(LockError.NAME_TOO_LONG, "resource name over " + limits.maxNameBytes());
    }
    if (holder.owner().isEmpty()) {
      return refuse(LockError.EMPTY_OWNER, "owner is empty");
    }
    if (utf8Length(holder.owner()) > limits.maxNameBytes()) {
      return refuse(LockError.NAME_TOO_LONG, "owner over " + limits.maxNameBytes() + " bytes");
    }
    if (holder.sessionId() != HolderId.NO_SESSION) {
      Session s = sessions.get(holder.sessionId());
      if (s == null) {
        return refuse(LockError.UNKNOWN_SESSION, "no session " + holder.sessionId());
      }
      if (!tokenMatches(s, token)) {
        return tokenMismatch(s.id);
      }
    }
    return null;
  }

  /** Whether {@code token} is the session's; constant time in the token's content. */
  private static boolean tokenMatches(Session s, String token) {
    if (s.token.isEmpty()) {
      return false; // a session from before tokens: nobody can prove to be its holder
    }
    return MessageDigest.isEqual(s.token.getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8));
  }

  private LockResult.Refused tokenMismatch(long sessionId) {
    return refuse(LockError.SESSION_TOKEN_MISMATCH,
        "missing or wrong token for session " + sessionId);
  }

  private LockResult acquire(LockCommand.Acquire a) {
    LockResult.Refused bad = validate(a.holder(), a.resource(), a.sessionToken());
    if (bad != null) {
      return bad;
    }
    if (a.mode() == null) {
      return refuse(LockError.UNKNOWN_MODE, "mode must be shared or exclusive");
    }
    if (a.waitMillis() < 0) {
      return refuse(LockError.BAD_TIMEOUT, "negative wait " + a.waitMillis());
    }
    HolderId h = a.holder();
    Resource r = resources.get(a.resource());
    if (r != null) {
      Hold held = r.holders.get(h);
      if (held != null) {
        return reenter(a, r, held);
      }
      if (r.waiterOf(h) != null) {
        return refuse(LockError.ALREADY_WAITING, h + " already waits for " + a.resource());
      }
    }
    if (h.sessionId() != HolderId.NO_SESSION
        && sessionLoad.getOrDefault(h.sessionId(), 0) >= limits.maxHoldsPerSession()) {
      return refuse(LockError.LIMIT_EXCEEDED, "session " + h.sessionId() + " has "
          + limits.maxHoldsPerSession() + " holds and waits");
    }
    boolean grantable = r == null || (r.waiters.isEmpty() && r.compatible(a.mode(), rule));
    if (grantable && r != null && r.holders.size() >= limits.maxHoldersPerResource()) {
      return refuse(LockError.LIMIT_EXCEEDED, a.resource() + " has "
          + limits.maxHoldersPerResource() + " holders");
    }
    if (grantable) {
      if (r == null) {
        if (resources.size() >= limits.maxResources()) {
          return refuse(LockError.LIMIT_EXCEEDED, "more than " + limits.maxResources()
              + " locked resources");
        }
        r = new Resource(a.resource());
        resources.add(r.name, r);
      }
      return grant(r, h, a.mode(), a.requestId());
    }
    if (a.waitMillis() == 0) {
      return refuse(LockError.WOULD_BLOCK, a.resource() + " is held by " + r.holderNames());
    }
    if (r.waiters.size() >= limits.maxWaitersPerResource() || waiterCount >= limits.maxWaiters()) {
      return refuse(LockError.LIMIT_EXCEEDED, "wait queue full for " + a.resource());
    }
    // A holder that holds nothing and waits for nothing has no incoming edge in the wait-for
    // graph (edges end at holders and waiters), so queueing it cannot close a cycle: the common
    // case skips the search and its walk over the whole queue.
    boolean mayCloseCycle = holdsAny(h) || waiting.containsKey(h);
    if (mayCloseCycle && rule != Rule.NO_DEADLOCK_CHECK) {
      TreeSet<HolderId> blockers = blockers(r, h, a.mode(), r.waiters.size());
      if (reaches(blockers, h)) {
        return refuse(LockError.DEADLOCK, h + " waiting for " + a.resource()
            + " would close a cycle through " + blockers);
      }
    }
    long deadline = saturatedAdd(nowMillis, a.waitMillis());
    Waiter w = new Waiter(r.name, h, a.mode(), a.requestId(), deadline, index);
    resources.touch(r.name, r);
    r.queue().addLast(w);
    waiterCount++;
    byDeadline.add(w);
    load(h, 1);
    waiting.computeIfAbsent(h, k -> new TreeSet<>()).add(r.name);
    events.add(new LockEvent.Queued(a.requestId(), r.name, h, a.mode(), deadline, index));
    return new LockResult.Queued(
        a.requestId(), r.name, h, a.mode(), r.waiters.size() - 1, deadline, index);
  }

  private LockResult reenter(LockCommand.Acquire a, Resource r, Hold held) {
    if (held.count >= limits.maxHoldCount()) {
      return refuse(LockError.LIMIT_EXCEEDED, "reentrancy count over " + limits.maxHoldCount());
    }
    boolean upgrade = a.mode() == LockMode.EXCLUSIVE && held.mode == LockMode.SHARED;
    if (upgrade) {
      if (r.holders.size() > 1) {
        return refuse(LockError.UPGRADE_CONFLICT, "cannot upgrade " + a.resource() + " to exclusive: "
            + (r.holders.size() - 1) + " other shared holders");
      }
      resources.touch(r.name, r);
      held.mode = LockMode.EXCLUSIVE;
      held.token = nextToken();
      held.grantIndex = index;
    }
    resources.touch(r.name, r);
    held.count++;
    LockGrant g = new LockGrant(a.requestId(), r.name, a.holder(), held.mode, held.token, index,
        held.acquiredAtMillis, held.count, true, upgrade);
    events.add(g);
    return g;
  }

  private LockGrant grant(Resource r, HolderId h, LockMode mode, long requestId) {
    Hold hold = new Hold(requestId, mode, nextToken(), nowMillis, index);
    resources.touch(r.name, r);
    r.holders.put(h, hold);
    load(h, 1);
    holding.add(new HoldKey(h, r.name));
    LockGrant g = new LockGrant(requestId, r.name, h, mode, hold.token, index, nowMillis, 1, false,
        false);
    events.add(g);
    return g;
  }

  private long nextToken() {
    if (rule == Rule.REUSE_TOKEN && lastToken > 0) {
      return lastToken;
    }
    lastToken = Math.max(index, lastToken + 1);
    return lastToken;
  }

  private LockResult release(LockCommand.Release c) {
    LockResult.Refused bad = validate(c.holder(), c.resource(), c.sessionToken());
    if (bad != null) {
      return bad;
    }
    HolderId h = c.holder();
    Resource r = resources.get(c.resource());
    Hold held = r == null ? null : r.holders.get(h);
    if (held == null) {
      Waiter w = r == null ? null : r.waiterOf(h);
      if (w == null) {
        return refuse(LockError.NOT_HOLDER, h + " does not hold " + c.resource());
      }
      removeWaiter(r, w, LockEvent.Reason.CANCELLED);
      promote(r);
      return new LockResult.WaitCancelled(w.requestId, c.resource(), h, index);
    }
    resources.touch(r.name, r);
    held.count--;
    events.add(new LockEvent.HoldReleased(r.name, h, held.token, held.count,
        LockEvent.Reason.RELEASED, index));
    if (held.count == 0) {
      removeHold(r, h);
      promote(r);
    }
    return new LockResult.Released(c.resource(), h, held.count, index);
  }

  private LockResult openSession(LockCommand.OpenSession o) {
    if (o.ttlMillis() < limits.minTtlMillis() || o.ttlMillis() > limits.maxTtlMillis()) {
      return refuse(LockError.BAD_TTL, "ttl " + o.ttlMillis() + " ms outside ["
          + limits.minTtlMillis() + ", " + limits.maxTtlMillis() + "]");
    }
    if (sessions.size() >= limits.maxSessions()) {
      return refuse(LockError.LIMIT_EXCEEDED, "more than " + limits.maxSessions() + " sessions");
    }
    Session s = new Session(index, o.ttlMillis(), saturatedAdd(nowMillis, o.ttlMillis()),
        o.sessionToken());
    sessions.add(s.id, s);
    byExpiry.add(new Expiry(s.expiresAtMillis, s.id));
    events.add(new LockEvent.SessionOpened(s.id, s.expiresAtMillis, index));
    return new LockResult.SessionOpened(s.id, s.ttlMillis, s.expiresAtMillis, s.token);
  }

  private LockResult keepAlive(LockCommand.KeepAlive k) {
    Session s = sessions.get(k.sessionId());
    if (s == null) {
      return refuse(LockError.UNKNOWN_SESSION, "no session " + k.sessionId());
    }
    if (!tokenMatches(s, k.sessionToken())) {
      return tokenMismatch(s.id);
    }
    sessions.touch(s.id, s);
    extend(s, saturatedAdd(nowMillis, s.ttlMillis));
    return new LockResult.SessionKeptAlive(s.id, s.expiresAtMillis);
  }

  private LockResult closeSession(LockCommand.CloseSession c) {
    Session s = sessions.get(c.sessionId());
    if (s == null) {
      return refuse(LockError.UNKNOWN_SESSION, "no session " + c.sessionId());
    }
    if (!tokenMatches(s, c.sessionToken())) {
      return tokenMismatch(s.id);
    }
    int freed = endSession(c.sessionId(), LockEvent.Reason.SESSION_CLOSED);
    return new LockResult.SessionClosed(c.sessionId(), freed);
  }

  /** Moves a session's lease end to {@code until} if that is later, keeping the index. */
  private void extend(Session s, long until) {
    if (until > s.expiresAtMillis) {
      byExpiry.remove(new Expiry(s.expiresAtMillis, s.id));
      s.expiresAtMillis = until;
      byExpiry.add(new Expiry(s.expiresAtMillis, s.id));
    }
  }

  private LockResult expireSessions(long upToMillis) {
    List<Long> expired = new ArrayList<>();
    for (Expiry e : byExpiry.headSet(new Expiry(upToMillis, Long.MAX_VALUE), true)) {
      expired.add(e.sessionId());
    }
    Collections.sort(expired); // ended in id order, as replicas always ended them
    for (long id : expired) {
      endSession(id, LockEvent.Reason.SESSION_EXPIRED);
    }
    return new LockResult.SessionsExpired(expired);
  }

  private LockResult grantGrace(long stampMillis) {
    for (Session s : sessions.values()) {
      sessions.touch(s.id, s);
      extend(s, saturatedAdd(stampMillis, s.ttlMillis));
    }
    return new LockResult.GraceGranted(sessions.size());
  }

  private LockResult expireWaits(long upToMillis) {
    // due waiters come from the deadline index; they end in the order a scan of the queues
    // would meet them (resource name, then queue position), which every replica shares
    List<Waiter> due = new ArrayList<>();
    for (Waiter w : byDeadline) {
      if (w.deadlineMillis > upToMillis) {
        break;
      }
      due.add(w);
    }
    due.sort(Comparator.comparing((Waiter w) -> w.resource).thenComparingLong(w -> w.seq));
    TreeSet<String> changed = new TreeSet<>();
    for (Waiter w : due) {
      removeWaiter(resources.get(w.resource), w, LockEvent.Reason.TIMED_OUT);
      changed.add(w.resource);
    }
    for (String name : changed) {
      promote(resources.get(name));
    }
    return new LockResult.WaitsExpired(due.size());
  }

  /** Frees every hold and wait of a session and deletes it; returns the number of holds freed. */
  private int endSession(long sessionId, LockEvent.Reason reason) {
    HolderId from = new HolderId(sessionId, "");
    HolderId to = new HolderId(sessionId + 1, "");
    TreeSet<String> changed = new TreeSet<>();
    int freed = 0;
    for (Map.Entry<HolderId, TreeSet<String>> e :
        new ArrayList<>(waiting.subMap(from, to).entrySet())) {
      for (String name : new ArrayList<>(e.getValue())) {
        Resource r = resources.get(name);
        removeWaiter(r, r.waiterOf(e.getKey()), reason);
        changed.add(name);
      }
    }
    if (!(rule == Rule.KEEP_HOLDS_ON_EXPIRY && reason == LockEvent.Reason.SESSION_EXPIRED)) {
      for (HoldKey k : new ArrayList<>(holding.subSet(new HoldKey(from, ""), true,
          new HoldKey(to, ""), false))) {
        Resource r = resources.get(k.resource());
        Hold held = r.holders.get(k.holder());
        events.add(new LockEvent.HoldReleased(k.resource(), k.holder(), held.token, 0, reason,
            index));
        removeHold(r, k.holder());
        changed.add(k.resource());
        freed++;
      }
    }
    Session ended = sessions.get(sessionId);
    if (ended != null) {
      byExpiry.remove(new Expiry(ended.expiresAtMillis, ended.id));
    }
    sessions.remove(sessionId);
    events.add(new LockEvent.SessionEnded(sessionId, reason, index));
    for (String name : changed) {
      Resource r = resources.get(name);
      if (r != null) {
        promote(r);
      }
    }
    return freed;
  }

  private void removeHold(Resource r, HolderId h) {
    resources.touch(r.name, r);
    r.holders.remove(h);
    load(h, -1);
    holding.remove(new HoldKey(h, r.name));
  }

  /** Whether {@code h} holds any lock. */
  private boolean holdsAny(HolderId h) {
    HoldKey first = holding.ceiling(new HoldKey(h, ""));
    return first != null && first.holder().equals(h);
  }

  private void removeWaiter(Resource r, Waiter w, LockEvent.Reason reason) {
    resources.touch(r.name, r);
    LockChecks.check(r.waiters.remove(w), "waiter " + w.holder + " missing on " + r.name);
    waiterCount--;
    byDeadline.remove(w);
    load(w.holder, -1);
    TreeSet<String> set = waiting.get(w.holder);
    set.remove(r.name);
    if (set.isEmpty()) {
      waiting.remove(w.holder);
    }
    events.add(new LockEvent.WaitEnded(w.requestId, r.name, w.holder, reason, index));
  }

  /** Grants the queue head while it is compatible; drops the resource when it is free. */
  private void promote(Resource r) {
    while (!r.waiters.isEmpty()) {
      Waiter w = r.waiters.peekFirst();
      if (!r.compatible(w.mode, rule) || r.holders.size() >= limits.maxHoldersPerResource()) {
        break;
      }
      resources.touch(r.name, r);
      r.waiters.pollFirst();
      waiterCount--;
      byDeadline.remove(w);
      load(w.holder, -1);
      TreeSet<String> set = waiting.get(w.holder);
      set.remove(r.name);
      if (set.isEmpty()) {
        waiting.remove(w.holder);
      }
      LockChecks.check(!r.holders.containsKey(w.holder), "waiter " + w.holder + " already holds");
      grant(r, w.holder, w.mode, w.requestId);
    }
    if (r.holders.isEmpty() && r.waiters.isEmpty()) {
      resources.remove(r.name);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // wait-for graph

  /** Whom {@code h} would wait for if queued at {@code position} of {@code r} in {@code mode}. */
  private static TreeSet<HolderId> blockers(Resource r, HolderId h, LockMode mode, int position) {
    TreeSet<HolderId> out = new TreeSet<>();
    // forEach, not entrySet(): a LinkedHashMap keeps the view it hands out, 16 bytes per lock
    r.holders.forEach((holder, hold) -> {
      if (!holder.equals(h) && !mode.compatibleWith(hold.mode)) {
        out.add(holder);
      }
    });
    int i = 0;
    for (Iterator<Waiter> it = r.waiters.iterator(); it.hasNext() && i < position; i++) {
      Waiter w = it.next();
      if (!w.holder.equals(h) && !mode.compatibleWith(w.mode)) {
        out.add(w.holder);
      }
    }
    return out;
  }

  /** The holders {@code h} waits for now, over every resource it waits for. */
  private TreeSet<HolderId> waitsFor(HolderId h) {
    TreeSet<HolderId> out = new TreeSet<>();
    TreeSet<String> names = waiting.get(h);
    if (names == null) {
      return out;
    }
    for (String name : names) {
      Resource r = resources.get(name);
      int position = 0;
      for (Waiter w : r.waiters) {
        if (w.holder.equals(h)) {
          out.addAll(blockers(r, h, w.mode, position));
          break;
        }
        position++;
      }
    }
    return out;
  }

  /**
   * Whether {@code target} is reachable in the wait-for graph from {@code start}. The graph can
   * hold a quadratic number of edges (each waiter waits for every incompatible waiter ahead of
   * it), so the search does not enumerate them per waiter: per resource it remembers how much of
   * the queue it already pushed (all waiters below one position, exclusive ones below another)
   * and which holders, and pushes only the rest. Each queue is walked at most twice per search,
   * and the reachable set is the same as with every edge.
   */
  private boolean reaches(TreeSet<HolderId> start, HolderId target) {
    ArrayDeque<HolderId> stack = new ArrayDeque<>(start);
    HashSet<HolderId> seen = new HashSet<>(start);
    HashMap<String, Frontier> frontiers = new HashMap<>();
    while (!stack.isEmpty()) {
      HolderId at = stack.pop();
      if (at.equals(target)) {
        return true;
      }
      TreeSet<String> names = waiting.get(at);
      if (names == null) {
        continue;
      }
      for (String name : names) {
        Resource r = resources.get(name);
        Waiter w = r.waiterOf(at);
        Frontier f = frontiers.computeIfAbsent(name, k -> new Frontier());
        boolean exclusive = w.mode == LockMode.EXCLUSIVE;
        if (exclusive ? !f.allHolders : !(f.allHolders || f.exclusiveHolders)) {
          r.holders.forEach((holder, hold) -> {
            if (!w.mode.compatibleWith(hold.mode) && seen.add(holder)) {
              stack.push(holder);
            }
          });
          if (exclusive) {
            f.allHolders = true;
          } else {
            f.exclusiveHolders = true;
          }
        }
        long from = exclusive ? f.allBelow : Math.max(f.allBelow, f.exclusiveBelow);
        if (from < w.seq) {
          for (Waiter ahead : r.waiters.between(from, w.seq)) {
            if (!w.mode.compatibleWith(ahead.mode) && seen.add(ahead.holder)) {
              stack.push(ahead.holder);
            }
          }
          if (exclusive) {
            f.allBelow = w.seq;
          } else {
            f.exclusiveBelow = w.seq;
          }
        }
      }
    }
    return false;
  }

  /** How much of one resource a {@link #reaches} search already pushed. */
  private static final class Frontier {
    boolean allHolders;
    boolean exclusiveHolders;
    long allBelow = Long.MIN_VALUE;
    long exclusiveBelow = Long.MIN_VALUE;
  }

  /**
   * The wait-for graph of the current state: each waiting holder and whom it waits for. Kept
   * acyclic by the machine; checkers verify that.
   *
   * @return a sorted map from waiter to the holders and earlier waiters blocking it
   */
  public TreeMap<HolderId, TreeSet<HolderId>> waitForGraph() {
    TreeMap<HolderId, TreeSet<HolderId>> graph = new TreeMap<>();
    for (HolderId h : waiting.keySet()) {
      graph.put(h, waitsFor(h));
    }
    return graph;
  }

  // ---------------------------------------------------------------------------------------------
  // reads

  /**
   * The state of one resource.
   *
   * @param resource the resource name
   * @return its holders and waiters (a free view when nobody holds or waits)
   */
  public LockView view(String resource) {
    Resource r = resources.get(resource);
    if (r == null) {
      return new LockView(resource, null, List.of(), List.of());
    }
    return r.view();
  }

  /** The names of all resources with holders or waiters, ascending. */
  public List<String> resources() {
    return List.copyOf(resources.keySet());
  }

  /**
   * One page of the resources with holders or waiters, ascending, in O(log n + limit): what a
   * bounded listing reads on the apply thread.
   *
   * @param after the last name of the previous page (exclusive), or {@code null} for the first
   * @param limit most names returned, at least 1
   * @return up to {@code limit} names after {@code after}
   */
  public List<String> resources(String after, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    List<String> out = new ArrayList<>(Math.min(limit, 1024));
    for (String name : after == null ? resources.keySet()
        : resources.keySet().tailSet(after, false)) {
      if (out.size() == limit) {
        break;
      }
      out.add(name);
    }
    return out;
  }

  /** @return how many resources have holders or waiters, in constant time */
  public int resourceCount() {
    return resources.size();
  }

  /**
   * One open session, found by id in O(log n). Its token is never part of the view.
   *
   * @param sessionId the session id
   * @return the session, or empty when none is open with that id (never opened, closed, expired)
   */
  public java.util.Optional<SessionView> session(long sessionId) {
    Session s = sessions.get(sessionId);
    return s == null ? java.util.Optional.empty()
        : java.util.Optional.of(new SessionView(s.id, s.ttlMillis, s.expiresAtMillis));
  }

  /** The open sessions, by id. */
  public List<SessionView> sessions() {
    List<SessionView> out = new ArrayList<>();
    for (Session s : sessions.values()) {
      out.add(new SessionView(s.id, s.ttlMillis, s.expiresAtMillis));
    }
    return out;
  }

  /**
   * One page of the open sessions, ascending by id, in O(log n + limit): what a bounded listing
   * reads on the apply thread. Tokens are never part of a view.
   *
   * @param after the last id of the previous page (exclusive), or {@code null} for the first
   * @param limit most sessions returned, at least 1
   * @return up to {@code limit} sessions after {@code after}
   */
  public List<SessionView> sessions(Long after, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    List<SessionView> out = new ArrayList<>(Math.min(limit, 1024));
    for (Session s : sessions.valuesAfter(after)) {
      if (out.size() == limit) {
        break;
      }
      out.add(new SessionView(s.id, s.ttlMillis, s.expiresAtMillis));
    }
    return out;
  }

  /** @return how many sessions are open, in constant time */
  public int sessionCount() {
    return sessions.size();
  }

  /** The replicated clock: the largest stamp applied, or {@link Long#MIN_VALUE} before any. */
  public long nowMillis() {
    return nowMillis;
  }

  /** The log index of the last applied command (or of the restored snapshot). */
  public long lastAppliedIndex() {
    return lastIndex;
  }

  /** The largest fencing token granted so far (0 before any). */
  public long lastFencingToken() {
    return lastToken;
  }

  /** The earliest lease end over all sessions, if any session is open. */
  public OptionalLong nextSessionExpiry() {
    return byExpiry.isEmpty() ? OptionalLong.empty()
        : OptionalLong.of(byExpiry.first().atMillis());
  }

  /** The earliest finite wait deadline, if any queued request has one. */
  public OptionalLong nextWaitDeadline() {
    if (byDeadline.isEmpty() || byDeadline.first().deadlineMillis == Long.MAX_VALUE) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(byDeadline.first().deadlineMillis);
  }

  /**
   * What became of some requests: for each one that holds a lock now, the grant (its current
   * mode, token and count, {@code reentrant} and {@code upgraded} false); for each one still
   * queued, an empty optional; requests in neither state are absent (they were refused, ended, or
   * granted and released since). Used after {@link #restore} by callers waiting for a grant.
   *
   * @param requestIds the request ids asked about
   * @return the outcome of each known request
   */
  public Map<Long, Optional<LockGrant>> requestOutcomes(Set<Long> requestIds) {
    Map<Long, Optional<LockGrant>> out = new TreeMap<>();
    if (requestIds.isEmpty()) {
      return out;
    }
    for (Resource r : resources.values()) {
      r.holders.forEach((holder, h) -> {
        if (requestIds.contains(h.requestId)) {
          out.put(h.requestId, Optional.of(new LockGrant(h.requestId, r.name, holder, h.mode,
              h.token, h.grantIndex, h.acquiredAtMillis, h.count, false, false)));
        }
      });
      for (Waiter w : r.waiters) {
        if (requestIds.contains(w.requestId)) {
          out.put(w.requestId, Optional.empty());
        }
      }
    }
    return out;
  }

  /** How many requests wait over all resources. */
  public int waiterCount() {
    return waiterCount;
  }

  // ---------------------------------------------------------------------------------------------
  // snapshot

  /**
   * {@inheritDoc}
   *
   * <p>Constant time on the apply thread: the tables are frozen ({@link SnapshotTable}) and the
   * writer encodes them on whatever thread calls it, while applies go on.
   */
  @Override
  public SnapshotWriter snapshot() {
    long frozenIndex = lastIndex;
    long frozenNow = nowMillis;
    long frozenToken = lastToken;
    SnapshotTable.Frozen s = sessions.freeze();
    SnapshotTable.Frozen r = s == null ? null : resources.freeze();
    if (r == null) {
      // the previous writer is still open (never the case under RaftServer): encode here
      if (s != null) {
        s.close();
      }
      byte[] bytes = snapshotBytes();
      return out -> out.write(bytes);
    }
    return out -> {
      try (s; r) {
        DataOutputStream data = new DataOutputStream(out);
        writeHeader(data, frozenIndex, frozenNow, frozenToken);
        s.writeTo(data);
        r.writeTo(data);
        data.flush();
      }
    };
  }

  /**
   * The canonical encoding of the whole state: two machines with equal bytes behave identically.
   * Encodes on the calling thread, now; {@link #snapshot()}'s writer writes the same bytes for
   * the state at its call.
   *
   * @return the snapshot bytes
   */
  public byte[] snapshotBytes() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      writeHeader(out, lastIndex, nowMillis, lastToken);
      sessions.writeNow(out);
      resources.writeNow(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  private static void writeHeader(DataOutputStream out, long index, long now, long token)
      throws IOException {
    out.writeInt(SNAPSHOT_MAGIC);
    out.writeInt(SNAPSHOT_VERSION);
    out.writeLong(index);
    out.writeLong(now);
    out.writeLong(token);
  }

  private static SnapshotTable<Long, Session> newSessionTable() {
    return new SnapshotTable<>((out, s) -> {
      out.writeLong(s.id);
      out.writeLong(s.ttlMillis);
      out.writeLong(s.expiresAtMillis);
      writeString(out, s.token);
    });
  }

  private static SnapshotTable<String, Resource> newResourceTable() {
    return new SnapshotTable<>((out, r) -> {
      writeString(out, r.name);
      out.writeInt(r.holders.size());
      // forEach, not entrySet(): a LinkedHashMap keeps the view it hands out, and every
      // resource would carry one from its first snapshot on (16 bytes per lock)
      try {
        r.holders.forEach((holder, h) -> {
          try {
            writeHolder(out, holder);
            out.writeByte(h.mode.code());
            out.writeInt(h.count);
            out.writeLong(h.token);
            out.writeLong(h.acquiredAtMillis);
            out.writeLong(h.grantIndex);
            out.writeLong(h.requestId);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      out.writeInt(r.waiters.size());
      for (Waiter w : r.waiters) {
        writeHolder(out, w.holder);
        out.writeByte(w.mode.code());
        out.writeLong(w.requestId);
        out.writeLong(w.deadlineMillis);
        out.writeLong(w.index);
      }
    });
  }

  @Override
  public void restore(InputStream input) throws IOException {
    DataInputStream in = new DataInputStream(input);
    try {
      if (in.readInt() != SNAPSHOT_MAGIC) {
        throw new IOException("not a lock state machine snapshot");
      }
      int version = in.readInt();
      if (version < 1 || version > SNAPSHOT_VERSION) {
        throw new IOException("unknown lock snapshot version " + version);
      }
      long restoredIndex = in.readLong();
      long restoredNow = in.readLong();
      long restoredToken = in.readLong();
      SnapshotTable<Long, Session> newSessions = newSessionTable();
      int sessionCount = count(in);
      for (int i = 0; i < sessionCount; i++) {
        // before version 3 sessions had no token: they refuse token-checked commands
        Session s = new Session(in.readLong(), in.readLong(), in.readLong(),
            version >= 3 ? readString(in) : LockCommand.NO_TOKEN);
        try {
          newSessions.add(s.id, s); // one search: add refuses a key it holds
        } catch (IllegalStateException twice) {
          throw new IOException("session " + s.id + " twice in lock snapshot");
        }
      }
      SnapshotTable<String, Resource> newResources = newResourceTable();
      int resourceCount = count(in);
      for (int i = 0; i < resourceCount; i++) {
        Resource r = new Resource(readString(in));
        int holders = count(in);
        for (int j = 0; j < holders; j++) {
          HolderId h = readHolder(in);
          LockMode mode = readMode(in);
          int holdCount = in.readInt();
          long token = in.readLong();
          long acquiredAt = in.readLong();
          long grantIndex = in.readLong();
          long requestId = version == 1 ? 0 : in.readLong();
          Hold hold = new Hold(requestId, mode, token, acquiredAt, grantIndex);
          hold.count = holdCount;
          r.holders.put(h, hold);
        }
        int waiters = count(in);
        for (int j = 0; j < waiters; j++) {
          HolderId h = readHolder(in);
          LockMode mode = readMode(in);
          r.queue().addLast(new Waiter(r.name, h, mode, in.readLong(), in.readLong(),
              in.readLong()));
        }
        try {
          newResources.add(r.name, r);
        } catch (IllegalStateException twice) {
          throw new IOException("resource " + r.name + " twice in lock snapshot");
        }
      }
      if (in.read() != -1) {
        throw new IOException("trailing bytes after lock snapshot");
      }
      TreeSet<String> touched = new TreeSet<>(resources.keySet());
      touched.addAll(newResources.keySet());
      lastIndex = restoredIndex;
      nowMillis = restoredNow;
      lastToken = restoredToken;
      sessions = newSessions;
      resources = newResources;
      rebuildIndexes();
      // the grants, releases and expiries the snapshot covers produce no events: tell the
      // listener, so waiting callers learn their outcome and mirrors re-read the table
      listener.onRestored(lastIndex, Collections.unmodifiableSortedSet(touched));
    } catch (EOFException e) {
      throw new IOException("truncated lock snapshot", e);
    }
  }

  private void rebuildIndexes() {
    byExpiry.clear();
    for (Session s : sessions.values()) {
      byExpiry.add(new Expiry(s.expiresAtMillis, s.id));
    }
    holding.clear();
    waiting.clear();
    byDeadline.clear();
    sessionLoad.clear();
    waiterCount = 0;
    for (Resource r : resources.values()) {
      r.holders.forEach((h, hold) -> {
        holding.add(new HoldKey(h, r.name));
        load(h, 1);
      });
      for (Waiter w : r.waiters) {
        waiting.computeIfAbsent(w.holder, k -> new TreeSet<>()).add(r.name);
        waiterCount++;
        byDeadline.add(w);
        load(w.holder, 1);
      }
    }
  }

  /** Counts a hold or wait of {@code h}'s session up or down. */
  private void load(HolderId h, int delta) {
    if (h.sessionId() != HolderId.NO_SESSION) {
      sessionLoad.merge(h.sessionId(), delta, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("negative count in lock snapshot");
    }
    return n;
  }

  private static LockMode readMode(DataInputStream in) throws IOException {
    byte code = in.readByte();
    return LockMode.fromCode(code)
        .orElseThrow(() -> new IOException("unknown mode " + code + " in lock snapshot"));
  }

  private static void writeHolder(DataOutputStream out, HolderId h) throws IOException {
    out.writeLong(h.sessionId());
    writeString(out, h.owner());
  }

  private static HolderId readHolder(DataInputStream in) throws IOException {
    long session = in.readLong();
    return new HolderId(session, readString(in));
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > LockCodec.MAX_STRING_BYTES) {
      throw new IOException("bad string length " + length + " in lock snapshot");
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------------------------------------
  // helpers and state records

  private LockResult.Refused refuse(LockError error, String detail) {
    return new LockResult.Refused(error, detail);
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return sum;
  }

  private static final class Session extends SnapshotTable.Row {
    final long id;
    final long ttlMillis;
    long expiresAtMillis;
    final String token;

    Session(long id, long ttlMillis, long expiresAtMillis, String token) {
      this.id = id;
      this.ttlMillis = ttlMillis;
      this.expiresAtMillis = expiresAtMillis;
      this.token = token;
    }
  }

  private static final class Hold {
    final long requestId;
    LockMode mode;
    int count;
    long token;
    long acquiredAtMillis;
    long grantIndex;

    Hold(long requestId, LockMode mode, long token, long acquiredAtMillis, long grantIndex) {
      this.requestId = requestId;
      this.mode = mode;
      this.count = 1;
      this.token = token;
      this.acquiredAtMillis = acquiredAtMillis;
      this.grantIndex = grantIndex;
    }
  }

  private static final class Waiter {
    final String resource;
    final HolderId holder;
    final LockMode mode;
    final long requestId;
    final long deadlineMillis;
    final long index;
    /** Position in its queue's order, set by {@link WaitQueue#addLast}; not replicated. */
    long seq;

    Waiter(String resource, HolderId holder, LockMode mode, long requestId, long deadlineMillis,
        long index) {
      this.resource = resource;
      this.holder = holder;
      this.mode = mode;
      this.requestId = requestId;
      this.deadlineMillis = deadlineMillis;
      this.index = index;
    }
  }

  private static final class Resource extends SnapshotTable.Row {
    final String name;
    // sized for the usual one holder: the default table of 16 cost 56 bytes per lock
    final LinkedHashMap<HolderId, Hold> holders = new LinkedHashMap<>(2);
    /** The shared empty {@link WaitQueue#NONE} until the first waiter (32 bytes per lock). */
    WaitQueue waiters = WaitQueue.NONE;

    Resource(String name) {
      this.name = name;
    }

    boolean compatible(LockMode mode, Rule rule) {
      if (holders.isEmpty()) {
        return true;
      }
      LockMode held = holders.values().iterator().next().mode;
      if (rule == Rule.EXCLUSIVE_OVER_SHARED && held == LockMode.SHARED) {
        return true;
      }
      return mode.compatibleWith(held);
    }

    Waiter waiterOf(HolderId h) {
      return waiters.of(h);
    }

    /** The queue to add a waiter to: made on the first one. */
    WaitQueue queue() {
      if (waiters == WaitQueue.NONE) {
        waiters = new WaitQueue();
      }
      return waiters;
    }

    String holderNames() {
      return holders.keySet().toString();
    }

    LockView view() {
      List<LockView.Holder> hs = new ArrayList<>();
      LockMode mode = null;
      holders.forEach((holder, h) ->
          hs.add(new LockView.Holder(holder, h.mode, h.count, h.token, h.acquiredAtMillis,
              h.grantIndex)));
      if (!hs.isEmpty()) {
        mode = hs.get(hs.size() - 1).mode();
      }
      List<LockView.Waiter> ws = new ArrayList<>();
      for (Waiter w : waiters) {
        ws.add(new LockView.Waiter(w.holder, w.mode, w.requestId, w.deadlineMillis, w.index));
      }
      return new LockView(name, mode, hs, ws);
    }
  }

  /**
   * One resource's FIFO queue, indexed by holder: append, removal, lookup and the head in
   * logarithmic or constant time, where a deque needs a scan for each (10,000 waiters made one
   * acquire cost most of a second on the Raft thread).
   */
  private static final class WaitQueue implements Iterable<Waiter> {
    /** The empty queue every resource without a waiter shares; never added to. */
    static final WaitQueue NONE = new WaitQueue();

    // both made on the first waiter: most resources never have one (96 bytes per lock)
    private TreeMap<Long, Waiter> bySeq;
    private HashMap<HolderId, Waiter> byHolder;
    private long nextSeq;

    boolean isEmpty() {
      return bySeq == null || bySeq.isEmpty();
    }

    int size() {
      return bySeq == null ? 0 : bySeq.size();
    }

    void addLast(Waiter w) {
      LockChecks.check(this != NONE, "a waiter added to the shared empty queue");
      if (bySeq == null) {
        bySeq = new TreeMap<>();
        byHolder = new HashMap<>();
      }
      w.seq = nextSeq++;
      bySeq.put(w.seq, w);
      byHolder.put(w.holder, w);
    }

    boolean remove(Waiter w) {
      if (bySeq == null || bySeq.get(w.seq) != w) {
        return false;
      }
      bySeq.remove(w.seq);
      byHolder.remove(w.holder);
      return true;
    }

    Waiter peekFirst() {
      Map.Entry<Long, Waiter> e = bySeq == null ? null : bySeq.firstEntry();
      return e == null ? null : e.getValue();
    }

    Waiter pollFirst() {
      Map.Entry<Long, Waiter> e = bySeq == null ? null : bySeq.pollFirstEntry();
      if (e == null) {
        return null;
      }
      byHolder.remove(e.getValue().holder);
      return e.getValue();
    }

    Waiter of(HolderId h) {
      return byHolder == null ? null : byHolder.get(h);
    }

    /** The waiters with {@code from <= seq < to}, in queue order. */
    Iterable<Waiter> between(long from, long to) {
      return bySeq == null ? List.of() : bySeq.subMap(from, true, to, false).values();
    }

    @Override
    public Iterator<Waiter> iterator() {
      return bySeq == null ? Collections.emptyIterator()
          : Collections.unmodifiableCollection(bySeq.values()).iterator();
    }
  }

  /** One session in the lease index: by lease end, then id. */
  private record Expiry(long atMillis, long sessionId) implements Comparable<Expiry> {
    @Override
    public int compareTo(Expiry o) {
      int c = Long.compare(atMillis, o.atMillis);
      return c != 0 ? c : Long.compare(sessionId, o.sessionId);
    }
  }

  /** One hold in the holder index: by holder, then resource. */
  private record HoldKey(HolderId holder, String resource) implements Comparable<HoldKey> {
    @Override
    public int compareTo(HoldKey o) {
      int c = holder.compareTo(o.holder);
      return c != 0 ? c : resource.compareTo(o.resource);
    }
  }
}
