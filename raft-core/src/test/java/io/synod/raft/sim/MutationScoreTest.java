package io.synod.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.Mutant;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The simulator's checks bite: with one protocol rule broken on purpose ({@link Mutant}), seeds
 * with every fault, membership changes and snapshots on must report violations. CI runs a few
 * seeds per mutant (the first seeds that catch each, found with {@code ./synod simulate raft
 * --seeds 200 --bug NAME}); the full table over 200 seeds is in docs/SIMULATION.md.
 */
class MutationScoreTest {

  /** Seeds that catch each mutant; each must keep catching it, and replay to the same event. */
  static long[] seedsCatching(Mutant m) {
    return switch (m) {
      case VOTE_WITHOUT_LOG_CHECK -> new long[] {1, 5};
      case COMMIT_PREVIOUS_TERM_BY_COUNTING -> new long[] {1, 5};
      case READ_WITHOUT_HEARTBEAT_QUORUM -> new long[] {1, 2};
      case READ_BEFORE_OWN_TERM_COMMIT -> new long[] {20, 31};
      case SEND_BEFORE_SYNC -> new long[] {2, 4};
      case KEEP_SUFFIX_ON_SNAPSHOT_INSTALL -> new long[] {8, 16};
      case APPLY_TWICE_AFTER_RESTART -> new long[] {1, 2};
      case REMOVED_NODE_KEEPS_RUNNING -> new long[] {2, 3};
      case FOLLOWER_READ_WITHOUT_APPLY_WAIT -> new long[] {1, 2};
    };
  }

  /**
   * The kind of violation that must catch each mutant: a safety check where the bug is a safety
   * bug. {@code commit-previous-term-by-counting} is still caught only by the liveness phase
   * (its leader skips the no-op); see docs/SIMULATION.md.
   */
  static String caughtBy(Mutant m) {
    return switch (m) {
      case VOTE_WITHOUT_LOG_CHECK -> "leader completeness";
      case COMMIT_PREVIOUS_TERM_BY_COUNTING -> "liveness";
      case READ_WITHOUT_HEARTBEAT_QUORUM, READ_BEFORE_OWN_TERM_COMMIT,
          FOLLOWER_READ_WITHOUT_APPLY_WAIT -> "linearizability";
      case SEND_BEFORE_SYNC -> "committed-entry durability";
      case KEEP_SUFFIX_ON_SNAPSHOT_INSTALL -> "log matching";
      case APPLY_TWICE_AFTER_RESTART -> "node ";
      case REMOVED_NODE_KEEPS_RUNNING -> "membership";
    };
  }

  static SimOptions options(long seed, Mutant m) {
    return SimOptions.draw(seed, 3, 20_000, true, true, true, Set.of(m));
  }

  @ParameterizedTest
  @EnumSource(Mutant.class)
  void theSeedsThatCaughtEachMutantStillCatchItAndReplay(Mutant m) {
    long[] seeds = seedsCatching(m);
    List<SimResult> results = LongStream.of(seeds).parallel()
        .mapToObj(s -> Simulation.run(options(s, m))).toList();
    for (SimResult r : results) {
      assertFalse(r.ok(), () -> m + " not caught by seed " + r.seed() + " any more");
      assertTrue(r.violation().startsWith(caughtBy(m)),
          () -> m + " caught by seed " + r.seed() + " but not by " + caughtBy(m) + ": "
              + r.violation());
      assertTrue(r.report().contains("replay:") && r.report().contains("--bug " + m.cliName()),
          r::report);
      assertFalse(r.trace().isEmpty(), "a trace is reported");
      SimResult again = Simulation.run(r.options());
      assertEquals(r.violation(), again.violation(), "the seed replays to the same violation");
      assertEquals(r.steps(), again.steps());
    }
  }
}
