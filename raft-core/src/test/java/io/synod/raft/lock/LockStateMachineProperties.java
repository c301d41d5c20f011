package io.synod.raft.lock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Model-based properties: random command sequences applied to the machine and to {@link
 * ReferenceLockTable} give the same outcome for every command and the same table after it; the
 * machine's invariants hold after every step; snapshot and restore at random points change
 * nothing observable.
 */
class LockStateMachineProperties {

  private static final List<String> RESOURCES = List.of("r1", "r2", "r3", "");
  private static final List<String> OWNERS = List.of("a", "b", "c", "d", "");

  /** One step: a time advance, a command template, and whether to snapshot-restore first. */
  record Step(long advanceMillis, int kind, int owner, int session, int resource, LockMode mode,
      long waitMillis, boolean restore) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.longs().between(0, 400),
        Arbitraries.integers().between(0, 9),
        Arbitraries.integers().between(0, OWNERS.size() - 1),
        Arbitraries.integers().between(0, 3),
        Arbitraries.integers().between(0, RESOURCES.size() - 1),
        Arbitraries.of(LockMode.class).injectNull(0.03),
        Arbitraries.of(0L, 0L, 300L, 1_000L, LockCommand.WAIT_FOREVER, -5L),
        Arbitraries.of(false, false, false, false, false, false, false, false, false, true))
        .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(80);
  }

  /** Turns steps into commands: the clock, log index, request ids and open sessions of a run. */
  static final class Driver {
    final List<Long> sessions = new ArrayList<>();
    long now = 10_000;
    long index;
    long requestId;

    LockCommand next(Step s) {
      now += s.advanceMillis();
      long session = s.session() == 0 || sessions.isEmpty() ? HolderId.NO_SESSION
          : s.session() == 3 ? 999_999 : sessions.get(s.session() % sessions.size());
      HolderId holder = new HolderId(session, OWNERS.get(s.owner()));
      String resource = RESOURCES.get(s.resource());
      LockCommand c = switch (s.kind()) {
        case 0, 1, 2 -> new LockCommand.Acquire(now, ++requestId, holder, resource, s.mode(),
            s.waitMillis(), tok(session));
        case 3, 4 -> new LockCommand.Release(now, holder, resource, tok(session));
        case 5 -> new LockCommand.OpenSession(now, s.waitMillis() == -5 ? 5 : 500, tok(index + 1));
        case 6 -> new LockCommand.KeepAlive(now, session, tok(session));
        case 7 -> s.owner() == 0 ? new LockCommand.CloseSession(now, session, tok(session))
            : new LockCommand.ExpireSessions(now);
        case 8 -> new LockCommand.ExpireWaits(now);
        default -> new LockCommand.GrantGrace(now);
      };
      index++;
      return c;
    }

    LockResult apply(LockStateMachine m, Step s) {
      LockResult r = m.apply(index + 1, next(s));
      if (r instanceof LockResult.SessionOpened o) {
        sessions.add(o.sessionId());
      }
      return r;
    }
  }

  @Property(tries = 400)
  void machineBehavesLikeTheReferenceModel(@ForAll("steps") List<Step> steps) throws IOException {
    LockStateMachine m = new LockStateMachine();
    ReferenceLockTable model = new ReferenceLockTable();
    Driver d = new Driver();
    for (Step s : steps) {
      if (s.restore()) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.snapshot().writeTo(out);
        LockStateMachine copy = new LockStateMachine();
        copy.restore(new ByteArrayInputStream(out.toByteArray()));
        assertArrayEquals(m.snapshotBytes(), copy.snapshotBytes());
        m = copy;
      }
      LockCommand c = d.next(s);
      LockResult actual = m.apply(d.index, c);
      String expected = model.apply(d.index, c);
      assertEquals(expected, outcome(actual), "step " + d.index + ": " + c);
      if (actual instanceof LockResult.SessionOpened o) {
        d.sessions.add(o.sessionId());
      }
      for (String r : RESOURCES) {
        assertEquals(model.view(r), m.view(r), "resource " + r + " after " + c);
      }
      assertEquals(model.sessions.keySet().stream().toList(),
          m.sessions().stream().map(SessionView::sessionId).toList());
      checkInvariants(m);
    }
  }

  /**
   * A snapshot's writer, run after the call while more commands apply (interleaved with each of
   * its writes, so they change rows before, at and behind its position), writes the state as of
   * the call: equal to {@link LockStateMachine#snapshotBytes()} then, and it restores to it.
   */
  @Property(tries = 400)
  void aSnapshotWrittenWhileCommandsApplyHoldsTheStateAtItsCall(
      @ForAll("steps") List<Step> before, @ForAll("steps") List<Step> during) throws IOException {
    LockStateMachine m = new LockStateMachine();
    Driver d = new Driver();
    before.forEach(s -> d.apply(m, s));
    byte[] expected = m.snapshotBytes();
    var writer = m.snapshot();
    var written = new io.synod.raft.snapshot.InterleavingStream(
        during.stream().map(s -> (Runnable) () -> d.apply(m, s)).iterator());
    writer.writeTo(written);
    written.finish();
    assertArrayEquals(expected, written.bytes(), "the snapshot is not the state at its call");
    LockStateMachine copy = new LockStateMachine();
    copy.restore(new ByteArrayInputStream(written.bytes()));
    assertArrayEquals(expected, copy.snapshotBytes());
    // the next snapshot sees the later state
    ByteArrayOutputStream later = new ByteArrayOutputStream();
    m.snapshot().writeTo(later);
    assertArrayEquals(m.snapshotBytes(), later.toByteArray());
  }

  /** Invariants of any reachable state, independent of the model. */
  static void checkInvariants(LockStateMachine m) {
    for (String name : m.resources()) {
      LockView v = m.view(name);
      assertTrue(!v.free(), "empty resource kept: " + name);
      long exclusive = v.holders().stream().filter(h -> h.mode() == LockMode.EXCLUSIVE).count();
      assertTrue(exclusive == 0 || v.holders().size() == 1, "exclusive with others: " + v);
      if (!v.waiters().isEmpty()) {
        LockView.Waiter head = v.waiters().get(0);
        boolean headGrantable = v.holders().isEmpty()
            || (head.mode() == LockMode.SHARED && v.mode() == LockMode.SHARED);
        assertTrue(!headGrantable, "grantable head left waiting: " + v);
      }
    }
    assertTrue(acyclic(m), "wait-for graph has a cycle: " + m.waitForGraph());
  }

  static boolean acyclic(LockStateMachine m) {
    var g = m.waitForGraph();
    var done = new java.util.TreeSet<HolderId>();
    for (HolderId start : g.keySet()) {
      if (!done.contains(start) && cycleFrom(start, g, new java.util.TreeSet<>(), done)) {
        return false;
      }
    }
    return true;
  }

  private static boolean cycleFrom(HolderId at, java.util.Map<HolderId,
      java.util.TreeSet<HolderId>> g, java.util.Set<HolderId> path, java.util.Set<HolderId> done) {
    if (path.contains(at)) {
      return true;
    }
    if (done.contains(at)) {
      return false;
    }
    path.add(at);
    for (HolderId n : g.getOrDefault(at, new java.util.TreeSet<>())) {
      if (cycleFrom(n, g, path, done)) {
        return true;
      }
    }
    path.remove(at);
    done.add(at);
    return false;
  }

  private static String outcome(LockResult r) {
    if (r instanceof LockGrant g) {
      return "grant " + g.mode() + " token " + g.fencingToken() + " count " + g.holdCount();
    } else if (r instanceof LockResult.Queued q) {
      return "queued " + q.position() + " until " + q.deadlineMillis();
    } else if (r instanceof LockResult.Released rel) {
      return "released " + rel.remainingCount();
    } else if (r instanceof LockResult.WaitCancelled w) {
      return "cancelled " + w.requestId();
    } else if (r instanceof LockResult.SessionOpened o) {
      return "opened " + o.sessionId() + " until " + o.expiresAtMillis();
    } else if (r instanceof LockResult.SessionKeptAlive k) {
      return "kept " + k.expiresAtMillis();
    } else if (r instanceof LockResult.SessionClosed c) {
      return "closed " + c.freedHolds();
    } else if (r instanceof LockResult.SessionsExpired e) {
      return "expired " + e.sessionIds();
    } else if (r instanceof LockResult.WaitsExpired w) {
      return "waits expired " + w.count();
    } else if (r instanceof LockResult.GraceGranted g) {
      return "grace " + g.sessions();
    }
    return "refused " + ((LockResult.Refused) r).error();
  }

  /** The session's token in this test: equal on every command of the session. */
  private static String tok(long sessionId) {
    return sessionId == HolderId.NO_SESSION ? LockCommand.NO_TOKEN : "token-of-" + sessionId;
  }

}
