package io.synod.raft.lock.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.lock.sim.LockReplicaSimulation.Bug;
import java.util.ArrayList;
import java.util.List;

/** The seed loops both lock simulations' tests share (on replicas and on Raft). */
final class LockSimRuns {

  /** One simulation run: {@code LockReplicaSimulation::run} or {@code LockRaftSimulation::run}. */
  @FunctionalInterface
  interface Runner {
    LockSimResult run(long seed, int steps, Bug bug);
  }

  private LockSimRuns() {}

  /** Asserts that seeds 1..seeds all keep every lock rule, quoting the first three that do not. */
  static void assertEverySeedPasses(Runner runner, int seeds, int steps) {
    List<String> failures = new ArrayList<>();
    for (long seed = 1; seed <= seeds; seed++) {
      LockSimResult r = runner.run(seed, steps, Bug.NONE);
      if (!r.ok()) {
        failures.add(r.report());
      }
    }
    assertTrue(failures.isEmpty(), failures.size() + " of " + seeds + " seeds failed:\n"
        + String.join("\n", failures.subList(0, Math.min(3, failures.size()))));
  }

  /**
   * Asserts that {@code bug} is caught within seeds 1..seeds with a violation naming {@code
   * expected}, a replay line naming the bug, and that the failing seed replays exactly.
   *
   * @return the first failing run
   */
  static LockSimResult assertCaught(Runner runner, int seeds, int steps, Bug bug,
      String expected) {
    LockSimResult caught = null;
    for (long seed = 1; seed <= seeds && caught == null; seed++) {
      LockSimResult r = runner.run(seed, steps, bug);
      if (!r.ok()) {
        caught = r;
      }
    }
    assertNotNull(caught, bug + " was not caught in " + seeds + " seeds");
    assertTrue(caught.violation().contains(expected), caught.report());
    assertTrue(caught.replay().contains("--bug " + bug.cliName()), caught.replay());
    assertEquals(caught, runner.run(caught.seed(), steps, bug));
    return caught;
  }
}
