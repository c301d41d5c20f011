package io.synod.raft.lock.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.lock.sim.LockReplicaSimulation.Bug;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("simulation")
class LockSimulationTest {

  private static final int SEEDS = Math.max(300, Integer.getInteger("synod.sim.seeds", 300));
  private static final int STEPS = 2_500;

  @Test
  void everySeedKeepsEveryLockRule() {
    List<String> failures = new ArrayList<>();
    for (long seed = 1; seed <= SEEDS; seed++) {
      LockSimResult r = LockReplicaSimulation.run(seed, STEPS, Bug.NONE);
      if (!r.ok()) {
        failures.add(r.report());
      }
    }
    assertTrue(failures.isEmpty(), failures.size() + " of " + SEEDS + " seeds failed:\n"
        + String.join("\n", failures.subList(0, Math.min(3, failures.size()))));
  }

  @Test
  void aSeedReplaysToTheSameOutcome() {
    LockSimResult a = LockReplicaSimulation.run(42, STEPS, Bug.NONE);
    LockSimResult b = LockReplicaSimulation.run(42, STEPS, Bug.NONE);
    assertEquals(a, b);
  }

  @ParameterizedTest
  @CsvSource({
      "EXCLUSIVE_OVER_SHARED, mutual exclusion",
      "REUSE_TOKEN, fencing token",
      "NO_DEADLOCK_CHECK, deadlock",
      "KEEP_HOLDS_ON_EXPIRY, after its session ended",
      "NO_GRACE, lease safety"})
  void aBrokenRuleIsCaught(Bug bug, String expected) {
    LockSimResult caught = null;
    for (long seed = 1; seed <= 300 && caught == null; seed++) {
      LockSimResult r = LockReplicaSimulation.run(seed, STEPS, bug);
      if (!r.ok()) {
        caught = r;
      }
    }
    assertNotNull(caught, bug + " was not caught in 300 seeds");
    assertTrue(caught.violation().contains(expected), caught.report());
    assertTrue(caught.replay().contains("--bug " + bug.cliName()), caught.replay());
    // the failing seed replays exactly
    assertEquals(caught, LockReplicaSimulation.run(caught.seed(), STEPS, bug));
  }
}
