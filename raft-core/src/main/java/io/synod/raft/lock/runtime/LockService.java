package io.synod.raft.lock.runtime;

import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockCodec;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockError;
import io.synod.raft.lock.LockEvent;
import io.synod.raft.lock.LockException;
import io.synod.raft.lock.LockGrant;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockResult;
import io.synod.raft.lock.LockStateMachine;
import io.synod.raft.lock.LockView;
import io.synod.raft.lock.SessionView;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.runtime.RaftStatus;
import io.synod.raft.spi.Clock;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous Java API of the lock service on one node, over a {@link RaftServer} running a
 * {@link LockStateMachine}.
 *
 * <p>Wiring: create the service, hand {@link #stateMachine()} to the server's builder, then {@link
 * #bind} the built server and start it:
 *
 * <pre>{@code
 * LockService locks = LockService.create(Clock-of-this-node, LockServiceOptions.create(), mirror);
 * RaftServer raft = RaftServer.builder()...stateMachine(locks.stateMachine()).build();
 * locks.bind(raft);
 * raft.start();
 * locks.openSession(Duration.ofSeconds(10)).thenCompose(s ->
 *     locks.acquire(new HolderId(s.sessionId(), "worker-1"), s.sessionToken(), "orders",
 *         LockMode.EXCLUSIVE, Duration.ofSeconds(5)));
 * }</pre>
 *
 * <p>Writes go through the Raft log and must be called on the leader; elsewhere they fail with
 * {@link io.synod.raft.NotLeaderException} naming the leader, so a caller can redirect. Refusals
 * fail with {@link LockException}. Every command is stamped with this node's {@link Clock}, bounded
 * by the monotonic time elapsed since the previous stamp (see {@code stamp()}), so a jump of the
 * wall clock cannot shorten a lease.
 *
 * <p>Leader duties: on becoming leader the service first commits a {@link
 * LockCommand.GrantGrace} (every live session gets a full TTL from this leader's clock), and only
 * then proposes {@link LockCommand.ExpireSessions} and {@link LockCommand.ExpireWaits} when a lease
 * or wait deadline has passed by its clock, checking every {@link
 * LockServiceOptions#maintenanceInterval()}.
 *
 * <p>Futures complete on the Raft thread: callbacks must not block. Safe to call from any thread.
 *
 * @since 1.0
 */
public final class LockService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LockService.class);
  private static final Clock SYSTEM_ELAPSED = () -> System.nanoTime() / 1_000_000L;

  /** Bytes of randomness in a session token (128 bits, as the security model asks). */
  static final int TOKEN_BYTES = 16;

  // the session tokens: drawn here, on the proposing node, and replicated in the open command,
  // so the deterministic state machine never draws randomness
  private final SecureRandom tokens = new SecureRandom();
  private final Clock clock;
  /** Monotonic milliseconds (only differences count): bounds how fast stamps may advance. */
  private final Clock elapsed;
  private boolean stamped;
  private long lastStampMillis;
  private long lastStampElapsedMillis;
  private final LockServiceOptions options;
  private final LockListener mirror;
  private final LockStateMachine machine;
  private final ConcurrentHashMap<Long, CompletableFuture<LockGrant>> waiting =
      new ConcurrentHashMap<>();
  /** Requests of {@link #waiting} known to be queued in the replicated table. */
  private final Set<Long> queued = ConcurrentHashMap.newKeySet();
  private final long requestIdBase;
  private final AtomicLong requestCounter = new AtomicLong();
  private final AtomicBoolean maintenanceInFlight = new AtomicBoolean();
  private final ScheduledExecutorService scheduler;
  private final boolean ownScheduler;
  private volatile RaftServer server;
  private volatile long graceTerm = -1;
  private ScheduledFuture<?> maintenance;

  private LockService(Clock clock, Clock elapsed, LockServiceOptions options,
      LockListener mirror, ScheduledExecutorService scheduler) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
    this.options = Objects.requireNonNull(options, "options");
    this.mirror = Objects.requireNonNull(mirror, "mirror");
    this.machine = new LockStateMachine(options.limits(), new LockListener() {
      @Override
      public void onApplied(long index, LockCommand command, LockResult result,
          List<LockEvent> events) {
        LockService.this.onApplied(index, command, result, events);
      }

      @Override
      public void onRestored(long index, SortedSet<String> resources) {
        LockService.this.onRestored(index, resources);
      }
    });
    // high bits tell this incarnation's request ids from every other proposer's
    this.requestIdBase = (new SecureRandom().nextLong() & 0xffffffL) << 40;
    this.ownScheduler = scheduler == null;
    this.scheduler = scheduler != null ? scheduler : Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "synod-lock-maintenance");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Creates a service with its own maintenance thread.
   *
   * @param clock this node's clock, used to stamp commands
   * @param options the options
   * @param mirror told of every apply on this replica (for example to mirror the table into Redis);
   *     {@link LockListener#NONE} when nothing listens
   * @return the service, not yet bound
   */
  public static LockService create(Clock clock, LockServiceOptions options, LockListener mirror) {
    return new LockService(clock, SYSTEM_ELAPSED, options, mirror, null);
  }

  /**
   * Creates a service with its own maintenance thread and an explicit monotonic clock (tests
   * and simulations move both clocks by hand).
   *
   * @param clock this node's wall clock, used to stamp commands
   * @param elapsed a monotonic clock in milliseconds (only differences count); stamps never run
   *     ahead of the previous stamp by more than this clock advanced
   * @param options the options
   * @param mirror the apply listener
   * @return the service, not yet bound
   */
  public static LockService create(Clock clock, Clock elapsed, LockServiceOptions options,
      LockListener mirror) {
    return new LockService(clock, elapsed, options, mirror, null);
  }

  /**
   * Creates a service that schedules its maintenance on {@code scheduler} (not shut down by
   * {@link #close()}).
   *
   * @param clock this node's clock
   * @param options the options
   * @param mirror the apply listener
   * @param scheduler where the leader's expiry checks run
   * @return the service, not yet bound
   */
  public static LockService create(Clock clock, LockServiceOptions options, LockListener mirror,
      ScheduledExecutorService scheduler) {
    return new LockService(clock, SYSTEM_ELAPSED, options, mirror,
        Objects.requireNonNull(scheduler));
  }

  /** The state machine to give the {@link RaftServer} builder; one per service. */
  public LockStateMachine stateMachine() {
    return machine;
  }

  /**
   * Binds the Raft server running {@link #stateMachine()} and starts the maintenance loop. Must
   * be called once, before any operation.
   *
   * @param raftServer the server
   * @return this service
   */
  public synchronized LockService bind(RaftServer raftServer) {
    if (server != null) {
      throw new IllegalStateException("already bound");
    }
    server = Objects.requireNonNull(raftServer, "raftServer");
    long period = options.maintenanceInterval().toMillis();
    maintenance = scheduler.scheduleWithFixedDelay(this::maintain, period, Math.max(1, period),
        TimeUnit.MILLISECONDS);
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // sessions

  /**
   * Opens a session with a fresh token of {@value #TOKEN_BYTES} random bytes (hex), drawn from a
   * {@link SecureRandom} and replicated with the open.
   *
   * @param ttl its lease; it must be kept alive more often than this
   * @return the session (id, TTL, end of the first lease, token); the token must reach only the
   *     session's holder
   */
  public CompletionStage<LockResult.SessionOpened> openSession(Duration ttl) {
    byte[] secret = new byte[TOKEN_BYTES];
    tokens.nextBytes(secret);
    String token = HexFormat.of().formatHex(secret);
    return write(new LockCommand.OpenSession(stamp(), ttl.toMillis(), token))
        .thenApply(r -> (LockResult.SessionOpened) r);
  }

  /**
   * Extends a session's lease by its TTL from now.
   *
   * @param sessionId the session
   * @param sessionToken its token, as {@link #openSession} returned it
   * @return the new end of the lease; fails with {@link LockError#UNKNOWN_SESSION} if it expired,
   *     {@link LockError#SESSION_TOKEN_MISMATCH} for a wrong token
   */
  public CompletionStage<Long> keepAlive(long sessionId, String sessionToken) {
    return write(new LockCommand.KeepAlive(stamp(), sessionId, sessionToken))
        .thenApply(r -> ((LockResult.SessionKeptAlive) r).expiresAtMillis());
  }

  /**
   * Closes a session, freeing its locks and waits.
   *
   * @param sessionId the session
   * @param sessionToken its token
   * @return how many holds were freed; fails with {@link LockError#SESSION_TOKEN_MISMATCH} for a
   *     wrong token
   */
  public CompletionStage<Integer> closeSession(long sessionId, String sessionToken) {
    return write(new LockCommand.CloseSession(stamp(), sessionId, sessionToken))
        .thenApply(r -> ((LockResult.SessionClosed) r).freedHolds());
  }

  // ---------------------------------------------------------------------------------------------
  // locks

  /**
   * Acquires a lock, waiting in the resource's FIFO queue for at most {@code timeout}.
   *
   * @param holder the session and owner (session {@link HolderId#NO_SESSION} for owner-only)
   * @param resource the resource
   * @param mode shared or exclusive
   * @param timeout how long to wait; zero for a try-lock, null for no limit
   * @return the grant with its fencing token and commit index; fails with {@link LockException}
   *     ({@link LockError#TIMED_OUT}, {@link LockError#DEADLOCK}, {@link LockError#WOULD_BLOCK}
   *     for a zero timeout, ...)
   */
  public CompletionStage<LockGrant> acquire(HolderId holder, String resource, LockMode mode,
      Duration timeout) {
    return acquire(holder, LockCommand.NO_TOKEN, resource, mode, timeout);
  }

  /**
   * Acquires a lock as a holder in a session, which must present the session's token.
   *
   * @param holder the session and owner
   * @param sessionToken the session's token (ignored for an owner-only holder)
   * @param resource the resource
   * @param mode shared or exclusive
   * @param timeout how long to wait; zero for a try-lock, null for no limit
   * @return as {@link #acquire(HolderId, String, LockMode, Duration)}; a wrong token fails with
   *     {@link LockError#SESSION_TOKEN_MISMATCH}
   */
  public CompletionStage<LockGrant> acquire(HolderId holder, String sessionToken,
      String resource, LockMode mode, Duration timeout) {
    long waitMillis = timeout == null ? LockCommand.WAIT_FOREVER : Math.max(0, timeout.toMillis());
    long requestId = requestIdBase | (requestCounter.incrementAndGet() & 0xffffffffffL);
    CompletableFuture<LockGrant> granted = new CompletableFuture<>();
    waiting.put(requestId, granted);
    write(new LockCommand.Acquire(stamp(), requestId, holder, resource, mode, waitMillis,
        sessionToken))
        .whenComplete((r, e) -> {
          if (e != null) {
            // a snapshot may have covered the entry and shown it queued (onRestored): then the
            // grant or the end of the wait is still to come, whatever the proposal says
            if (!queued.contains(requestId)) {
              waiting.remove(requestId);
              granted.completeExceptionally(e);
            }
          } else if (r instanceof LockGrant g) {
            waiting.remove(requestId);
            granted.complete(g);
          } else if (r instanceof LockResult.Queued && waiting.containsKey(requestId)) {
            // the grant or the end of the wait arrives as an event (onApplied) or inside an
            // installed snapshot (onRestored)
            queued.add(requestId);
          }
        });
    return granted;
  }

  /**
   * Acquires a lock only if it is free for this request now.
   *
   * @param holder the holder
   * @param resource the resource
   * @param mode the mode
   * @return the grant, or empty when the lock is busy; other refusals fail with {@link
   *     LockException}
   */
  public CompletionStage<Optional<LockGrant>> tryAcquire(HolderId holder, String resource,
      LockMode mode) {
    return acquire(holder, resource, mode, Duration.ZERO).handle((g, e) -> {
      if (e == null) {
        return Optional.of(g);
      }
      Throwable cause = unwrap(e);
      if (cause instanceof LockException le && le.error() == LockError.WOULD_BLOCK) {
        return Optional.empty();
      }
      throw cause instanceof RuntimeException re ? re : new RuntimeException(cause);
    });
  }

  /**
   * Releases one count of a hold (or cancels the holder's wait for the resource).
   *
   * @param holder the holder
   * @param resource the resource
   * @return how many counts the holder still holds; fails with {@link LockError#NOT_HOLDER}
   */
  public CompletionStage<Integer> release(HolderId holder, String resource) {
    return release(holder, LockCommand.NO_TOKEN, resource);
  }

  /**
   * Releases one count of a session holder's hold (or cancels its wait).
   *
   * @param holder the holder
   * @param sessionToken the token of the holder's session (ignored for an owner-only holder)
   * @param resource the resource
   * @return how many counts the holder still holds; fails with {@link LockError#NOT_HOLDER}, or
   *     {@link LockError#SESSION_TOKEN_MISMATCH} for a wrong token
   */
  public CompletionStage<Integer> release(HolderId holder, String sessionToken, String resource) {
    return write(new LockCommand.Release(stamp(), holder, resource, sessionToken)).thenApply(r ->
        r instanceof LockResult.Released rel ? rel.remainingCount() : 0);
  }

  /**
   * Reads a resource's holders, mode, tokens and waiters linearizably (ReadIndex).
   *
   * @param resource the resource
   * @return its state
   */
  public CompletionStage<LockView> state(String resource) {
    return bound().linearizableRead(() -> machine.view(resource));
  }

  /** The open sessions, read linearizably. */
  public CompletionStage<List<SessionView>> sessions() {
    return bound().linearizableRead(machine::sessions);
  }

  /** Stops the maintenance loop (the Raft server is closed by its owner). */
  @Override
  public synchronized void close() {
    if (maintenance != null) {
      maintenance.cancel(false);
    }
    if (ownScheduler) {
      scheduler.shutdownNow();
    }
    for (CompletableFuture<LockGrant> f : waiting.values()) {
      f.completeExceptionally(new LockException(LockError.WAIT_ENDED, "lock service closed"));
    }
    waiting.clear();
    queued.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // internals

  /**
   * The time stamped into the next command: this node's wall clock, but never more than the
   * previous stamp plus the monotonic time elapsed since it (Chubby, section 2.8: a lease is
   * timed by elapsed time, not by a clock that may jump). A forward jump of the wall clock, by
   * NTP or an operator, then cannot expire every session at once; stamps follow the wall clock
   * again as soon as it is not ahead of that bound. A backward jump is followed (the replicated
   * clock never runs back, it takes the largest stamp). A new leader's first stamps may still
   * come from a clock far ahead; its {@link LockCommand.GrantGrace} gives every session a full
   * TTL from them first.
   */
  private synchronized long stamp() {
    // Monotonic time first: the pair kept below must never hold a monotonic reading newer than
    // the wall reading it was capped with, or every later stamp would lag the wall clock by the
    // time that passed between the two reads, and leases would stop expiring when they should.
    long mono = elapsed.millis();
    long wall = clock.millis();
    long s = wall;
    if (stamped) {
      long ceiling = saturatedAdd(lastStampMillis, Math.max(0, mono - lastStampElapsedMillis));
      s = Math.min(wall, ceiling);
    }
    stamped = true;
    lastStampMillis = s;
    lastStampElapsedMillis = mono;
    return s;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  private RaftServer bound() {
    RaftServer s = server;
    if (s == null) {
      throw new IllegalStateException("LockService.bind(server) was not called");
    }
    return s;
  }

  private CompletionStage<LockResult> write(LockCommand command) {
    return bound().propose(LockCodec.encode(command)).thenApply(o -> {
      LockResult r = (LockResult) o;
      if (r instanceof LockResult.Refused refused) {
        throw new LockException(refused.error(), refused.detail());
      }
      return r;
    });
  }

  /** Apply-thread callback: settles queued acquires of this node, then tells the mirror. */
  private void onApplied(long index, LockCommand command, LockResult result,
      List<LockEvent> events) {
    for (LockEvent e : events) {
      if (e instanceof LockGrant g) {
        queued.remove(g.requestId());
        CompletableFuture<LockGrant> f = waiting.remove(g.requestId());
        if (f != null) {
          f.complete(g);
        }
      } else if (e instanceof LockEvent.WaitEnded w) {
        queued.remove(w.requestId());
        CompletableFuture<LockGrant> f = waiting.remove(w.requestId());
        if (f != null) {
          LockError error = w.reason() == LockEvent.Reason.TIMED_OUT
              ? LockError.TIMED_OUT : LockError.WAIT_ENDED;
          f.completeExceptionally(new LockException(error, "wait for " + w.resource() + " ended: "
              + w.reason()));
        }
      }
    }
    try {
      mirror.onApplied(index, command, result, events);
    } catch (RuntimeException e) {
      LOG.warn("lock listener failed at index {}", index, e);
    }
  }

  /**
   * Apply-thread callback after a snapshot replaced the table: a queued request whose grant (or
   * end) the snapshot covers gets no event, so its outcome is read from the restored table. A
   * request that holds gets its grant; one still queued keeps waiting; a queued one in neither
   * state ended inside the snapshot. Requests whose proposal is still open are left to it.
   */
  private void onRestored(long index, SortedSet<String> resources) {
    if (!waiting.isEmpty()) {
      Map<Long, Optional<LockGrant>> outcomes = machine.requestOutcomes(Set.copyOf(
          waiting.keySet()));
      for (Long requestId : List.copyOf(waiting.keySet())) {
        Optional<LockGrant> outcome = outcomes.get(requestId);
        if (outcome != null && outcome.isPresent()) {
          queued.remove(requestId);
          CompletableFuture<LockGrant> f = waiting.remove(requestId);
          if (f != null) {
            f.complete(outcome.get());
          }
        } else if (outcome != null) {
          queued.add(requestId);
        } else if (queued.remove(requestId)) {
          CompletableFuture<LockGrant> f = waiting.remove(requestId);
          if (f != null) {
            f.completeExceptionally(new LockException(LockError.WAIT_ENDED, "the wait ended"
                + " inside a snapshot installed up to index " + index + " (not held now)"));
          }
        }
      }
    }
    try {
      mirror.onRestored(index, resources);
    } catch (RuntimeException e) {
      LOG.warn("lock listener failed on restore at index {}", index, e);
    }
  }

  /** Runs on the maintenance thread: the leader's grace, then due expiries. */
  private void maintain() {
    RaftServer s = server;
    if (s == null) {
      return;
    }
    RaftStatus status = s.status();
    if (!status.isLeader() || !maintenanceInFlight.compareAndSet(false, true)) {
      return;
    }
    long term = status.term();
    long now = stamp();
    CompletionStage<?> step;
    if (graceTerm != term) {
      step = write(new LockCommand.GrantGrace(now)).thenAccept(r -> graceTerm = term);
    } else {
      step = dueExpiries(s, now);
    }
    step.whenComplete((r, e) -> {
      maintenanceInFlight.set(false);
      if (e != null) {
        LOG.debug("lock maintenance step failed: {}", e.toString());
      }
    });
  }

  private CompletionStage<?> dueExpiries(RaftServer s, long now) {
    CompletableFuture<long[]> due = new CompletableFuture<>();
    s.execute(() -> {
      OptionalLong session = machine.nextSessionExpiry();
      OptionalLong wait = machine.nextWaitDeadline();
      due.complete(new long[] {
          session.isPresent() ? session.getAsLong() : Long.MAX_VALUE,
          wait.isPresent() ? wait.getAsLong() : Long.MAX_VALUE});
    });
    return due.thenCompose(d -> {
      CompletionStage<?> sessions = d[0] <= now
          ? write(new LockCommand.ExpireSessions(now)) : CompletableFuture.completedFuture(null);
      return sessions.thenCompose(x -> d[1] <= now
          ? write(new LockCommand.ExpireWaits(now)) : CompletableFuture.completedFuture(null));
    });
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof java.util.concurrent.CompletionException
        || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
