package io.synod.raft.lock.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.lock.sim.LockReplicaSimulation.Bug;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("simulation")
class LockRaftSimulationTest {

  private static final int SEEDS = Math.max(40, Integer.getInteger("synod.sim.lockraft.seeds", 40));
  private static final int STEPS = 6_000;

  @Test
  void everySeedKeepsEveryLockRuleOnRaft() {
    List<String> failures = new ArrayList<>();
    for (long seed = 1; seed <= SEEDS; seed++) {
      LockSimResult r = LockRaftSimulation.run(seed, STEPS, Bug.NONE);
      if (!r.ok()) {
        failures.add(r.report());
      }
    }
    assertTrue(failures.isEmpty(), failures.size() + " of " + SEEDS + " seeds failed:\n"
        + String.join("\n", failures.subList(0, Math.min(3, failures.size()))));
  }

  @Test
  void aSeedReplaysToTheSameOutcome() {
    assertEquals(LockRaftSimulation.run(7, STEPS, Bug.NONE),
        LockRaftSimulation.run(7, STEPS, Bug.NONE));
  }

  @Test
  void exclusiveOverSharedIsCaughtOnRaft() {
    LockSimResult caught = null;
    for (long seed = 1; seed <= 50 && caught == null; seed++) {
      LockSimResult r = LockRaftSimulation.run(seed, STEPS, Bug.EXCLUSIVE_OVER_SHARED);
      if (!r.ok()) {
        caught = r;
      }
    }
    assertNotNull(caught, "exclusive-over-shared was not caught in 50 seeds");
    assertTrue(caught.violation().contains("mutual exclusion"), caught.report());
    assertTrue(caught.replay().contains("--on-raft") && caught.replay()
        .contains("--bug exclusive-over-shared"), caught.replay());
    assertEquals(caught, LockRaftSimulation.run(caught.seed(), STEPS, Bug.EXCLUSIVE_OVER_SHARED));
  }

  @Test
  void reusedFencingTokenIsCaughtOnRaft() {
    LockSimResult caught = null;
    for (long seed = 1; seed <= 50 && caught == null; seed++) {
      LockSimResult r = LockRaftSimulation.run(seed, STEPS, Bug.REUSE_TOKEN);
      if (!r.ok()) {
        caught = r;
      }
    }
    assertNotNull(caught, "reuse-token was not caught in 50 seeds");
    assertTrue(caught.violation().contains("fencing token"), caught.report());
  }
}
