package io.synod.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.lock.LockError;
import io.synod.raft.lock.LockException;
import io.synod.server.service.ServiceException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** How the lock service's refusals reach HTTP clients. */
class LockFailureMappingTest {

  @ParameterizedTest
  @EnumSource(LockError.class)
  void everyRefusalOfTheLockTableIsAClientErrorWithASnakeCaseCode(LockError error) {
    ServiceException se = PublicApi.lockFailure(
        new CompletionException(new LockException(error, "detail of " + error)));
    assertTrue(se.status() >= 400 && se.status() < 500, error + " -> " + se.status());
    assertEquals(se.error().toLowerCase(Locale.ROOT), se.error());
    assertTrue(se.getMessage().contains("detail of " + error));
  }

  @Test
  void theFirstSystemsCodesAreKept() {
    assertEquals("lock_held",
        PublicApi.lockFailure(new LockException(LockError.WOULD_BLOCK, "x")).error());
    assertEquals(409,
        PublicApi.lockFailure(new LockException(LockError.WOULD_BLOCK, "x")).status());
    assertEquals("not_held",
        PublicApi.lockFailure(new LockException(LockError.NOT_HOLDER, "x")).error());
    assertEquals("timeout",
        PublicApi.lockFailure(new LockException(LockError.TIMED_OUT, "x")).error());
    assertEquals(404,
        PublicApi.lockFailure(new LockException(LockError.UNKNOWN_SESSION, "x")).status());
  }

  @Test
  void aLimitOfTheLockTableIsTooManyRequests() {
    ServiceException se = PublicApi.lockFailure(new CompletionException(
        new LockException(LockError.LIMIT_EXCEEDED, "r has 10000 holders")));
    assertEquals(429, se.status());
    assertEquals("limit_exceeded", se.error());
    assertTrue(se.getMessage().contains("10000 holders"), se.getMessage());
  }

  @Test
  void aLeaderChangeIsARetryableUnavailability() {
    ServiceException se = PublicApi.lockFailure(
        new NotLeaderException(NodeId.of("node2"), NodeId.of("node1")));
    assertEquals(503, se.status());
    assertEquals("not_leader", se.error());
    assertTrue(se.getMessage().contains("node1"), se.getMessage());
  }
}
