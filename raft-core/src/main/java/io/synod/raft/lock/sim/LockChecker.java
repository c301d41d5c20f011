package io.synod.raft.lock.sim;

import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockEvent;
import io.synod.raft.lock.LockGrant;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockResult;
import io.synod.raft.lock.LockStateMachine;
import io.synod.raft.lock.LockView;
import io.synod.raft.lock.SessionView;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks one replica's lock table after every apply, from its event stream and its state:
 *
 * <ul>
 *   <li>mutual exclusion: a grant never joins a holder it is incompatible with (a shadow table
 *       rebuilt from the events), and the machine's own view never shows an exclusive holder with
 *       another;
 *   <li>fencing: every new hold's token is strictly greater than every earlier token of its
 *       resource on this replica;
 *   <li>no hold or wait outlives its session (expiry and close free everything);
 *   <li>the wait-for graph is acyclic (every deadlock is refused at the request that would close
 *       it);
 *   <li>the head of each queue is never grantable while left waiting.
 * </ul>
 *
 * <p>The first violation is kept and reported by {@link #violation()}; later applies are not
 * checked further.
 *
 * @since 1.0
 */
public final class LockChecker implements LockListener {

  private final String name;
  private LockStateMachine machine;
  private final TreeMap<String, TreeMap<HolderId, LockMode>> shadow = new TreeMap<>();
  private final TreeMap<String, Long> lastToken = new TreeMap<>();
  private String violation;
  private long grants;
  private long holdsEnded;

  /**
   * Creates a checker.
   *
   * @param name the replica's name, for reports
   */
  public LockChecker(String name) {
    this.name = name;
  }

  /**
   * Attaches the machine this checker listens to (its state is read after every apply).
   *
   * @param m the machine
   */
  public void attach(LockStateMachine m) {
    this.machine = m;
  }

  /**
   * Forgets the shadow table and rebuilds it from the machine (after a restore); the holds found
   * count as grants.
   */
  public void resync() {
    shadow.clear();
    grants = 0;
    holdsEnded = 0;
    for (String r : machine.resources()) {
      TreeMap<HolderId, LockMode> holders = new TreeMap<>();
      for (LockView.Holder h : machine.view(r).holders()) {
        holders.put(h.holder(), h.mode());
        lastToken.merge(r, h.fencingToken(), Math::max);
        grants++;
      }
      shadow.put(r, holders);
    }
  }

  /** The first violation seen, or null. */
  public String violation() {
    return violation;
  }

  /** How many new holds (not reentrant counts) were granted. */
  public long grants() {
    return grants;
  }

  /** How many holds ended (released, closed or expired). */
  public long holdsEnded() {
    return holdsEnded;
  }

  @Override
  public void onApplied(long index, LockCommand command, LockResult result,
      List<LockEvent> events) {
    if (violation != null) {
      return;
    }
    TreeSet<String> touched = new TreeSet<>();
    for (LockEvent e : events) {
      if (e instanceof LockGrant g) {
        touched.add(g.resource());
        onGrant(index, g);
      } else if (e instanceof LockEvent.HoldReleased r) {
        touched.add(r.resource());
        if (r.remainingCount() == 0) {
          TreeMap<HolderId, LockMode> holders = shadow.get(r.resource());
          if (holders == null || holders.remove(r.holder()) == null) {
            fail(index, "release of " + r.holder() + " on " + r.resource() + " not in the table");
          }
          holdsEnded++;
        }
      } else if (e instanceof LockEvent.WaitEnded w) {
        touched.add(w.resource());
      } else if (e instanceof LockEvent.Queued q) {
        touched.add(q.resource());
      }
      if (violation != null) {
        return;
      }
    }
    boolean sessionsChanged = command instanceof LockCommand.ExpireSessions
        || command instanceof LockCommand.CloseSession;
    checkState(index, sessionsChanged ? new TreeSet<>(machine.resources()) : touched);
  }

  private void onGrant(long index, LockGrant g) {
    TreeMap<HolderId, LockMode> holders = shadow.computeIfAbsent(g.resource(), k -> new TreeMap<>());
    if (g.reentrant() && !g.upgrade()) {
      if (!holders.containsKey(g.holder())) {
        fail(index, "reentrant grant to non-holder " + g.holder() + " on " + g.resource());
      }
      return;
    }
    for (Map.Entry<HolderId, LockMode> other : holders.entrySet()) {
      if (!other.getKey().equals(g.holder()) && !g.mode().compatibleWith(other.getValue())) {
        fail(index, "mutual exclusion: " + g.holder() + " granted " + g.mode() + " on "
            + g.resource() + " while " + other.getKey() + " holds " + other.getValue());
        return;
      }
    }
    Long last = lastToken.get(g.resource());
    if (last != null && g.fencingToken() <= last) {
      fail(index, "fencing token " + g.fencingToken() + " on " + g.resource()
          + " not above earlier token " + last);
      return;
    }
    lastToken.put(g.resource(), g.fencingToken());
    holders.put(g.holder(), g.mode());
    if (!g.reentrant()) {
      grants++;
    }
  }

  private void checkState(long index, TreeSet<String> resources) {
    TreeSet<Long> live = new TreeSet<>();
    for (SessionView s : machine.sessions()) {
      live.add(s.sessionId());
    }
    for (String r : resources) {
      LockView v = machine.view(r);
      long exclusive = v.holders().stream().filter(h -> h.mode() == LockMode.EXCLUSIVE).count();
      if (exclusive > 0 && v.holders().size() > 1) {
        fail(index, "mutual exclusion in table: " + v);
        return;
      }
      TreeMap<HolderId, LockMode> holders = shadow.getOrDefault(r, new TreeMap<>());
      if (v.holders().size() != holders.size()) {
        fail(index, "table of " + r + " differs from its events: " + v + " vs " + holders);
        return;
      }
      for (LockView.Holder h : v.holders()) {
        if (h.holder().sessionId() != HolderId.NO_SESSION && !live.contains(h.holder().sessionId())) {
          fail(index, h.holder() + " still holds " + r + " after its session ended");
          return;
        }
      }
      for (LockView.Waiter w : v.waiters()) {
        if (w.holder().sessionId() != HolderId.NO_SESSION && !live.contains(w.holder().sessionId())) {
          fail(index, w.holder() + " still waits for " + r + " after its session ended");
          return;
        }
      }
      if (!v.waiters().isEmpty()) {
        LockView.Waiter head = v.waiters().get(0);
        if (v.holders().isEmpty()
            || (head.mode() == LockMode.SHARED && v.mode() == LockMode.SHARED)) {
          fail(index, "head of queue left waiting on a compatible lock: " + v);
          return;
        }
      }
      if (v.free()) {
        shadow.remove(r);
      }
    }
    if (machine.waiterCount() > 0) {
      String cycle = findCycle(machine.waitForGraph());
      if (cycle != null) {
        fail(index, "deadlock left in the wait-for graph: " + cycle);
      }
    }
  }

  /** A cycle in the graph as text, or null. */
  static String findCycle(TreeMap<HolderId, TreeSet<HolderId>> graph) {
    TreeSet<HolderId> done = new TreeSet<>();
    for (HolderId start : graph.keySet()) {
      ArrayDeque<HolderId> path = new ArrayDeque<>();
      String c = dfs(start, graph, path, new TreeSet<>(), done);
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  private static String dfs(HolderId at, TreeMap<HolderId, TreeSet<HolderId>> graph,
      ArrayDeque<HolderId> path, TreeSet<HolderId> onPath, TreeSet<HolderId> done) {
    if (onPath.contains(at)) {
      return path + " -> " + at;
    }
    if (done.contains(at)) {
      return null;
    }
    path.addLast(at);
    onPath.add(at);
    for (HolderId next : graph.getOrDefault(at, new TreeSet<>())) {
      String c = dfs(next, graph, path, onPath, done);
      if (c != null) {
        return c;
      }
    }
    path.removeLast();
    onPath.remove(at);
    done.add(at);
    return null;
  }

  private void fail(long index, String what) {
    if (violation == null) {
      violation = name + " at index " + index + ": " + what;
    }
  }
}
