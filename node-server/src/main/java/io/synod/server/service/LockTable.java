package io.synod.server.service;

import io.synod.server.Invariants;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The lock table a node serves: shared and exclusive locks, a FIFO wait queue per resource (a
 * waiting exclusive request is not overtaken by later shared ones), leases and sessions with
 * keep-alive, reentrancy for the same owner, and a fencing token per grant that increases strictly
 * per resource.
 *
 * <p>Thread-safe: every method is synchronized. Time comes from the injected clock; leases and
 * wait timeouts take effect when {@link #expire()} runs (the node calls it periodically). Waiter
 * futures are completed outside the table's monitor-held mutation order but never while a caller
 * could observe a half-applied change.
 */
public final class LockTable {
  /** One grant. */
  public record Grant(
      String resource, String owner, LockMode mode, long fencingToken, long expiresAt) {}

  /** A holder as replicated to other nodes. */
  public record HolderState(String owner, long token, String session, long expiresAt) {}

  /**
   * One resource's replicated state: its holders, the last fencing token handed out and a
   * revision that orders states of the same resource (a replica keeps the highest).
   */
  public record ResourceState(
      String resource, String mode, List<HolderState> holders, long lastToken, long revision) {}

  /** A session as replicated: {@code expiresAt} of {@link Long#MIN_VALUE} means closed. */
  public record SessionState(String id, long expiresAt, long ttl) {}

  private static final class Holder {
    final String owner;
    final long token;
    final String session;
    long expiresAt;

    Holder(String owner, long token, String session, long expiresAt) {
      this.owner = owner;
      this.token = token;
      this.session = session;
      this.expiresAt = expiresAt;
    }
  }

  private static final class Waiter {
    final String owner;
    final LockMode mode;
    final String session;
    final long ttl;
    final long deadline;
    final CompletableFuture<Grant> future = new CompletableFuture<>();

    Waiter(String owner, LockMode mode, String session, long ttl, long deadline) {
      this.owner = owner;
      this.mode = mode;
      this.session = session;
      this.ttl = ttl;
      this.deadline = deadline;
    }
  }

  private static final class Entry {
    LockMode mode;
    final Map<String, Holder> holders = new LinkedHashMap<>();
    final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  }

  private final LongSupplier clock;
  private final int maxWaitersPerResource;
  private final Map<String, Entry> entries = new TreeMap<>();
  private final Map<String, Long> tokens = new TreeMap<>();
  private final Map<String, Long> sessions = new TreeMap<>();
  private final Map<String, Long> sessionTtls = new TreeMap<>();
  private final Map<String, Long> revisions = new TreeMap<>();
  private final java.util.Set<String> dirty = new java.util.TreeSet<>();
  private final java.util.Set<String> dirtySessions = new java.util.TreeSet<>();
  private long sessionSeq;
  private long grants;
  private long expirations;

  /**
   * Creates an empty table.
   *
   * @param clock milliseconds
   * @param maxWaitersPerResource bound of each wait queue
   */
  public LockTable(LongSupplier clock, int maxWaitersPerResource) {
    this.clock = clock;
    this.maxWaitersPerResource = maxWaitersPerResource;
  }

  /**
   * Acquires now or fails.
   *
   * @param resource the resource
   * @param mode the mode
   * @param owner the requester
   * @param session a session id, or {@code null}
   * @param ttlMillis the lease (0: none; ignored with a session)
   * @return the grant
   * @throws ServiceException 409 {@code lock_held} when incompatible holders or earlier waiters
   *     exist, 404 {@code unknown_session} when the session does not exist
   */
  public synchronized Grant tryAcquire(
      String resource, LockMode mode, String owner, String session, long ttlMillis) {
    checkSession(session);
    Grant g = grantIfPossible(resource, mode, owner, session, ttlMillis, false);
    if (g == null) {
      throw new ServiceException(
          409, "lock_held", "resource '" + resource + "' is held: " + holdersText(resource));
    }
    return g;
  }

  /**
   * Acquires, waiting in FIFO order up to a timeout.
   *
   * @param resource the resource
   * @param mode the mode
   * @param owner the requester
   * @param session a session id, or {@code null}
   * @param ttlMillis the lease (0: none)
   * @param waitMillis the longest wait; 0 is {@link #tryAcquire}
   * @return the grant; it fails with {@link ServiceException} 409 {@code timeout} when the wait
   *     ends first
   */
  public CompletableFuture<Grant> acquire(
      String resource, LockMode mode, String owner, String session, long ttlMillis,
      long waitMillis) {
    synchronized (this) {
      checkSession(session);
      Grant g = grantIfPossible(resource, mode, owner, session, ttlMillis, false);
      if (g != null) {
        return CompletableFuture.completedFuture(g);
      }
      if (waitMillis <= 0) {
        return CompletableFuture.failedFuture(
            new ServiceException(
                409, "lock_held", "resource '" + resource + "' is held: " + holdersText(resource)));
      }
      Entry e = entries.get(resource);
      if (e.waiters.size() >= maxWaitersPerResource) {
        return CompletableFuture.failedFuture(
            new ServiceException(
                429, "too_many_waiters", "wait queue of '" + resource + "' is full"));
      }
      Waiter w = new Waiter(owner, mode, session, ttlMillis, clock.getAsLong() + waitMillis);
      e.waiters.addLast(w);
      return w.future;
    }
  }

  private Grant grantIfPossible(
      String resource, LockMode mode, String owner, String session, long ttl, boolean fromQueue) {
    Entry e = entries.computeIfAbsent(resource, r -> new Entry());
    long now = clock.getAsLong();
    long expiresAt = session != null ? 0 : ttl > 0 ? now + ttl : 0;
    Holder mine = e.holders.get(owner);
    if (mine != null) {
      if (mode == e.mode || e.mode == LockMode.EXCLUSIVE) {
        if (expiresAt > mine.expiresAt) {
          mine.expiresAt = expiresAt;
          touch(resource);
        }
        return new Grant(resource, owner, e.mode, mine.token, mine.expiresAt);
      }
      if (e.holders.size() == 1) {
        e.mode = LockMode.EXCLUSIVE;
        touch(resource);
        return new Grant(resource, owner, e.mode, mine.token, mine.expiresAt);
      }
      return null;
    }
    boolean compatible =
        e.holders.isEmpty() || e.mode == LockMode.SHARED && mode == LockMode.SHARED;
    if (!compatible || !fromQueue && !e.waiters.isEmpty()) {
      return null;
    }
    long token = tokens.merge(resource, 1L, Long::sum);
    e.mode = mode;
    e.holders.put(owner, new Holder(owner, token, session, expiresAt));
    grants++;
    touch(resource);
    Invariants.check(
        e.mode == LockMode.SHARED || e.holders.size() == 1,
        "an exclusive lock on " + resource + " has one holder");
    return new Grant(resource, owner, mode, token, expiresAt);
  }

  /**
   * Releases an owner's hold.
   *
   * @param resource the resource
   * @param owner the holder
   * @return the waiters granted as a result (already completed)
   * @throws ServiceException 409 {@code not_held} when the owner does not hold it
   */
  public List<Grant> release(String resource, String owner) {
    List<Runnable> completions = new ArrayList<>();
    List<Grant> granted;
    synchronized (this) {
      Entry e = entries.get(resource);
      if (e == null || !e.holders.containsKey(owner)) {
        throw new ServiceException(
            409, "not_held", "'" + owner + "' does not hold '" + resource + "'");
      }
      e.holders.remove(owner);
      touch(resource);
      granted = promote(resource, e, completions);
      cleanup(resource, e);
    }
    completions.forEach(Runnable::run);
    return granted;
  }

  private List<Grant> promote(String resource, Entry e, List<Runnable> completions) {
    List<Grant> out = new ArrayList<>();
    long now = clock.getAsLong();
    while (!e.waiters.isEmpty()) {
      Waiter w = e.waiters.peekFirst();
      if (w.future.isDone() || w.session != null && !sessions.containsKey(w.session)) {
        e.waiters.pollFirst();
        continue;
      }
      if (now > w.deadline) {
        e.waiters.pollFirst();
        completions.add(() -> w.future.completeExceptionally(timeout(resource)));
        continue;
      }
      Grant g = grantIfPossible(resource, w.mode, w.owner, w.session, w.ttl, true);
      if (g == null) {
        break;
      }
      e.waiters.pollFirst();
      out.add(g);
      completions.add(() -> w.future.complete(g));
    }
    return out;
  }

  private String holdersText(String resource) {
    Entry e = entries.get(resource);
    if (e == null || e.holders.isEmpty()) {
      return "earlier requests are waiting";
    }
    return e.mode.id() + " by " + e.holders.keySet()
        + (e.waiters.isEmpty() ? "" : ", " + e.waiters.size() + " waiting");
  }

  private static ServiceException timeout(String resource) {
    return new ServiceException(409, "timeout", "timed out waiting for '" + resource + "'");
  }

  private void cleanup(String resource, Entry e) {
    if (e.holders.isEmpty() && e.waiters.isEmpty()) {
      entries.remove(resource);
    }
  }

  /**
   * Expires leases and sessions whose time has passed and times out waiters; runs periodically.
   *
   * @return the number of holds freed
   */
  public int expire() {
    List<Runnable> completions = new ArrayList<>();
    int freed = 0;
    synchronized (this) {
      long now = clock.getAsLong();
      sessions.entrySet().removeIf(s -> {
        if (s.getValue() <= now) {
          dirtySessions.add(s.getKey());
          return true;
        }
        return false;
      });
      sessionTtls.keySet().retainAll(sessions.keySet());
      Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
      List<String> touched = new ArrayList<>();
      while (it.hasNext()) {
        Map.Entry<String, Entry> me = it.next();
        Entry e = me.getValue();
        int before = e.holders.size();
        e.holders.values().removeIf(
            h -> h.session != null ? !sessions.containsKey(h.session)
                : h.expiresAt > 0 && h.expiresAt <= now);
        freed += before - e.holders.size();
        boolean waiterExpired = false;
        for (Waiter w : e.waiters) {
          if (now > w.deadline && !w.future.isDone()) {
            waiterExpired = true;
          }
        }
        if (before != e.holders.size()) {
          touch(me.getKey());
        }
        if (before != e.holders.size() || waiterExpired) {
          touched.add(me.getKey());
        }
      }
      for (String r : touched) {
        Entry e = entries.get(r);
        e.waiters.removeIf(
            w -> {
              if (now > w.deadline) {
                completions.add(() -> w.future.completeExceptionally(timeout(r)));
                return true;
              }
              return false;
            });
        promote(r, e, completions);
        cleanup(r, e);
      }
      expirations += freed;
    }
    completions.forEach(Runnable::run);
    return freed;
  }

  /**
   * Opens a session whose locks are freed unless it is kept alive.
   *
   * @param ttlMillis the session lease
   * @return the session id
   */
  public synchronized String openSession(long ttlMillis) {
    String id = "s" + (++sessionSeq) + "-" + Long.toHexString(clock.getAsLong());
    sessions.put(id, clock.getAsLong() + ttlMillis);
    sessionTtls.put(id, ttlMillis);
    dirtySessions.add(id);
    return id;
  }

  /**
   * Extends a session's lease by its TTL.
   *
   * @param session the id
   * @return the new expiry time
   * @throws ServiceException 404 when the session is unknown or expired
   */
  public synchronized long keepAlive(String session) {
    checkSession(session);
    long until = clock.getAsLong() + sessionTtls.get(session);
    sessions.put(session, until);
    dirtySessions.add(session);
    return until;
  }

  /**
   * Closes a session, freeing its locks.
   *
   * @param session the id
   * @throws ServiceException 404 when the session is unknown
   */
  public void closeSession(String session) {
    synchronized (this) {
      checkSession(session);
      sessions.put(session, Long.MIN_VALUE);
    }
    expire();
  }

  private void checkSession(String session) {
    if (session != null && !sessions.containsKey(session)) {
      throw new ServiceException(404, "unknown_session", "session '" + session + "' is unknown");
    }
  }

  private void touch(String resource) {
    revisions.merge(resource, 1L, Long::sum);
    dirty.add(resource);
  }

  /**
   * Takes the states of the resources and sessions changed since the last call, for
   * replication to other nodes.
   *
   * @return the changed resources (possibly free) and sessions
   */
  public synchronized Map.Entry<List<ResourceState>, List<SessionState>> drainChanges() {
    List<ResourceState> rs = new ArrayList<>();
    for (String r : dirty) {
      rs.add(state(r));
    }
    List<SessionState> ss = new ArrayList<>();
    for (String id : dirtySessions) {
      Long until = sessions.get(id);
      ss.add(new SessionState(id, until == null ? Long.MIN_VALUE : until,
          sessionTtls.getOrDefault(id, 0L)));
    }
    dirty.clear();
    dirtySessions.clear();
    return Map.entry(rs, ss);
  }

  private ResourceState state(String r) {
    Entry e = entries.get(r);
    List<HolderState> hs = new ArrayList<>();
    String mode = null;
    if (e != null && !e.holders.isEmpty()) {
      mode = e.mode.id();
      for (Holder h : e.holders.values()) {
        hs.add(new HolderState(h.owner, h.token, h.session, h.expiresAt));
      }
    }
    return new ResourceState(
        r, mode, hs, tokens.getOrDefault(r, 0L), revisions.getOrDefault(r, 0L));
  }

  /**
   * Installs states replicated from the leader; a state older than the one held is ignored, so
   * states may arrive in any order and more than once.
   *
   * @param resources resource states
   * @param sessionStates session states
   */
  public synchronized void apply(List<ResourceState> resources, List<SessionState> sessionStates) {
    for (SessionState s : sessionStates) {
      if (s.expiresAt() == Long.MIN_VALUE) {
        sessions.remove(s.id());
        sessionTtls.remove(s.id());
      } else {
        sessions.merge(s.id(), s.expiresAt(), Math::max);
        sessionTtls.put(s.id(), s.ttl());
      }
    }
    for (ResourceState rs : resources) {
      String r = rs.resource();
      if (rs.revision() <= revisions.getOrDefault(r, 0L)) {
        continue;
      }
      revisions.put(r, rs.revision());
      tokens.merge(r, rs.lastToken(), Math::max);
      Entry e = entries.computeIfAbsent(r, k -> new Entry());
      e.holders.clear();
      if (rs.mode() != null) {
        e.mode = LockMode.parse(rs.mode());
        for (HolderState h : rs.holders()) {
          e.holders.put(h.owner(), new Holder(h.owner(), h.token(), h.session(), h.expiresAt()));
        }
      }
      Invariants.check(
          e.holders.size() <= 1 || e.mode == LockMode.SHARED,
          "a replicated exclusive lock on " + r + " has one holder");
      cleanup(r, e);
    }
  }

  /**
   * Describes one resource.
   *
   * @param resource the resource
   * @return mode, holders with tokens, waiter count; an empty map when free
   */
  public synchronized Map<String, Object> describe(String resource) {
    Map<String, Object> out = new LinkedHashMap<>();
    Entry e = entries.get(resource);
    out.put("resource_id", resource);
    if (e == null || e.holders.isEmpty()) {
      out.put("held", false);
      out.put("waiters", e == null ? 0 : e.waiters.size());
      return out;
    }
    out.put("held", true);
    out.put("mode", e.mode.id());
    List<Map<String, Object>> holders = new ArrayList<>();
    for (Holder h : e.holders.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("owner_id", h.owner);
      m.put("fencing_token", h.token);
      if (h.session != null) {
        m.put("session_id", h.session);
      }
      if (h.expiresAt > 0) {
        m.put("expires_at", h.expiresAt);
      }
      holders.add(m);
    }
    out.put("holders", holders);
    out.put("waiters", e.waiters.size());
    return out;
  }

  /** @return every held resource's description, sorted by resource */
  public synchronized List<Map<String, Object>> snapshot() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String r : entries.keySet()) {
      if (!entries.get(r).holders.isEmpty()) {
        out.add(describe(r));
      }
    }
    return out;
  }

  /** @return the number of resources held now */
  public synchronized int heldCount() {
    int n = 0;
    for (Entry e : entries.values()) {
      n += e.holders.isEmpty() ? 0 : 1;
    }
    return n;
  }

  /** @return grants so far */
  public synchronized long grants() {
    return grants;
  }

  /** @return holds freed by lease or session expiry so far */
  public synchronized long expirations() {
    return expirations;
  }
}
