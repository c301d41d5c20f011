package io.synod.raft.lock.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.raft.lock.sim.LockReplicaSimulation.Bug;
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
    LockSimRuns.assertEverySeedPasses(LockReplicaSimulation::run, SEEDS, STEPS);
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
    LockSimRuns.assertCaught(LockReplicaSimulation::run, 300, STEPS, bug, expected);
  }
}
