package io.synod.transport.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each server error the client knows fails a call with its own type, keeping every field. */
class ErrorTypesTest {

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      "400, missing_field, InvalidRequestException",
      "413, body_too_large, InvalidRequestException",
      "422, invalid_value, InvalidRequestException",
      "431, too_many_headers, InvalidRequestException",
      "404, unknown_session, UnknownSessionException",
      "404, unknown_topic, SynodException",
      "409, lock_held, LockHeldException",
      "409, deadlock, DeadlockException",
      "409, timeout, LockRefusedException",
      "409, not_held, LockRefusedException",
      "409, upgrade_conflict, LockRefusedException",
      "409, something_new, SynodException",
      "429, topic_full, LimitReachedException",
      "429, limit_reached, LimitReachedException",
      "429, overloaded, SynodException",
      "503, no_leader, NotLeaderException",
      "503, not_leader, NotLeaderException",
      "503, not_owner, NotLeaderException",
      "503, unavailable, SynodException",
      "502, http_502, SynodException"})
  void theStatusAndCodeNameTheType(int status, String code, String type) {
    for (boolean unknown : new boolean[] {false, true}) {
      SynodException e = RequestExecutor.errorFor(status, code, "the detail", "n2", unknown);
      assertEquals(type, e.getClass().getSimpleName());
      assertEquals(status, e.status());
      assertEquals(code, e.error());
      assertEquals("the detail", e.detail());
      assertEquals("n2", e.node());
      assertEquals(unknown, e.outcomeUnknown(), "an earlier send's unknown outcome is kept");
    }
  }

  @ParameterizedTest
  @CsvSource({"false", "true"})
  void aForeignSessionTokenIsADefiniteRefusal(boolean unknown) {
    SynodException e = RequestExecutor.errorFor(403, SessionTokenMismatchException.CODE, "no",
        "n1", unknown);
    assertSame(SessionTokenMismatchException.class, e.getClass());
    assertFalse(e.outcomeUnknown(), "the server refused it before anything changed");
  }
}
