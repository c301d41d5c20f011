package io.synod.raft.lock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.lock.LockEvent.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LockStateMachineTest {

  private final List<LockEvent> events = new ArrayList<>();
  private final LockStateMachine m =
      new LockStateMachine(LockLimits.DEFAULT, (i, c, r, e) -> events.addAll(e));
  private long index;
  private long now = 1_000;
  private long requestId;

  private LockResult run(LockCommand c) {
    return m.apply(++index, LockCodec.encode(c));
  }

  private LockResult acquire(HolderId h, String resource, LockMode mode, long waitMillis) {
    return run(new LockCommand.Acquire(now, ++requestId, h, resource, mode, waitMillis,
        tok(h.sessionId())));
  }

  private LockResult release(HolderId h, String resource) {
    return run(new LockCommand.Release(now, h, resource, tok(h.sessionId())));
  }

  /** The test's token of a session (the machine only compares it; the service draws real ones). */
  private static String tok(long sessionId) {
    return sessionId == HolderId.NO_SESSION ? LockCommand.NO_TOKEN : "token-of-" + sessionId;
  }

  private long openSession(long ttl) {
    return ((LockResult.SessionOpened) run(new LockCommand.OpenSession(now, ttl, tok(index + 1))))
        .sessionId();
  }

  private static HolderId h(String owner) {
    return HolderId.ownerOnly(owner);
  }

  private static LockError error(LockResult r) {
    return assertInstanceOf(LockResult.Refused.class, r).error();
  }

  @Test
  void sharedHoldersCoexist() {
    assertInstanceOf(LockGrant.class, acquire(h("a"), "r", LockMode.SHARED, 0));
    assertInstanceOf(LockGrant.class, acquire(h("b"), "r", LockMode.SHARED, 0));
    assertEquals(2, m.view("r").holders().size());
    assertEquals(LockMode.SHARED, m.view("r").mode());
  }

  @Test
  void exclusiveExcludesEveryone() {
    acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    assertEquals(LockError.WOULD_BLOCK, error(acquire(h("b"), "r", LockMode.SHARED, 0)));
    assertEquals(LockError.WOULD_BLOCK, error(acquire(h("b"), "r", LockMode.EXCLUSIVE, 0)));
    acquire(h("c"), "s", LockMode.SHARED, 0);
    assertEquals(LockError.WOULD_BLOCK, error(acquire(h("d"), "s", LockMode.EXCLUSIVE, 0)));
  }

  @Test
  void waitingExclusiveHoldsBackLaterShared() {
    acquire(h("a"), "r", LockMode.SHARED, 0);
    assertInstanceOf(LockResult.Queued.class, acquire(h("w"), "r", LockMode.EXCLUSIVE, 5_000));
    // compatible with the shared holder, but FIFO puts it behind the writer
    assertEquals(LockError.WOULD_BLOCK, error(acquire(h("b"), "r", LockMode.SHARED, 0)));
    LockResult.Queued q = (LockResult.Queued) acquire(h("b"), "r", LockMode.SHARED, 5_000);
    assertEquals(1, q.position());
    release(h("a"), "r");
    LockView v = m.view("r");
    assertEquals(List.of(h("w")), v.holders().stream().map(LockView.Holder::holder).toList());
    release(h("w"), "r");
    assertEquals(h("b"), m.view("r").holders().get(0).holder());
  }

  @Test
  void releaseGrantsRunOfSharedWaitersTogether() {
    acquire(h("x"), "r", LockMode.EXCLUSIVE, 0);
    acquire(h("a"), "r", LockMode.SHARED, LockCommand.WAIT_FOREVER);
    acquire(h("b"), "r", LockMode.SHARED, LockCommand.WAIT_FOREVER);
    acquire(h("y"), "r", LockMode.EXCLUSIVE, LockCommand.WAIT_FOREVER);
    acquire(h("c"), "r", LockMode.SHARED, LockCommand.WAIT_FOREVER);
    events.clear();
    release(h("x"), "r");
    LockView v = m.view("r");
    assertEquals(List.of(h("a"), h("b")), v.holders().stream().map(LockView.Holder::holder).toList());
    assertEquals(List.of(h("y"), h("c")), v.waiters().stream().map(LockView.Waiter::holder).toList());
    assertEquals(2, events.stream().filter(e -> e instanceof LockGrant).count());
  }

  @Test
  void tryLockAnswersAtOnceAndChangesNothing() {
    acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    byte[] before = m.snapshotBytes();
    LockResult r = acquire(h("b"), "r", LockMode.EXCLUSIVE, 0);
    assertEquals(LockError.WOULD_BLOCK, error(r));
    assertTrue(m.view("r").waiters().isEmpty());
    assertEquals(index, m.lastAppliedIndex());
    assertStateEqualExceptIndex(before, m.snapshotBytes());
  }

  @Test
  void blockingAcquireTimesOutThroughReplicatedExpiry() {
    acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    LockResult.Queued q = (LockResult.Queued) acquire(h("b"), "r", LockMode.EXCLUSIVE, 500);
    assertEquals(now + 500, q.deadlineMillis());
    // a stamp before the deadline times out nothing
    assertEquals(new LockResult.WaitsExpired(0), run(new LockCommand.ExpireWaits(now + 499)));
    events.clear();
    assertEquals(new LockResult.WaitsExpired(1), run(new LockCommand.ExpireWaits(now + 500)));
    assertTrue(m.view("r").waiters().isEmpty());
    LockEvent.WaitEnded ended = (LockEvent.WaitEnded) events.get(0);
    assertEquals(Reason.TIMED_OUT, ended.reason());
    assertEquals(q.requestId(), ended.requestId());
  }

  @Test
  void timingOutTheHeadWriterLetsSharedWaitersIn() {
    acquire(h("a"), "r", LockMode.SHARED, 0);
    acquire(h("w"), "r", LockMode.EXCLUSIVE, 100);
    acquire(h("b"), "r", LockMode.SHARED, 10_000);
    run(new LockCommand.ExpireWaits(now + 100));
    assertEquals(2, m.view("r").holders().size());
  }

  @Test
  void blockedWaiterIsGrantedOnRelease() {
    acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    LockResult.Queued q = (LockResult.Queued) acquire(h("b"), "r", LockMode.EXCLUSIVE, 10_000);
    events.clear();
    release(h("a"), "r");
    LockGrant g = (LockGrant) events.stream().filter(e -> e instanceof LockGrant).findFirst()
        .orElseThrow();
    assertEquals(q.requestId(), g.requestId());
    assertEquals(h("b"), g.holder());
    assertEquals(index, g.index());
  }

  @Test
  void reentrantAcquireCountsAndMustBeReleasedAsOften() {
    LockGrant first = (LockGrant) acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    LockGrant second = (LockGrant) acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    LockGrant third = (LockGrant) acquire(h("a"), "r", LockMode.SHARED, 0);
    assertTrue(second.reentrant());
    assertEquals(3, third.holdCount());
    assertEquals(first.fencingToken(), third.fencingToken());
    assertEquals(LockMode.EXCLUSIVE, third.mode());
    assertEquals(2, ((LockResult.Released) release(h("a"), "r")).remainingCount());
    release(h("a"), "r");
    assertFalse(m.view("r").free());
    release(h("a"), "r");
    assertTrue(m.view("r").free());
    assertEquals(LockError.NOT_HOLDER, error(release(h("a"), "r")));
  }

  @Test
  void soleSharedHolderUpgradesWithNewToken() {
    LockGrant s = (LockGrant) acquire(h("a"), "r", LockMode.SHARED, 0);
    LockGrant x = (LockGrant) acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    assertTrue(x.upgrade());
    assertEquals(LockMode.EXCLUSIVE, m.view("r").mode());
    assertTrue(x.fencingToken() > s.fencingToken());
    assertEquals(LockError.WOULD_BLOCK, error(acquire(h("b"), "r", LockMode.SHARED, 0)));
  }

  @Test
  void upgradeWithOtherSharedHoldersIsRefused() {
    acquire(h("a"), "r", LockMode.SHARED, 0);
    acquire(h("b"), "r", LockMode.SHARED, 0);
    byte[] before = m.snapshotBytes();
    LockResult r = acquire(h("a"), "r", LockMode.EXCLUSIVE, LockCommand.WAIT_FOREVER);
    assertEquals(LockError.UPGRADE_CONFLICT, error(r));
    assertStateEqualExceptIndex(before, m.snapshotBytes());
  }

  @Test
  void fencingTokensStrictlyIncreasePerResource() {
    long last = 0;
    for (int i = 0; i < 5; i++) {
      LockGrant g = (LockGrant) acquire(h("a" + i), "r", LockMode.EXCLUSIVE, 0);
      assertTrue(g.fencingToken() > last);
      assertTrue(g.fencingToken() >= g.index());
      last = g.fencingToken();
      release(h("a" + i), "r");
    }
  }

  @Test
  void sharedWaitersGrantedInOneApplyGetDistinctIncreasingTokens() {
    acquire(h("x"), "r", LockMode.EXCLUSIVE, 0);
    acquire(h("a"), "r", LockMode.SHARED, LockCommand.WAIT_FOREVER);
    acquire(h("b"), "r", LockMode.SHARED, LockCommand.WAIT_FOREVER);
    release(h("x"), "r");
    // freed and regranted right after: the next token must still be larger
    release(h("a"), "r");
    release(h("b"), "r");
    LockGrant next = (LockGrant) acquire(h("c"), "r", LockMode.EXCLUSIVE, 0);
    List<LockGrant> grants = events.stream().filter(e -> e instanceof LockGrant)
        .map(e -> (LockGrant) e).toList();
    for (int i = 1; i < grants.size(); i++) {
      assertTrue(grants.get(i).fencingToken() > grants.get(i - 1).fencingToken(), grants.toString());
    }
    assertEquals(next, grants.get(grants.size() - 1));
  }

  @Test
  void sessionExpiryFreesLocksAndWaitsAndGrantsNext() {
    long s = openSession(1_000);
    HolderId a = new HolderId(s, "a");
    HolderId b = new HolderId(s, "b");
    acquire(a, "r", LockMode.EXCLUSIVE, 0);
    acquire(h("other"), "q", LockMode.EXCLUSIVE, 0);
    acquire(b, "q", LockMode.SHARED, LockCommand.WAIT_FOREVER);
    acquire(h("c"), "r", LockMode.EXCLUSIVE, LockCommand.WAIT_FOREVER);
    // not yet due
    assertEquals(List.of(), ((LockResult.SessionsExpired) run(
        new LockCommand.ExpireSessions(now + 999))).sessionIds());
    LockResult.SessionsExpired e =
        (LockResult.SessionsExpired) run(new LockCommand.ExpireSessions(now + 1_000));
    assertEquals(List.of(s), e.sessionIds());
    assertEquals(h("c"), m.view("r").holders().get(0).holder());
    assertTrue(m.view("q").waiters().isEmpty());
    assertTrue(m.sessions().isEmpty());
    assertEquals(LockError.UNKNOWN_SESSION, error(acquire(a, "z", LockMode.SHARED, 0)));
  }

  @Test
  void keepAliveExtendsLease() {
    long s = openSession(1_000);
    acquire(new HolderId(s, "a"), "r", LockMode.EXCLUSIVE, 0);
    now += 800;
    LockResult.SessionKeptAlive k = (LockResult.SessionKeptAlive) run(
        new LockCommand.KeepAlive(now, s, tok(s)));
    assertEquals(now + 1_000, k.expiresAtMillis());
    run(new LockCommand.ExpireSessions(now + 500));
    assertFalse(m.view("r").free());
    run(new LockCommand.ExpireSessions(now + 1_000));
    assertTrue(m.view("r").free());
  }

  /**
   * The next lease end and the expired sessions come from an index kept as leases move (open,
   * keep-alive, close, restore), not from a scan: each must agree with the sessions' own ends.
   */
  @Test
  void theNextSessionExpiryFollowsOpenKeepAliveCloseAndRestore() throws Exception {
    assertTrue(m.nextSessionExpiry().isEmpty());
    long a = openSession(3_000);
    long b = openSession(1_000);
    long c = openSession(2_000);
    assertEquals(now + 1_000, m.nextSessionExpiry().getAsLong(), "b ends first");
    run(new LockCommand.KeepAlive(now + 900, b, tok(b))); // b now ends at +1,900
    assertEquals(now + 1_900, m.nextSessionExpiry().getAsLong());
    run(new LockCommand.CloseSession(now, b, tok(b)));
    assertEquals(now + 2_000, m.nextSessionExpiry().getAsLong(), "c, once b is closed");
    LockStateMachine copy = new LockStateMachine();
    copy.restore(new java.io.ByteArrayInputStream(m.snapshotBytes()));
    assertEquals(now + 2_000, copy.nextSessionExpiry().getAsLong(), "a restore rebuilds it");
    LockResult.SessionsExpired e =
        (LockResult.SessionsExpired) run(new LockCommand.ExpireSessions(now + 3_000));
    assertEquals(List.of(a, c), e.sessionIds(), "both due, in id order");
    assertTrue(m.nextSessionExpiry().isEmpty());
  }

  /** A snapshot that names one resource twice is refused, and the table is left as it was. */
  @Test
  void aSnapshotWithAResourceTwiceIsRefused() throws Exception {
    acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    byte[] one = m.snapshotBytes();
    // header (magic, version, index, now, token: 32 bytes), no session (4), one resource
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(one);
    assertEquals(0, in.getInt(32), "no session");
    assertEquals(1, in.getInt(36), "one resource");
    byte[] row = java.util.Arrays.copyOfRange(one, 40, one.length);
    java.nio.ByteBuffer twice = java.nio.ByteBuffer.allocate(40 + 2 * row.length);
    twice.put(one, 0, 36).putInt(2).put(row).put(row);
    LockStateMachine other = new LockStateMachine();
    java.io.IOException e = assertThrows(java.io.IOException.class,
        () -> other.restore(new java.io.ByteArrayInputStream(twice.array())));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
    assertEquals(0, other.resourceCount());
    other.restore(new java.io.ByteArrayInputStream(one));
    assertEquals(1, other.resourceCount(), "the well-formed snapshot restores");
  }

  @Test
  void closeSessionFreesItsLocks() {
    long s = openSession(1_000);
    acquire(new HolderId(s, "a"), "r", LockMode.EXCLUSIVE, 0);
    acquire(new HolderId(s, "a"), "r", LockMode.EXCLUSIVE, 0);
    LockResult.SessionClosed c = (LockResult.SessionClosed) run(new LockCommand.CloseSession(now, s, tok(s)));
    assertEquals(1, c.freedHolds());
    assertTrue(m.view("r").free());
    assertEquals(LockError.UNKNOWN_SESSION, error(run(new LockCommand.CloseSession(now, s, tok(s)))));
  }

  @Test
  void graceGivesEveryLiveSessionAFullTtlFromTheNewLeaderClock() {
    long s = openSession(1_000);
    // the new leader starts 900 ms later; without grace the session would expire 100 ms after
    long leaderNow = now + 900;
    assertEquals(new LockResult.GraceGranted(1), run(new LockCommand.GrantGrace(leaderNow)));
    run(new LockCommand.ExpireSessions(leaderNow + 999));
    assertEquals(1, m.sessions().size());
    assertEquals(s, m.sessions().get(0).sessionId());
    run(new LockCommand.ExpireSessions(leaderNow + 1_000));
    assertTrue(m.sessions().isEmpty());
  }

  @Test
  void sessionPagesWalkTheOpenSessionsByIdOnceEach() {
    java.util.List<Long> opened = new java.util.ArrayList<>();
    for (int i = 0; i < 7; i++) {
      opened.add(openSession(1_000));
    }
    assertEquals(7, m.sessionCount());
    java.util.List<Long> seen = new java.util.ArrayList<>();
    Long after = null;
    java.util.List<SessionView> page;
    do {
      page = m.sessions(after, 3);
      assertTrue(page.size() <= 3);
      page.forEach(v -> seen.add(v.sessionId()));
      after = page.isEmpty() ? after : page.get(page.size() - 1).sessionId();
    } while (page.size() == 3);
    assertEquals(opened, seen, "ascending by id, each once");
    assertEquals(m.sessions(), m.sessions(null, 100), "a page shows what the full list shows");
    assertEquals(java.util.List.of(), m.sessions(opened.get(6), 5));
    assertEquals(opened.subList(3, 5), m.sessions(opened.get(2), 2).stream()
        .map(SessionView::sessionId).toList());
  }

  @Test
  void replicatedClockNeverRunsBackwards() {
    now = 5_000;
    openSession(1_000);
    now = 4_000; // a leader with a slower clock
    LockResult.SessionOpened o = (LockResult.SessionOpened) run(new LockCommand.OpenSession(now,
        1_000, tok(index + 1)));
    assertEquals(6_000, o.expiresAtMillis());
    assertEquals(5_000, m.nowMillis());
  }

  @Test
  void deadlockCycleIsRefusedOnTheClosingRequest() {
    acquire(h("a"), "r1", LockMode.EXCLUSIVE, 0);
    acquire(h("b"), "r2", LockMode.EXCLUSIVE, 0);
    assertInstanceOf(LockResult.Queued.class, acquire(h("a"), "r2", LockMode.EXCLUSIVE, 10_000));
    byte[] before = m.snapshotBytes();
    LockResult r = acquire(h("b"), "r1", LockMode.EXCLUSIVE, 10_000);
    assertEquals(LockError.DEADLOCK, error(r));
    assertStateEqualExceptIndex(before, m.snapshotBytes());
    // the victim releases, the survivor proceeds
    release(h("b"), "r2");
    assertEquals(h("a"), m.view("r2").holders().get(0).holder());
  }

  @Test
  void deadlockThroughQueuePositionIsDetected() {
    // c holds r1; a waits for r1 behind nobody; b holds r2 and queues on r1 behind a;
    // a then asks for r2: a -> b (holder of r2) -> a (ahead of b in r1's queue) is a cycle.
    acquire(h("c"), "r1", LockMode.EXCLUSIVE, 0);
    acquire(h("b"), "r2", LockMode.EXCLUSIVE, 0);
    acquire(h("a"), "r1", LockMode.EXCLUSIVE, LockCommand.WAIT_FOREVER);
    acquire(h("b"), "r1", LockMode.EXCLUSIVE, LockCommand.WAIT_FOREVER);
    assertEquals(LockError.DEADLOCK, error(acquire(h("a"), "r2", LockMode.EXCLUSIVE, 10)));
  }

  @Test
  void sharedWaitersOnSharedLockAreNotAPhantomDeadlock() {
    acquire(h("a"), "r1", LockMode.SHARED, 0);
    acquire(h("b"), "r2", LockMode.SHARED, 0);
    // both shared everywhere: no waiting at all, so no deadlock
    assertInstanceOf(LockGrant.class, acquire(h("a"), "r2", LockMode.SHARED, 10));
    assertInstanceOf(LockGrant.class, acquire(h("b"), "r1", LockMode.SHARED, 10));
    // a chain without a cycle is fine
    acquire(h("x"), "r3", LockMode.EXCLUSIVE, 0);
    assertInstanceOf(LockResult.Queued.class, acquire(h("a"), "r3", LockMode.EXCLUSIVE, 10));
    assertInstanceOf(LockResult.Queued.class, acquire(h("y"), "r1", LockMode.EXCLUSIVE, 10));
    assertTrue(m.waitForGraph().size() == 2);
  }

  @Test
  void badInputIsRefusedAndChangesNothing() {
    long s = openSession(1_000);
    acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    byte[] before = m.snapshotBytes();
    assertEquals(LockError.EMPTY_RESOURCE, error(acquire(h("a"), "", LockMode.SHARED, 0)));
    assertEquals(LockError.EMPTY_OWNER, error(acquire(h(""), "r", LockMode.SHARED, 0)));
    assertEquals(LockError.UNKNOWN_MODE, error(acquire(h("a"), "q", null, 0)));
    assertEquals(LockError.BAD_TIMEOUT, error(acquire(h("a"), "q", LockMode.SHARED, -1)));
    assertEquals(LockError.UNKNOWN_SESSION,
        error(acquire(new HolderId(s + 99, "a"), "q", LockMode.SHARED, 0)));
    assertEquals(LockError.NOT_HOLDER, error(release(h("b"), "r")));
    assertEquals(LockError.NOT_HOLDER, error(release(h("a"), "nothing")));
    assertEquals(LockError.NAME_TOO_LONG,
        error(acquire(h("a"), "x".repeat(2_000), LockMode.SHARED, 0)));
    assertEquals(LockError.BAD_TTL, error(run(new LockCommand.OpenSession(now, 1, "t"))));
    assertEquals(LockError.UNKNOWN_SESSION, error(run(new LockCommand.KeepAlive(now, 12345, "x"))));
    assertEquals(LockError.MALFORMED_COMMAND, error(m.apply(++index, new byte[] {1, 2, 3})));
    assertStateEqualExceptIndex(before, m.snapshotBytes());
  }

  @Test
  void releaseByWaiterCancelsItsWait() {
    acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    LockResult.Queued q = (LockResult.Queued) acquire(h("b"), "r", LockMode.EXCLUSIVE, 10_000);
    LockResult.WaitCancelled c = (LockResult.WaitCancelled) release(h("b"), "r");
    assertEquals(q.requestId(), c.requestId());
    assertTrue(m.view("r").waiters().isEmpty());
    assertEquals(LockError.ALREADY_WAITING, error(duplicateWait()));
  }

  private LockResult duplicateWait() {
    acquire(h("b"), "r", LockMode.EXCLUSIVE, 10_000);
    return acquire(h("b"), "r", LockMode.SHARED, 10_000);
  }

  @Test
  void ownerOnlyHoldsNeverExpire() {
    acquire(h("legacy"), "r", LockMode.EXCLUSIVE, 0);
    run(new LockCommand.ExpireSessions(Long.MAX_VALUE));
    assertEquals(h("legacy"), m.view("r").holders().get(0).holder());
  }

  @Test
  void limitsAreEnforced() {
    LockStateMachine small = new LockStateMachine(
        new LockLimits(2, 1, 1, 10, 2, 16, 10, 100), LockListener.NONE);
    long i = 0;
    small.apply(++i, new LockCommand.Acquire(0, 1, h("a"), "r1", LockMode.EXCLUSIVE, 0));
    small.apply(++i, new LockCommand.Acquire(0, 2, h("a"), "r2", LockMode.EXCLUSIVE, 0));
    assertEquals(LockError.LIMIT_EXCEEDED, error(small.apply(++i,
        new LockCommand.Acquire(0, 3, h("a"), "r3", LockMode.EXCLUSIVE, 0))));
    small.apply(++i, new LockCommand.Acquire(0, 4, h("b"), "r1", LockMode.EXCLUSIVE, 10));
    assertEquals(LockError.LIMIT_EXCEEDED, error(small.apply(++i,
        new LockCommand.Acquire(0, 5, h("c"), "r1", LockMode.EXCLUSIVE, 10))));
    small.apply(++i, new LockCommand.Acquire(0, 6, h("a"), "r1", LockMode.EXCLUSIVE, 0));
    assertEquals(LockError.LIMIT_EXCEEDED, error(small.apply(++i,
        new LockCommand.Acquire(0, 7, h("a"), "r1", LockMode.EXCLUSIVE, 0))));
    small.apply(++i, new LockCommand.OpenSession(0, 10, "t"));
    assertEquals(LockError.LIMIT_EXCEEDED, error(small.apply(++i,
        new LockCommand.OpenSession(0, 10, "t"))));
  }

  /** 10,001 owner-only shared holds on one resource: the default limit refuses the last. */
  @Test
  void holdersPerResourceAreLimitedByDefault() {
    LockStateMachine d = new LockStateMachine();
    long i = 0;
    for (int k = 0; k < LockLimits.DEFAULT_MAX_HOLDERS_PER_RESOURCE; k++) {
      assertInstanceOf(LockGrant.class, d.apply(++i, new LockCommand.Acquire(0, k, h("o" + k),
          "r", LockMode.SHARED, 0)));
    }
    LockResult over = d.apply(++i, new LockCommand.Acquire(0, -1, h("over"), "r",
        LockMode.SHARED, 0));
    assertEquals(LockError.LIMIT_EXCEEDED, error(over));
    assertEquals(LockLimits.DEFAULT_MAX_HOLDERS_PER_RESOURCE, d.view("r").holders().size());
  }

  /** One session's holds and waits together are bounded (here over distinct resources). */
  @Test
  void holdsPerSessionAreLimited() {
    LockStateMachine d = new LockStateMachine(new LockLimits(1_000, 10, 10, 100, 10, 64, 10,
        1_000, 100, 3), LockListener.NONE);
    long i = 0;
    long session = ++i;
    d.apply(session, new LockCommand.OpenSession(0, 100, tok(session)));
    HolderId a = new HolderId(session, "a");
    HolderId b = new HolderId(session, "b");
    d.apply(++i, new LockCommand.Acquire(0, 1, a, "r1", LockMode.EXCLUSIVE, 0,
        tok(session)));
    d.apply(++i, new LockCommand.Acquire(0, 2, b, "r2", LockMode.EXCLUSIVE, 0,
        tok(session)));
    d.apply(++i, new LockCommand.Acquire(0, 3, h("other"), "r3", LockMode.EXCLUSIVE, 0));
    d.apply(++i, new LockCommand.Acquire(0, 4, a, "r3", LockMode.EXCLUSIVE, 50,
        tok(session))); // a wait
    assertEquals(LockError.LIMIT_EXCEEDED, error(d.apply(++i,
        new LockCommand.Acquire(0, 5, b, "r4", LockMode.EXCLUSIVE, 0,
        tok(session)))));
    // a reentrant acquire adds no hold
    assertInstanceOf(LockGrant.class, d.apply(++i,
        new LockCommand.Acquire(0, 6, a, "r1", LockMode.EXCLUSIVE, 0,
        tok(session))));
    d.apply(++i, new LockCommand.Release(0, b, "r2", tok(session)));
    assertInstanceOf(LockGrant.class, d.apply(++i,
        new LockCommand.Acquire(0, 7, b, "r4", LockMode.EXCLUSIVE, 0,
        tok(session))));
    // the same after a restore: the count is rebuilt from the table
    LockStateMachine copy = new LockStateMachine(new LockLimits(1_000, 10, 10, 100, 10, 64, 10,
        1_000, 100, 3), LockListener.NONE);
    try {
      copy.restore(new java.io.ByteArrayInputStream(d.snapshotBytes()));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    assertEquals(LockError.LIMIT_EXCEEDED, error(copy.apply(++i,
        new LockCommand.Acquire(0, 8, b, "r5", LockMode.EXCLUSIVE, 0,
        tok(session)))));
  }

  /** The broken-rule switch of simulations is no part of the published machine. */
  @Test
  void thePublishedMachineHasNoFaultSwitch() {
    for (java.lang.reflect.Constructor<?> c : LockStateMachine.class.getConstructors()) {
      assertTrue(c.getParameterCount() <= 2, "public constructor " + c);
    }
    assertEquals(0, LockStateMachine.class.getClasses().length, "no public nested type");
    for (java.lang.reflect.Method m : LockStateMachine.class.getMethods()) {
      assertFalse(m.getName().toLowerCase(java.util.Locale.ROOT).contains("bug"), m.toString());
    }
    assertFalse(java.lang.reflect.Modifier.isPublic(Rule.class.getModifiers()));
  }

  @Test
  void applyIndexMustIncrease() {
    run(new LockCommand.ExpireWaits(now));
    assertThrows(IllegalStateException.class,
        () -> m.apply(index, LockCodec.encode(new LockCommand.ExpireWaits(now))));
  }

  @Test
  void snapshotRestoreGivesEqualStateAndBehaviour() throws IOException {
    long s = openSession(1_000);
    acquire(new HolderId(s, "a"), "r", LockMode.SHARED, 0);
    acquire(h("b"), "r", LockMode.SHARED, 0);
    acquire(h("c"), "r", LockMode.EXCLUSIVE, 700);
    acquire(h("d"), "q", LockMode.EXCLUSIVE, 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.snapshot().writeTo(out);
    LockStateMachine copy = new LockStateMachine();
    copy.restore(new ByteArrayInputStream(out.toByteArray()));
    assertArrayEquals(m.snapshotBytes(), copy.snapshotBytes());
    assertEquals(m.waitForGraph(), copy.waitForGraph());
    List<LockCommand> next = List.of(
        new LockCommand.ExpireSessions(now + 1_000),
        new LockCommand.Release(now, h("b"), "r"),
        new LockCommand.Acquire(now, 99, h("e"), "r", LockMode.SHARED, 0));
    for (LockCommand c : next) {
      long i = ++index;
      assertEquals(m.apply(i, c), copy.apply(i, c));
    }
    assertArrayEquals(m.snapshotBytes(), copy.snapshotBytes());
  }

  @Test
  void restoreRejectsGarbageAndKeepsState() {
    acquire(h("a"), "r", LockMode.EXCLUSIVE, 0);
    byte[] before = m.snapshotBytes();
    assertThrows(IOException.class, () -> m.restore(new ByteArrayInputStream(new byte[] {1, 2})));
    byte[] truncated = java.util.Arrays.copyOf(before, before.length - 3);
    assertThrows(IOException.class, () -> m.restore(new ByteArrayInputStream(truncated)));
    assertArrayEquals(before, m.snapshotBytes());
  }

  @Test
  void listenerSeesEveryApplyEvenRefused() {
    List<LockResult> seen = new ArrayList<>();
    LockStateMachine w = new LockStateMachine(LockLimits.DEFAULT, (i, c, r, e) -> seen.add(r));
    w.apply(1, new byte[0]);
    w.apply(2, new LockCommand.Acquire(0, 1, h("a"), "r", LockMode.SHARED, 0));
    assertEquals(2, seen.size());
    assertNull(w.view("nothing").mode());
  }

  /** Equal states apart from the last applied index (refused commands still advance it). */
  private static void assertStateEqualExceptIndex(byte[] a, byte[] b) {
    assertEquals(a.length, b.length);
    for (int i = 0; i < a.length; i++) {
      if (i >= 8 && i < 16) {
        continue;
      }
      assertEquals(a[i], b[i], "byte " + i);
    }
  }
}
