package io.synod.raft.sim;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Proves the simulator's checks bite: with a safety rule broken on purpose (a test-only switch in
 * {@link io.synod.raft.RaftConfig}), some seed must report a violation.
 */
class SimulatorCatchesBugsTest {

  private static final int MAX_SEEDS = 200;

  private static Optional<SimResult> firstFailure(boolean bugVote, boolean bugCommit) {
    return LongStream.range(1, 1 + MAX_SEEDS).parallel()
        .mapToObj(seed -> Simulation.run(SimOptions.draw(seed, 3, 20_000, true, false, false,
            bugVote, bugCommit)))
        .filter(r -> !r.ok() && !r.violation().startsWith("liveness"))
        .findFirst();
  }

  private static void assertSafetyViolation(SimResult r) {
    String v = r.violation();
    org.junit.jupiter.api.Assertions.assertTrue(v.startsWith("election safety")
        || v.startsWith("log matching") || v.startsWith("leader completeness")
        || v.startsWith("state machine safety") || v.startsWith("linearizability")
        || v.startsWith("node "), () -> "not a safety violation: " + r.report());
    org.junit.jupiter.api.Assertions.assertTrue(r.report().contains("replay:"), r.report());
    org.junit.jupiter.api.Assertions.assertFalse(r.trace().isEmpty(), "a trace is reported");
    // the seed replays to the same violation
    SimResult again = Simulation.run(r.options());
    org.junit.jupiter.api.Assertions.assertEquals(r.violation(), again.violation());
    org.junit.jupiter.api.Assertions.assertEquals(r.steps(), again.steps());
  }

  @Test
  void catchesVotesGrantedWithoutTheLogCheck() {
    SimResult r = firstFailure(true, false).orElse(null);
    assertNotNull(r, "no seed in " + MAX_SEEDS + " caught the vote bug");
    assertSafetyViolation(r);
  }

  @Test
  void catchesCommitOfPreviousTermEntriesByCounting() {
    SimResult r = firstFailure(false, true).orElse(null);
    assertNotNull(r, "no seed in " + MAX_SEEDS + " caught the commit bug");
    assertSafetyViolation(r);
  }
}
