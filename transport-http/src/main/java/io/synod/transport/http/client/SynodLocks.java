package io.synod.transport.http.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Blocking locks over the lock service, in the shapes of {@code java.util.concurrent.locks}
 * ({@link Lock}, {@link ReadWriteLock}) and as {@link AutoCloseable} grants, with the lease kept
 * alive for the caller. Compare Redisson's {@code RLock} and Curator's {@code
 * InterProcessMutex}.
 *
 * <pre>{@code
 * try (SynodLocks locks = SynodLocks.open(client, Duration.ofSeconds(10))) {
 *   try (SynodLocks.Held held = locks.acquire("orders", LockMode.EXCLUSIVE, Duration.ofSeconds(5))) {
 *     storage.write(data, held.fencingToken()); // storage refuses tokens lower than one it saw
 *   }
 *   Lock lock = locks.lock("orders");
 *   lock.lock();
 *   try { ... } finally { lock.unlock(); }
 * }
 * }</pre>
 *
 * <p><b>Session.</b> {@link #open} opens one lock session with the given TTL and keeps it alive
 * (every third of the TTL); every lock is held in it, so a process that dies or is cut off loses
 * its locks once the TTL runs out, and {@link #close} frees them all at once. When the session is
 * lost (expired, or its token refused), {@link #lost()} completes exceptionally and every later
 * call fails with {@link IllegalStateException}: stop acting on the locks. Fencing tokens are the
 * guard for the time between the loss and the caller noticing it.
 *
 * <p><b>Owners.</b> The {@link Lock} views follow {@code ReentrantLock}: the owner is the calling
 * thread (this instance's id and the thread's id), a thread may lock again (the server counts),
 * and {@link Lock#unlock} by a thread that does not hold the lock throws {@link
 * IllegalMonitorStateException}. The read and write locks of one {@link ReadWriteLock} share the
 * thread's owner, so the server's rules for a holder asking another mode apply (a reader asking to
 * write waits for the other readers; see the lock service's upgrade rule). {@link Held} grants
 * belong to whoever holds the object: any thread may close them.
 *
 * <p><b>Waiting.</b> {@link Lock#lock} waits without limit, in server-side waits of at most a
 * minute each (between two the request leaves the resource's FIFO queue and enters it again at
 * the back). An interrupted or timed-out wait whose grant arrives late releases that grant.
 * An acquire whose outcome is unknown (the connection failed after sending) is released before it
 * is tried again, unless the thread already held the lock (then the count is unknown and the call
 * fails with that {@link SynodException}).
 *
 * <p>{@link Lock#newCondition} is not supported.
 *
 * @since 1.0
 */
public final class SynodLocks implements AutoCloseable {
  /** The longest single server-side wait of {@link Lock#lock}. */
  static final Duration WAIT_CHUNK = Duration.ofMinutes(1);

  private final LockCommands commands;
  private final LockSession session;
  private final SessionKeepAlive keepAlive;
  private final String id;
  /** Per owner and resource, how many holds this instance has granted and not released. */
  private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private SynodLocks(LockCommands commands, LockSession session, SessionKeepAlive keepAlive) {
    this.commands = commands;
    this.session = session;
    this.keepAlive = keepAlive;
    this.id = UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Opens a lock session on {@code client} and keeps it alive until {@link #close}.
   *
   * @param client the client (not closed by this object)
   * @param ttl the session's lease: how long the locks outlive a silent process
   * @return the locks of the new session
   * @throws SynodException when the session cannot be opened
   * @throws InterruptedException when interrupted while opening it
   */
  public static SynodLocks open(SynodClient client, Duration ttl) throws InterruptedException {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(ttl, "ttl");
    LockCommands commands = client.locks();
    LockSession session = await(commands.openSession(ttl));
    Duration every = ttl.dividedBy(3).isZero() ? Duration.ofMillis(1) : ttl.dividedBy(3);
    return new SynodLocks(commands, session, commands.keepAliveEvery(session, every));
  }

  /** @return the session every lock is held in */
  public LockSession session() {
    return session;
  }

  /** @return completes exceptionally when the session is lost; never completes normally */
  public CompletionStage<Void> lost() {
    return keepAlive.lost();
  }

  /**
   * An exclusive lock on {@code resource}, owned by the calling thread.
   *
   * @param resource the resource
   * @return a view; cheap, not cached
   */
  public Lock lock(String resource) {
    return new View(LockRequest.requireName(resource, "resource"), LockMode.EXCLUSIVE);
  }

  /**
   * A shared (read) and exclusive (write) lock on {@code resource}, owned by the calling thread.
   *
   * @param resource the resource
   * @return the pair
   */
  public ReadWriteLock readWriteLock(String resource) {
    LockRequest.requireName(resource, "resource");
    Lock read = new View(resource, LockMode.SHARED);
    Lock write = new View(resource, LockMode.EXCLUSIVE);
    return new ReadWriteLock() {
      @Override
      public Lock readLock() {
        return read;
      }

      @Override
      public Lock writeLock() {
        return write;
      }
    };
  }

  /**
   * Acquires a lock for an owner of this instance's own (not the thread), waiting at most
   * {@code wait}; the grant releases it when closed.
   *
   * @param resource the resource
   * @param mode shared or exclusive
   * @param wait how long to wait; zero to fail at once when busy
   * @return the grant
   * @throws TimeoutException when the wait ended first
   * @throws InterruptedException when interrupted (a grant arriving later is released)
   * @throws SynodException any other refusal ({@link DeadlockException}, ...)
   */
  public Held acquire(String resource, LockMode mode, Duration wait)
      throws TimeoutException, InterruptedException {
    String owner = id + "-held-" + UUID.randomUUID().toString().substring(0, 8);
    LockGrant g = acquire(LockRequest.of(resource, owner).withMode(mode), wait, false);
    if (g == null) {
      throw new TimeoutException("lock " + resource + " not granted within " + wait);
    }
    return new Held(g);
  }

  /**
   * Acquires a lock if it is free now.
   *
   * @param resource the resource
   * @param mode shared or exclusive
   * @return the grant, or empty when busy
   * @throws InterruptedException when interrupted
   */
  public Optional<Held> tryAcquire(String resource, LockMode mode) throws InterruptedException {
    try {
      return Optional.of(acquire(resource, mode, Duration.ZERO));
    } catch (TimeoutException busy) {
      return Optional.empty();
    }
  }

  /**
   * Stops keeping the session alive and closes it: the server frees every lock held in it.
   * Waits for the close to be answered (a lost answer leaves the locks to the session's TTL).
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    keepAlive.close();
    try {
      await(commands.closeSession(session));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (UnknownSessionException gone) {
      // already expired: its locks are free
    }
  }

  /**
   * One acquire for {@code request}'s owner in the session, waiting in server-side chunks until
   * {@code wait} (null: no limit) ends. Returns null when the wait ended without a grant.
   */
  private LockGrant acquire(LockRequest request, Duration wait, boolean reentrant)
      throws InterruptedException {
    checkUsable();
    long deadline = wait == null ? Long.MAX_VALUE : System.nanoTime() + wait.toNanos();
    LockRequest inSession = request.withSession(session);
    while (true) {
      long left = wait == null ? WAIT_CHUNK.toNanos() : deadline - System.nanoTime();
      Duration chunk = Duration.ofNanos(Math.max(0, Math.min(left, WAIT_CHUNK.toNanos())));
      CompletableFuture<LockGrant> f = commands.acquire(inSession.withWait(chunk))
          .toCompletableFuture();
      try {
        LockGrant g = f.get();
        counts.merge(key(g.resource(), g.owner()), 1, Integer::sum);
        return g;
      } catch (InterruptedException e) {
        // the server may still grant this request: give back what comes too late
        f.thenCompose(late -> commands.release(late)).exceptionally(x -> null);
        throw e;
      } catch (ExecutionException e) {
        Throwable c = RequestExecutor.unwrap(e);
        boolean waitEnded = c instanceof LockHeldException
            || (c instanceof LockRefusedException r && "timeout".equals(r.error()));
        if (waitEnded) {
          if (wait != null && System.nanoTime() - deadline >= 0) {
            return null;
          }
          checkUsable();
          continue; // a chunk of a longer wait ended: ask again
        }
        if (c instanceof SynodException se && se.outcomeUnknown() && !reentrant) {
          // it may hold now: free it (a release of a lock not held is answered as done), then
          // ask again while the wait lasts
          await(commands.release(request.resource(), request.owner(), session)
              .exceptionally(x -> null));
          if (wait != null && System.nanoTime() - deadline >= 0) {
            return null;
          }
          continue;
        }
        throw c instanceof RuntimeException re ? re : new SynodException(0, "client_error",
            String.valueOf(c.getMessage()), null, false, c);
      }
    }
  }

  private void release(String resource, String owner) throws InterruptedException {
    String k = key(resource, owner);
    if (counts.getOrDefault(k, 0) == 0) {
      throw new IllegalMonitorStateException(owner + " does not hold " + resource);
    }
    await(commands.release(resource, owner, session));
    counts.computeIfPresent(k, (x, n) -> n <= 1 ? null : n - 1);
  }

  private void checkUsable() {
    if (closed) {
      throw new IllegalStateException("these locks are closed");
    }
    CompletableFuture<Void> l = keepAlive.lost().toCompletableFuture();
    if (l.isCompletedExceptionally()) {
      throw new IllegalStateException("lock session " + session.sessionId()
          + " is lost: its locks are gone", RequestExecutor.unwrap(l.handle((v, e) -> e).join()));
    }
  }

  private static String key(String resource, String owner) {
    return owner + '\u0000' + resource;
  }

  private static <T> T await(CompletionStage<T> s) throws InterruptedException {
    try {
      return s.toCompletableFuture().get();
    } catch (ExecutionException e) {
      Throwable c = RequestExecutor.unwrap(e);
      throw c instanceof RuntimeException re ? re : new SynodException(0, "client_error",
          String.valueOf(c.getMessage()), null, false, c);
    }
  }

  /** A lock held until closed; its fencing token orders it against every other grant. */
  public final class Held implements AutoCloseable {
    private final LockGrant grant;
    private volatile boolean released;

    private Held(LockGrant grant) {
      this.grant = grant;
    }

    /** @return the grant as the server gave it */
    public LockGrant grant() {
      return grant;
    }

    /** @return the fencing token: strictly increasing per resource with every new grant */
    public long fencingToken() {
      return grant.fencingToken();
    }

    /** Releases the lock (once; later calls do nothing). */
    @Override
    public void close() throws InterruptedException {
      if (!released) {
        released = true;
        release(grant.resource(), grant.owner());
      }
    }
  }

  /** One resource and mode, owned by the calling thread. */
  private final class View implements Lock {
    private final String resource;
    private final LockMode mode;

    View(String resource, LockMode mode) {
      this.resource = resource;
      this.mode = mode;
    }

    private LockRequest request() {
      return LockRequest.of(resource, id + "-t" + Thread.currentThread().getId()).withMode(mode);
    }

    private boolean holds(LockRequest r) {
      return counts.getOrDefault(key(resource, r.owner()), 0) > 0;
    }

    @Override
    public void lock() {
      boolean interrupted = false;
      while (true) {
        try {
          lockInterruptibly();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
      LockRequest r = request();
      acquire(r, null, holds(r));
    }

    @Override
    public boolean tryLock() {
      try {
        return tryLock(0, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
      LockRequest r = request();
      return acquire(r, Duration.ofNanos(Math.max(0, unit.toNanos(time))), holds(r)) != null;
    }

    @Override
    public void unlock() {
      try {
        release(resource, request().owner());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while releasing " + resource, e);
      }
    }

    @Override
    public Condition newCondition() {
      throw new UnsupportedOperationException("a distributed lock has no conditions");
    }
  }
}
