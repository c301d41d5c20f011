package io.synod.server.chaos;

import static io.synod.server.chaos.ChaosHttp.Outcome.FAIL;
import static io.synod.server.chaos.ChaosHttp.Outcome.OK;
import static io.synod.server.chaos.ChaosHttp.Outcome.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.chaos.LockChecker.Attempt;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lock history checker on hand-made histories (times in nanoseconds of the run). */
class LockCheckerTest {
  private static final long NEVER = Long.MAX_VALUE;

  private static Attempt hold(String owner, long invoke, long complete, long token, long lease,
      long release) {
    return new Attempt("r", owner, invoke, complete, OK, token, lease, release);
  }

  @Test
  void holdsOneAfterTheOtherPass() {
    List<Attempt> h = List.of(hold("a", 0, 10, 1, 0, 50), hold("b", 40, 60, 2, 0, 90));
    assertEquals(List.of(), LockChecker.overlaps(h));
    assertEquals(List.of(), LockChecker.fencing(h));
  }

  @Test
  void aGrantWhileAnotherHoldsIsAViolation() {
    List<Attempt> h = List.of(hold("a", 0, 10, 1, 0, 100), hold("b", 20, 30, 2, 0, 120));
    List<Violation> v = LockChecker.overlaps(h);
    assertEquals(1, v.size());
    assertTrue(v.get(0).what().contains("b was granted"), v.get(0).what());
  }

  @Test
  void anUnknownAcquireNeverCountsAsHeld() {
    List<Attempt> h = List.of(
        new Attempt("r", "a", 0, 10, UNKNOWN, 0, 0, NEVER),
        new Attempt("r", "c", 0, 10, FAIL, 0, 0, NEVER),
        hold("b", 20, 30, 2, 0, 120));
    assertEquals(List.of(), LockChecker.overlaps(h));
  }

  @Test
  void aLeaseCountsOnlyUntilItCanHaveExpired() {
    // a's lease of 100 was opened after 0, so it surely lasts until 100, no longer
    List<Attempt> ok = List.of(hold("a", 0, 10, 1, 100, NEVER), hold("b", 100, 110, 2, 100, 150));
    assertEquals(List.of(), LockChecker.overlaps(ok));
    List<Attempt> bad = List.of(hold("a", 0, 10, 1, 100, NEVER), hold("b", 50, 60, 2, 100, 150));
    assertEquals(1, LockChecker.overlaps(bad).size());
  }

  @Test
  void holdsOfDifferentResourcesDoNotConflict() {
    List<Attempt> h = List.of(hold("a", 0, 10, 1, 0, 100),
        new Attempt("s", "b", 20, 30, OK, 1, 0, 120));
    assertEquals(List.of(), LockChecker.overlaps(h));
  }

  @Test
  void aSmallerTokenAfterALargerGrantIsAViolation() {
    List<Attempt> h = List.of(hold("a", 0, 10, 5, 0, 20), hold("b", 30, 40, 4, 0, 50));
    assertEquals(1, LockChecker.fencing(h).size());
  }

  @Test
  void aTokenGrantedTwiceIsAViolation() {
    List<Attempt> h = List.of(hold("a", 0, 10, 5, 0, 20), hold("b", 5, 40, 5, 0, 50));
    assertTrue(LockChecker.fencing(h).stream().anyMatch(v -> v.what().contains("both")));
  }

  @Test
  void concurrentGrantsMayCarryTokensInEitherOrder() {
    // neither answered before the other was sent: no order between them is implied
    List<Attempt> h = List.of(hold("a", 0, 30, 6, 0, 40), hold("b", 10, 20, 5, 0, 25));
    assertEquals(List.of(), LockChecker.fencing(h));
  }
}
