package io.synod.server.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LockTableTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final LockTable table = new LockTable(now::get, 100);

  @Test
  void sharedHoldersCoexistAndExcludeAnExclusiveRequest() {
    table.tryAcquire("r", LockMode.SHARED, "a", null, 0);
    table.tryAcquire("r", LockMode.SHARED, "b", null, 0);
    ServiceException e =
        assertThrows(
            ServiceException.class, () -> table.tryAcquire("r", LockMode.EXCLUSIVE, "c", null, 0));
    assertEquals(409, e.status());
    assertEquals("lock_held", e.error());
  }

  @Test
  void anExclusiveHolderExcludesEveryoneElse() {
    table.tryAcquire("r", LockMode.EXCLUSIVE, "a", null, 0);
    assertThrows(ServiceException.class, () -> table.tryAcquire("r", LockMode.SHARED, "b", null, 0));
    assertThrows(
        ServiceException.class, () -> table.tryAcquire("r", LockMode.EXCLUSIVE, "b", null, 0));
    table.release("r", "a");
    table.tryAcquire("r", LockMode.EXCLUSIVE, "b", null, 0);
  }

  @Test
  void fencingTokensIncreaseStrictlyPerResourceAcrossReleases() {
    long t1 = table.tryAcquire("r", LockMode.EXCLUSIVE, "a", null, 0).fencingToken();
    table.release("r", "a");
    long t2 = table.tryAcquire("r", LockMode.EXCLUSIVE, "b", null, 0).fencingToken();
    table.release("r", "b");
    long t3 = table.tryAcquire("r", LockMode.SHARED, "c", null, 0).fencingToken();
    assertTrue(t1 < t2 && t2 < t3, t1 + " " + t2 + " " + t3);
    assertEquals(1, table.tryAcquire("other", LockMode.SHARED, "c", null, 0).fencingToken());
  }

  @Test
  void reacquiringByTheSameOwnerIsReentrantAndKeepsTheToken() {
    long t = table.tryAcquire("r", LockMode.EXCLUSIVE, "a", null, 0).fencingToken();
    assertEquals(t, table.tryAcquire("r", LockMode.EXCLUSIVE, "a", null, 0).fencingToken());
  }

  @Test
  void releaseByANonHolderIsRefusedAndChangesNothing() {
    table.tryAcquire("r", LockMode.EXCLUSIVE, "a", null, 0);
    ServiceException e = assertThrows(ServiceException.class, () -> table.release("r", "b"));
    assertEquals("not_held", e.error());
    assertEquals(true, table.describe("r").get("held"));
  }

  @Test
  void waitersAreGrantedInFifoOrderAndAWaitingWriterIsNotOvertaken() throws Exception {
    table.tryAcquire("r", LockMode.SHARED, "a", null, 0);
    CompletableFuture<LockTable.Grant> writer =
        table.acquire("r", LockMode.EXCLUSIVE, "w", null, 0, 10_000);
    assertFalse(writer.isDone());
    // a later shared request must not jump the queued writer
    assertThrows(ServiceException.class, () -> table.tryAcquire("r", LockMode.SHARED, "b", null, 0));
    CompletableFuture<LockTable.Grant> reader =
        table.acquire("r", LockMode.SHARED, "c", null, 0, 10_000);
    table.release("r", "a");
    assertTrue(writer.isDone());
    assertFalse(reader.isDone());
    table.release("r", "w");
    assertEquals("c", reader.get().owner());
  }

  @Test
  void aWaitEndsWithTimeoutWhenTheDeadlinePasses() {
    table.tryAcquire("r", LockMode.EXCLUSIVE, "a", null, 0);
    CompletableFuture<LockTable.Grant> w =
        table.acquire("r", LockMode.EXCLUSIVE, "b", null, 0, 500);
    now.addAndGet(501);
    table.expire();
    ExecutionException e = assertThrows(ExecutionException.class, w::get);
    assertEquals("timeout", ((ServiceException) e.getCause()).error());
    assertEquals(0, table.describe("r").get("waiters"));
  }

  @Test
  void aLeaseExpiresAndFreesTheLock() {
    table.tryAcquire("r", LockMode.EXCLUSIVE, "a", null, 1_000);
    now.addAndGet(999);
    table.expire();
    assertEquals(true, table.describe("r").get("held"));
    now.addAndGet(2);
    assertEquals(1, table.expire());
    assertEquals(false, table.describe("r").get("held"));
  }

  @Test
  void aSessionKeptAliveKeepsItsLocksAndAnExpiredOneLosesThem() {
    String s = table.openSession(1_000);
    table.tryAcquire("r", LockMode.EXCLUSIVE, "a", s, 0);
    now.addAndGet(800);
    table.keepAlive(s);
    now.addAndGet(800);
    table.expire();
    assertEquals(true, table.describe("r").get("held"));
    now.addAndGet(300);
    table.expire();
    assertEquals(false, table.describe("r").get("held"));
    assertThrows(ServiceException.class, () -> table.keepAlive(s));
    assertThrows(
        ServiceException.class, () -> table.tryAcquire("x", LockMode.SHARED, "a", s, 0));
  }

  @Test
  void closingASessionFreesItsLocksAndGrantsWaiters() throws Exception {
    String s = table.openSession(60_000);
    table.tryAcquire("r", LockMode.EXCLUSIVE, "a", s, 0);
    CompletableFuture<LockTable.Grant> w =
        table.acquire("r", LockMode.SHARED, "b", null, 0, 10_000);
    table.closeSession(s);
    assertEquals("b", w.get().owner());
  }
}
