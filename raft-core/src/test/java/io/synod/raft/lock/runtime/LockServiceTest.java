package io.synod.raft.lock.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.RaftConfig;
import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockError;
import io.synod.raft.lock.LockException;
import io.synod.raft.lock.LockGrant;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockView;
import io.synod.raft.lock.LockResult;
import io.synod.raft.runtime.LocalRaftCluster;
import io.synod.raft.runtime.RaftServer;
import java.time.Duration;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LockServiceTest {

  // 500 ms of election timeout at 10 ms ticks: a leader whose check-quorum round starts empty must
  // not step down on a loaded CI machine in the middle of a test that moves the manual clocks (a
  // new leader's grace would then hold sessions until the clocks move again)
  private static final RaftConfig FAST =
      RaftConfig.builder().electionTimeoutTicks(50).heartbeatIntervalTicks(5).build();

  /** Each node has its own manual clock, so tests move time (and skew it) by hand. */
  private final TreeMap<NodeId, AtomicLong> clocks = new TreeMap<>();
  /** Each node's monotonic clock: moves with its wall clock unless a test jumps the wall clock. */
  private final TreeMap<NodeId, AtomicLong> elapsed = new TreeMap<>();
  private final TreeMap<NodeId, LockService> services = new TreeMap<>();
  private LocalRaftCluster cluster;

  @BeforeEach
  void start() {
    cluster = LocalRaftCluster.start(3, FAST, Duration.ofMillis(10), id -> {
      AtomicLong clock = new AtomicLong(1_000);
      clocks.put(id, clock);
      AtomicLong mono = new AtomicLong();
      elapsed.put(id, mono);
      LockService s = LockService.create(clock::get, mono::get,
          LockServiceOptions.create().withMaintenanceInterval(Duration.ofMillis(5)),
          LockListener.NONE);
      services.put(id, s);
      return s.stateMachine();
    });
    for (NodeId id : services.keySet()) {
      services.get(id).bind(cluster.server(id));
    }
  }

  @AfterEach
  void stop() {
    services.values().forEach(LockService::close);
    cluster.close();
  }

  private LockService leader() {
    return services.get(cluster.awaitLeader(Duration.ofSeconds(20)).id());
  }

  private static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static LockError errorOf(CompletionStage<?> s) throws Exception {
    try {
      s.toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return assertInstanceOf(LockException.class, e.getCause()).error();
    }
    throw new AssertionError("expected a LockException");
  }

  private void advanceAll(long millis) {
    clocks.values().forEach(c -> c.addAndGet(millis));
    elapsed.values().forEach(c -> c.addAndGet(millis));
  }

  /**
   * Moves every clock on in 100 ms steps, as real time would pass, until {@code s} completes
   * (at most 30 s of real time).
   */
  private <T> T advanceUntilDone(CompletionStage<T> s) throws Exception {
    CompletableFuture<T> f = s.toCompletableFuture();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return f.get(20, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException notYet) {
        assertTrue(System.nanoTime() < deadline, "still not done after 30 s of moving clocks");
        advanceAll(100);
      }
    }
  }

  /**
   * The leader's wall clock jumps ten TTLs ahead (NTP step, operator) while no time passes.
   * Stamps must not follow it past the last stamp plus the monotonic time elapsed, so the
   * leader's expiry checks, which run every 5 ms, expire nothing.
   */
  @Test
  void aForwardJumpOfTheLeadersWallClockExpiresNothing() throws Exception {
    RaftServer server = cluster.awaitLeader(Duration.ofSeconds(20));
    LockService l = services.get(server.id());
    LockResult.SessionOpened s = get(l.openSession(Duration.ofMillis(1_000)));
    HolderId a = new HolderId(s.sessionId(), "a");
    LockGrant before = get(l.acquire(a, s.sessionToken(), "r", LockMode.EXCLUSIVE,
        Duration.ZERO));
    clocks.get(server.id()).addAndGet(10_000);
    // many stamped commands and maintenance rounds after the jump
    for (int i = 0; i < 40; i++) {
      LockGrant g = get(l.acquire(HolderId.ownerOnly("probe"), "p" + i, LockMode.SHARED,
          Duration.ZERO));
      assertTrue(g.acquiredAtMillis() < before.acquiredAtMillis() + 1_000,
          "a stamp followed the jump: " + g.acquiredAtMillis());
    }
    assertEquals(1, get(l.sessions()).size(), "the session is still open");
    assertEquals(a, get(l.state("r")).holders().get(0).holder());
    // time really passes and the client stops keeping alive: now the lease ends
    advanceAll(2_000);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!get(l.sessions()).isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the lease never expired");
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
    }
  }

  @Test
  void acquireReleaseCarriesFencingTokenAndCommitIndex() throws Exception {
    LockService l = leader();
    LockGrant g = get(l.acquire(HolderId.ownerOnly("a"), "r", LockMode.EXCLUSIVE,
        Duration.ZERO));
    assertTrue(g.fencingToken() >= g.index() && g.index() > 0);
    assertEquals(Optional.empty(), get(l.tryAcquire(HolderId.ownerOnly("b"), "r",
        LockMode.SHARED)));
    assertEquals(0, get(l.release(HolderId.ownerOnly("a"), "r")));
    LockGrant next = get(l.tryAcquire(HolderId.ownerOnly("b"), "r", LockMode.SHARED))
        .orElseThrow();
    assertTrue(next.fencingToken() > g.fencingToken());
    LockView v = get(l.state("r"));
    assertEquals(LockMode.SHARED, v.mode());
    assertEquals(HolderId.ownerOnly("b"), v.holders().get(0).holder());
  }

  @Test
  void queuedAcquireCompletesWhenTheHolderReleases() throws Exception {
    LockService l = leader();
    get(l.acquire(HolderId.ownerOnly("a"), "r", LockMode.EXCLUSIVE, Duration.ZERO));
    CompletionStage<LockGrant> waiting =
        l.acquire(HolderId.ownerOnly("b"), "r", LockMode.EXCLUSIVE, null);
    // the request is in the replicated queue before we release
    while (get(l.state("r")).waiters().isEmpty()) {
      Thread.onSpinWait();
    }
    assertFalse(waiting.toCompletableFuture().isDone());
    get(l.release(HolderId.ownerOnly("a"), "r"));
    assertEquals(HolderId.ownerOnly("b"), get(waiting).holder());
  }

  @Test
  void waitTimesOutThroughTheLeadersReplicatedExpiry() throws Exception {
    LockService l = leader();
    get(l.acquire(HolderId.ownerOnly("a"), "r", LockMode.EXCLUSIVE, Duration.ZERO));
    CompletionStage<LockGrant> waiting =
        l.acquire(HolderId.ownerOnly("b"), "r", LockMode.EXCLUSIVE, Duration.ofMillis(500));
    while (get(l.state("r")).waiters().isEmpty()) {
      Thread.onSpinWait();
    }
    advanceAll(500);
    assertEquals(LockError.TIMED_OUT, errorOf(waiting));
    assertTrue(get(l.state("r")).waiters().isEmpty());
  }

  @Test
  void expiredSessionFreesItsLockForTheNextWaiter() throws Exception {
    LockService l = leader();
    LockResult.SessionOpened s = get(l.openSession(Duration.ofMillis(1_000)));
    get(l.acquire(new HolderId(s.sessionId(), "a"), s.sessionToken(), "r", LockMode.EXCLUSIVE,
        Duration.ZERO));
    CompletionStage<LockGrant> waiting =
        l.acquire(HolderId.ownerOnly("b"), "r", LockMode.EXCLUSIVE, null);
    advanceAll(600);
    viaLeader(l2 -> l2.keepAlive(s.sessionId(), s.sessionToken()));
    advanceAll(600);
    // kept alive: still held
    assertEquals(new HolderId(s.sessionId(), "a"),
        viaLeader(l2 -> l2.state("r")).holders().get(0).holder());
    advanceAll(1_000);
    // time goes on passing until the lease ends (a leader elected meanwhile grants every session
    // a full TTL from its own clock, so one jump of the clocks would not be enough)
    assertEquals(HolderId.ownerOnly("b"), advanceUntilDone(waiting).holder());
    assertEquals(LockError.UNKNOWN_SESSION,
        errorOf(leader().keepAlive(s.sessionId(), s.sessionToken())));
  }

  @Test
  void deadlockIsRefused() throws Exception {
    LockService l = leader();
    get(l.acquire(HolderId.ownerOnly("a"), "r1", LockMode.EXCLUSIVE, Duration.ZERO));
    get(l.acquire(HolderId.ownerOnly("b"), "r2", LockMode.EXCLUSIVE, Duration.ZERO));
    CompletionStage<LockGrant> aWaits =
        l.acquire(HolderId.ownerOnly("a"), "r2", LockMode.EXCLUSIVE, null);
    while (get(l.state("r2")).waiters().isEmpty()) {
      Thread.onSpinWait();
    }
    assertEquals(LockError.DEADLOCK,
        errorOf(l.acquire(HolderId.ownerOnly("b"), "r1", LockMode.EXCLUSIVE, null)));
    get(l.release(HolderId.ownerOnly("b"), "r2"));
    assertEquals(HolderId.ownerOnly("a"), get(aWaits).holder());
  }

  @Test
  void followerRefusesWritesNamingTheLeader() throws Exception {
    RaftServer leaderServer = cluster.awaitLeader(Duration.ofSeconds(20));
    NodeId follower = services.keySet().stream().filter(id -> !id.equals(leaderServer.id()))
        .findFirst().orElseThrow();
    try {
      get(services.get(follower).acquire(HolderId.ownerOnly("a"), "r", LockMode.SHARED,
          Duration.ZERO));
      throw new AssertionError("a follower accepted a write");
    } catch (ExecutionException e) {
      assertInstanceOf(NotLeaderException.class, e.getCause());
    }
  }

  @Test
  void newLeaderGracePeriodKeepsSessionsThatKeptAlive() throws Exception {
    RaftServer first = cluster.awaitLeader(Duration.ofSeconds(20));
    LockService l = services.get(first.id());
    LockResult.SessionOpened s = get(l.openSession(Duration.ofMillis(1_000)));
    HolderId a = new HolderId(s.sessionId(), "a");
    get(l.acquire(a, s.sessionToken(), "r", LockMode.EXCLUSIVE, Duration.ZERO));
    // the other nodes' clocks run 900 ms ahead: by their clock the lease is nearly over
    NodeId next = services.keySet().stream().filter(id -> !id.equals(first.id())).findFirst()
        .orElseThrow();
    clocks.get(next).addAndGet(900);
    get(first.transferLeadership(next));
    // the client keeps alive through the new leader within its TTL (through whichever node
    // leads by then: on a loaded machine leadership may move once more, and a client retries a
    // proposal a leader change dropped)
    clocks.get(next).addAndGet(800);
    // a client that knows only the id is refused by the new leader too, and changes nothing
    assertEquals(LockError.SESSION_TOKEN_MISMATCH,
        errorOf(leader().keepAlive(s.sessionId(), "0".repeat(32))));
    assertEquals(LockError.SESSION_TOKEN_MISMATCH,
        errorOf(leader().closeSession(s.sessionId(), "")));
    viaLeader(l2 -> l2.keepAlive(s.sessionId(), s.sessionToken()));
    clocks.get(next).addAndGet(800);
    assertEquals(a, viaLeader(l2 -> l2.state("r")).holders().get(0).holder());
    assertEquals(1, viaLeader(LockService::sessions).size());
  }

  @Test
  void sessionTokensAreUnguessableHexOf128Bits() throws Exception {
    LockService l = leader();
    LockResult.SessionOpened a = get(l.openSession(Duration.ofMillis(1_000)));
    LockResult.SessionOpened b = get(l.openSession(Duration.ofMillis(1_000)));
    assertTrue(a.sessionToken().matches("[0-9a-f]{32}"), "16 random bytes in hex");
    assertTrue(!a.sessionToken().equals(b.sessionToken()), "each session draws its own token");
    // the token is the holder's: naming the session by its id alone acquires nothing
    assertEquals(LockError.SESSION_TOKEN_MISMATCH, errorOf(l.acquire(
        new HolderId(a.sessionId(), "x"), b.sessionToken(), "r", LockMode.EXCLUSIVE,
        Duration.ZERO)));
    assertTrue(get(l.state("r")).free());
  }

  /** Runs a call on the current leader, again on the next one when a leader change drops it. */
  private <T> T viaLeader(java.util.function.Function<LockService, CompletionStage<T>> call)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return get(call.apply(leader()));
      } catch (ExecutionException e) {
        boolean leaderChange = e.getCause() instanceof io.synod.raft.ProposalDroppedException
            || e.getCause() instanceof NotLeaderException;
        if (!leaderChange || attempt == 5) {
          throw e;
        }
      }
    }
  }
}
