package io.synod.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.client.LockMode;
import io.synod.transport.http.client.SynodClient;
import io.synod.transport.http.client.SynodLocks;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: the blocking views of the Java client ({@link SynodLocks}) against a real node:
 * {@link Lock} semantics per thread (reentrant, unlock by a non-holder refused), timed waits,
 * shared and exclusive, grants with fencing tokens that close, the session kept alive past its
 * TTL, and a close that frees every lock.
 */
class SynodLocksIT {
  private static SynodNode node;
  private static SynodClient client;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private SynodLocks locks;

  @BeforeAll
  static void start() {
    int port = TestHttp.freePort();
    node = new SynodNode(NodeConfig.of(Map.of("NODE_ID", "locks-it",
        "HTTP_PORT", Integer.toString(port), "HTTP_HOST", "127.0.0.1"))).start();
    assertTrue(node.awaitLockLeader(Duration.ofSeconds(30)));
    client = SynodClient.create(URI.create("http://127.0.0.1:" + port));
  }

  @AfterAll
  static void stop() {
    client.close();
    node.close();
  }

  @BeforeEach
  void open() throws InterruptedException {
    locks = SynodLocks.open(client, Duration.ofSeconds(10));
  }

  @AfterEach
  void close() {
    locks.close();
    threads.shutdownNow();
  }

  private <T> T elsewhere(java.util.concurrent.Callable<T> task) throws Exception {
    return threads.submit(task).get(30, TimeUnit.SECONDS);
  }

  @Test
  void aLockIsTheCallingThreadsAndReentrant() throws Exception {
    Lock lock = locks.lock("it-reentrant");
    lock.lock();
    lock.lock(); // the server counts a second hold of the same owner
    assertFalse((boolean) elsewhere(lock::tryLock), "another thread cannot take it");
    lock.unlock();
    assertFalse((boolean) elsewhere(lock::tryLock), "still held once");
    assertThrows(IllegalMonitorStateException.class, () -> {
      try {
        elsewhere(() -> {
          lock.unlock();
          return null;
        });
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause();
      }
    }, "a thread that does not hold it cannot unlock it");
    lock.unlock();
    assertThrows(IllegalMonitorStateException.class, lock::unlock, "nothing left to unlock");
    assertTrue((boolean) elsewhere(() -> {
      boolean got = lock.tryLock();
      lock.unlock();
      return got;
    }), "free once both holds are released");
  }

  @Test
  void aTimedWaitIsGrantedWhenTheHolderLetsGo() throws Exception {
    Lock lock = locks.lock("it-timed");
    lock.lock();
    CompletableFuture<Boolean> waiting = new CompletableFuture<>();
    Future<?> waiter = threads.submit(() -> {
      try {
        boolean got = lock.tryLock(20, TimeUnit.SECONDS);
        waiting.complete(got);
        if (got) {
          lock.unlock();
        }
      } catch (Throwable e) {
        waiting.completeExceptionally(e);
      }
    });
    TimeUnit.MILLISECONDS.sleep(300);
    assertFalse(waiting.isDone(), "queued behind the holder");
    lock.unlock();
    assertTrue(waiting.get(30, TimeUnit.SECONDS), "granted once released");
    waiter.get(30, TimeUnit.SECONDS);
  }

  @Test
  void readersShareAndAWriterWaitsForThem() throws Exception {
    ReadWriteLock rw = locks.readWriteLock("it-rw");
    rw.readLock().lock();
    assertTrue((boolean) elsewhere(() -> rw.readLock().tryLock()), "a second reader shares it");
    // a thread of its own: a pooled thread that took the read lock would ask for an upgrade
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      assertFalse(writer.submit(() -> rw.writeLock().tryLock(200, TimeUnit.MILLISECONDS))
          .get(30, TimeUnit.SECONDS), "a writer waits for the readers");
    } finally {
      writer.shutdownNow();
    }
    rw.readLock().unlock();
  }

  @Test
  void grantsCarryIncreasingFencingTokensAndReleaseWhenClosed() throws Exception {
    long first;
    try (SynodLocks.Held held = locks.acquire("it-held", LockMode.EXCLUSIVE, Duration.ZERO)) {
      first = held.fencingToken();
      assertTrue(first > 0, "a token from the /v1 API");
      assertThrows(TimeoutException.class,
          () -> locks.acquire("it-held", LockMode.EXCLUSIVE, Duration.ofMillis(200)));
      assertEquals(Optional.empty(), locks.tryAcquire("it-held", LockMode.SHARED)
          .map(h -> "granted"));
    }
    try (SynodLocks.Held next = locks.acquire("it-held", LockMode.EXCLUSIVE, Duration.ZERO)) {
      assertTrue(next.fencingToken() > first, next.fencingToken() + " after " + first);
    }
  }

  @Test
  void theSessionOutlivesItsTtlWhileOpenAndClosingFreesItsLocks() throws Exception {
    try (SynodLocks shortLived = SynodLocks.open(client, Duration.ofMillis(600))) {
      Lock lock = shortLived.lock("it-lease");
      lock.lock();
      TimeUnit.MILLISECONDS.sleep(2_000); // three TTLs: only the keep-alive holds it
      assertFalse(locks.tryAcquire("it-lease", LockMode.EXCLUSIVE).isPresent(),
          "still held: the session was kept alive");
      assertFalse(shortLived.lost().toCompletableFuture().isDone());
    }
    // closed with the lock held: the server freed it with the session
    Optional<SynodLocks.Held> after = locks.tryAcquire("it-lease", LockMode.EXCLUSIVE);
    assertTrue(after.isPresent(), "free once the session closed");
    after.get().close();
    assertThrows(IllegalStateException.class, () -> {
      SynodLocks gone = SynodLocks.open(client, Duration.ofSeconds(5));
      gone.close();
      gone.lock("it-closed").lock();
    }, "a closed instance refuses to lock");
  }
}
