package io.synod.raft.lock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A deliberately naive lock table for model-based tests: lists scanned from scratch, and deadlock
 * detection by searching the whole wait-for graph for any cycle (a different algorithm from the
 * machine's reachability search from the new waiter). It knows no limits beyond the defaults the
 * tests stay under, and reports outcomes as short strings.
 */
final class ReferenceLockTable {

  static final class Hold {
    final HolderId who;
    LockMode mode;
    int count = 1;
    long token;
    final long at;
    long grantIndex;

    Hold(HolderId who, LockMode mode, long token, long at, long grantIndex) {
      this.who = who;
      this.mode = mode;
      this.token = token;
      this.at = at;
      this.grantIndex = grantIndex;
    }
  }

  record Wait(HolderId who, LockMode mode, long requestId, long deadline, long index) {}

  static final class Res {
    final List<Hold> holds = new ArrayList<>();
    final List<Wait> queue = new ArrayList<>();
  }

  final Map<String, Res> table = new HashMap<>();
  final TreeMap<Long, long[]> sessions = new TreeMap<>(); // id -> {ttl, expiresAt}
  long now = Long.MIN_VALUE;
  long lastToken;
  long index;

  String apply(long idx, LockCommand c) {
    index = idx;
    now = Math.max(now, c.stampMillis());
    if (c instanceof LockCommand.OpenSession o) {
      if (o.ttlMillis() < LockLimits.DEFAULT.minTtlMillis()
          || o.ttlMillis() > LockLimits.DEFAULT.maxTtlMillis()) {
        return "refused BAD_TTL";
      }
      sessions.put(idx, new long[] {o.ttlMillis(), now + o.ttlMillis()});
      return "opened " + idx + " until " + (now + o.ttlMillis());
    }
    if (c instanceof LockCommand.KeepAlive k) {
      long[] s = sessions.get(k.sessionId());
      if (s == null) {
        return "refused UNKNOWN_SESSION";
      }
      s[1] = Math.max(s[1], now + s[0]);
      return "kept " + s[1];
    }
    if (c instanceof LockCommand.CloseSession k) {
      if (!sessions.containsKey(k.sessionId())) {
        return "refused UNKNOWN_SESSION";
      }
      return "closed " + end(k.sessionId());
    }
    if (c instanceof LockCommand.ExpireSessions e) {
      List<Long> due = new ArrayList<>();
      for (Map.Entry<Long, long[]> s : sessions.entrySet()) {
        if (s.getValue()[1] <= e.stampMillis()) {
          due.add(s.getKey());
        }
      }
      due.forEach(this::end);
      return "expired " + due;
    }
    if (c instanceof LockCommand.GrantGrace g) {
      for (long[] s : sessions.values()) {
        s[1] = Math.max(s[1], g.stampMillis() + s[0]);
      }
      return "grace " + sessions.size();
    }
    if (c instanceof LockCommand.ExpireWaits e) {
      int n = 0;
      for (String name : new ArrayList<>(table.keySet())) {
        Res r = table.get(name);
        int before = r.queue.size();
        r.queue.removeIf(w -> w.deadline <= e.stampMillis());
        n += before - r.queue.size();
        promote(name);
      }
      return "waits expired " + n;
    }
    if (c instanceof LockCommand.Release rel) {
      String bad = validate(rel.holder(), rel.resource());
      if (bad != null) {
        return bad;
      }
      Res r = table.get(rel.resource());
      Hold h = r == null ? null : holdOf(r, rel.holder());
      if (h == null) {
        Wait w = r == null ? null : waitOf(r, rel.holder());
        if (w == null) {
          return "refused NOT_HOLDER";
        }
        r.queue.remove(w);
        promote(rel.resource());
        return "cancelled " + w.requestId;
      }
      h.count--;
      if (h.count == 0) {
        r.holds.remove(h);
        promote(rel.resource());
      }
      return "released " + h.count;
    }
    LockCommand.Acquire a = (LockCommand.Acquire) c;
    String bad = validate(a.holder(), a.resource());
    if (bad != null) {
      return bad;
    }
    if (a.mode() == null) {
      return "refused UNKNOWN_MODE";
    }
    if (a.waitMillis() < 0) {
      return "refused BAD_TIMEOUT";
    }
    Res r = table.computeIfAbsent(a.resource(), k -> new Res());
    Hold mine = holdOf(r, a.holder());
    if (mine != null) {
      if (a.mode() == LockMode.EXCLUSIVE && mine.mode == LockMode.SHARED) {
        if (r.holds.size() > 1) {
          return "refused UPGRADE_CONFLICT";
        }
        mine.mode = LockMode.EXCLUSIVE;
        mine.token = token();
        mine.grantIndex = idx;
      }
      mine.count++;
      return "grant " + mine.mode + " token " + mine.token + " count " + mine.count;
    }
    if (waitOf(r, a.holder()) != null) {
      return "refused ALREADY_WAITING";
    }
    if (r.queue.isEmpty() && compatible(r, a.mode())) {
      Hold h = new Hold(a.holder(), a.mode(), token(), now, idx);
      r.holds.add(h);
      return "grant " + h.mode + " token " + h.token + " count 1";
    }
    if (a.waitMillis() == 0) {
      cleanup(a.resource());
      return "refused WOULD_BLOCK";
    }
    long deadline = a.waitMillis() == LockCommand.WAIT_FOREVER ? Long.MAX_VALUE
        : now + a.waitMillis();
    Wait w = new Wait(a.holder(), a.mode(), a.requestId(), deadline, idx);
    r.queue.add(w);
    if (hasCycle()) {
      r.queue.remove(w);
      return "refused DEADLOCK";
    }
    return "queued " + (r.queue.size() - 1) + " until " + deadline;
  }

  private String validate(HolderId h, String resource) {
    if (resource.isEmpty()) {
      return "refused EMPTY_RESOURCE";
    }
    if (h.owner().isEmpty()) {
      return "refused EMPTY_OWNER";
    }
    if (h.sessionId() != 0 && !sessions.containsKey(h.sessionId())) {
      return "refused UNKNOWN_SESSION";
    }
    return null;
  }

  private long token() {
    lastToken = Math.max(index, lastToken + 1);
    return lastToken;
  }

  private static boolean compatible(Res r, LockMode mode) {
    for (Hold h : r.holds) {
      if (!mode.compatibleWith(h.mode)) {
        return false;
      }
    }
    return true;
  }

  private static Hold holdOf(Res r, HolderId who) {
    return r.holds.stream().filter(h -> h.who.equals(who)).findFirst().orElse(null);
  }

  private static Wait waitOf(Res r, HolderId who) {
    return r.queue.stream().filter(w -> w.who.equals(who)).findFirst().orElse(null);
  }

  private void promote(String name) {
    Res r = table.get(name);
    if (r == null) {
      return;
    }
    while (!r.queue.isEmpty() && compatible(r, r.queue.get(0).mode)) {
      Wait w = r.queue.remove(0);
      r.holds.add(new Hold(w.who, w.mode, token(), now, index));
    }
    cleanup(name);
  }

  private void cleanup(String name) {
    Res r = table.get(name);
    if (r != null && r.holds.isEmpty() && r.queue.isEmpty()) {
      table.remove(name);
    }
  }

  private int end(long session) {
    int freed = 0;
    for (String name : new ArrayList<>(table.keySet())) {
      Res r = table.get(name);
      r.queue.removeIf(w -> w.who.sessionId() == session);
      int before = r.holds.size();
      r.holds.removeIf(h -> h.who.sessionId() == session);
      freed += before - r.holds.size();
    }
    sessions.remove(session);
    for (String name : new ArrayList<>(table.keySet())) {
      promote(name);
    }
    return freed;
  }

  /** Edges: a waiter to incompatible holders and incompatible waiters ahead of it. */
  Map<HolderId, Set<HolderId>> graph() {
    Map<HolderId, Set<HolderId>> g = new HashMap<>();
    for (Res r : table.values()) {
      for (int i = 0; i < r.queue.size(); i++) {
        Wait w = r.queue.get(i);
        Set<HolderId> out = g.computeIfAbsent(w.who, k -> new HashSet<>());
        for (Hold h : r.holds) {
          if (!h.who.equals(w.who) && !w.mode.compatibleWith(h.mode)) {
            out.add(h.who);
          }
        }
        for (int j = 0; j < i; j++) {
          Wait ahead = r.queue.get(j);
          if (!ahead.who.equals(w.who) && !w.mode.compatibleWith(ahead.mode)) {
            out.add(ahead.who);
          }
        }
      }
    }
    return g;
  }

  boolean hasCycle() {
    Map<HolderId, Set<HolderId>> g = graph();
    Map<HolderId, Integer> color = new HashMap<>();
    for (HolderId start : g.keySet()) {
      if (dfs(start, g, color)) {
        return true;
      }
    }
    return false;
  }

  private static boolean dfs(HolderId at, Map<HolderId, Set<HolderId>> g,
      Map<HolderId, Integer> color) {
    Integer c = color.get(at);
    if (c != null) {
      return c == 1;
    }
    color.put(at, 1);
    for (HolderId next : g.getOrDefault(at, Set.of())) {
      if (dfs(next, g, color)) {
        return true;
      }
    }
    color.put(at, 2);
    return false;
  }

  /** The model's view of a resource in the machine's shape. */
  LockView view(String name) {
    Res r = table.get(name);
    if (r == null) {
      return new LockView(name, null, List.of(), List.of());
    }
    List<LockView.Holder> hs = new ArrayList<>();
    for (Hold h : r.holds) {
      hs.add(new LockView.Holder(h.who, h.mode, h.count, h.token, h.at, h.grantIndex));
    }
    List<LockView.Waiter> ws = new ArrayList<>();
    for (Wait w : r.queue) {
      ws.add(new LockView.Waiter(w.who, w.mode, w.requestId, w.deadline, w.index));
    }
    return new LockView(name, r.holds.isEmpty() ? null : r.holds.get(0).mode, hs, ws);
  }
}
