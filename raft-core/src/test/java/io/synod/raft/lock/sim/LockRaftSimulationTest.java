package io.synod.raft.lock.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.lock.sim.LockReplicaSimulation.Bug;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("simulation")
class LockRaftSimulationTest {

  private static final int SEEDS = Math.max(40, Integer.getInteger("synod.sim.lockraft.seeds", 40));
  private static final int STEPS = 6_000;

  @Test
  void everySeedKeepsEveryLockRuleOnRaft() {
    LockSimRuns.assertEverySeedPasses(LockRaftSimulation::run, SEEDS, STEPS);
  }

  @Test
  void aSeedReplaysToTheSameOutcome() {
    assertEquals(LockRaftSimulation.run(7, STEPS, Bug.NONE),
        LockRaftSimulation.run(7, STEPS, Bug.NONE));
  }

  @ParameterizedTest
  @CsvSource({"EXCLUSIVE_OVER_SHARED, mutual exclusion", "REUSE_TOKEN, fencing token"})
  void aBrokenRuleIsCaughtOnRaft(Bug bug, String expected) {
    LockSimResult caught =
        LockSimRuns.assertCaught(LockRaftSimulation::run, 50, STEPS, bug, expected);
    assertTrue(caught.replay().contains("--on-raft"), caught.replay());
  }
}
