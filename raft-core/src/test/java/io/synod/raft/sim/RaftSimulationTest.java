package io.synod.raft.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Runs the Raft simulator over many seeds with every fault, membership changes and snapshots on.
 * Seed count: {@code -Dsynod.sim.seeds} (the build passes 500); steps: {@code
 * -Dsynod.sim.steps} (default 20,000).
 */
class RaftSimulationTest {

  static final int SEEDS = Integer.getInteger("synod.sim.seeds", 100);
  static final int STEPS = Integer.getInteger("synod.sim.steps", 20_000);
  static final long BASE = Long.getLong("synod.sim.seedBase", 1L);

  static List<SimResult> runSeeds(int seeds, long base, java.util.function.LongFunction<SimOptions>
      options) {
    ConcurrentLinkedQueue<SimResult> failures = new ConcurrentLinkedQueue<>();
    LongStream.range(base, base + seeds).parallel().forEach(seed -> {
      SimResult r = Simulation.run(options.apply(seed));
      if (!r.ok()) {
        failures.add(r);
      }
    });
    List<SimResult> out = new ArrayList<>(failures);
    out.sort((a, b) -> Long.compare(a.seed(), b.seed()));
    return out;
  }

  @Test
  void threeNodesEveryFaultMembershipAndSnapshots() {
    List<SimResult> failures = runSeeds(SEEDS, BASE,
        seed -> SimOptions.draw(seed, 3, STEPS, true, true));
    assertTrue(failures.isEmpty(), () -> failures.size() + " failing seeds; first:\n"
        + failures.get(0).report());
  }

  /**
   * Seeds that once failed, kept green: 1000087 (5 nodes) tripped a leader-completeness check
   * that wrongly constrained a late, stale leader of an older term; 11304 (3 nodes) tripped the
   * linearizability check because a write still open when the run ended went unrecorded while a
   * read had already seen its value. Both were checker bugs, not Raft bugs.
   */
  @Test
  void formerlyFailingSeedsPass() {
    for (SimResult r : List.of(Simulation.run(SimOptions.draw(1_000_087, 5, 20_000, true, true)),
        Simulation.run(SimOptions.draw(11_304, 3, 20_000, true, true)))) {
      assertTrue(r.ok(), r::report);
    }
  }

  @Test
  void fiveNodesEveryFault() {
    List<SimResult> failures = runSeeds(Math.max(1, SEEDS / 5), BASE + 1_000_000,
        seed -> SimOptions.draw(seed, 5, STEPS, true, true));
    assertTrue(failures.isEmpty(), () -> failures.size() + " failing seeds; first:\n"
        + failures.get(0).report());
  }
}
