package io.synod.cache.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.cache.WritePolicy;
import io.synod.cache.store.PolicyKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs the cache simulation over many seeds ({@code -Dsynod.sim.seeds}, default 300) for each
 * write policy, with non-home crashes and with every fault (pauses past the failure timeout,
 * partitions, loss, home crashes), and shows the checkers catch broken rules.
 */
@Tag("simulation")
class CacheSimulationTest {
  private static final int SEEDS = Integer.getInteger("synod.sim.seeds", 300);

  @ParameterizedTest
  @EnumSource(WritePolicy.class)
  void everySeedKeepsSwmrDataValueAndLinearizability(WritePolicy writePolicy) {
    List<String> failures = new ArrayList<>();
    long transactions = 0;
    long crashes = 0;
    long hits = 0;
    for (int s = 0; s < SEEDS; s++) {
      SimOptions o = new SimOptions(s, 3, SimOptions.DEFAULT_OPS_PER_NODE, writePolicy,
          s % 2 == 0 ? PolicyKind.LRU : PolicyKind.LFU, true, false);
      SimResult r = CacheSimulation.run(o);
      transactions += r.transactionsChecked();
      crashes += r.crashes();
      hits += r.hits();
      if (!r.ok()) {
        failures.add("seed " + s + " [" + r.weather() + "]: " + r.violations().get(0)
            + "\n  replay: " + CacheSimulation.replayCommand(o));
      }
    }
    assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())));
    // the runs must actually exercise the protocol: misses, hits and crashes
    assertTrue(transactions > SEEDS, "too few misses: " + transactions);
    assertTrue(hits > SEEDS, "too few hits: " + hits);
    assertTrue(crashes > 0, "no crash was injected");
  }

  @ParameterizedTest
  @EnumSource(WritePolicy.class)
  void everySeedHoldsUnderEveryFaultAndEveryKeyAnswersAfterHealing(WritePolicy writePolicy) {
    // before the leases, resends and incarnations (issue 16) about 9 seeds in 10 failed here:
    // two Modified copies after a pause, keys wedged by one lost message, lost data after a
    // home restart
    List<String> failures = new ArrayList<>();
    long pauses = 0;
    long partitions = 0;
    long lost = 0;
    long homeCrashes = 0;
    // a fifth of the seeds keeps the default build quick; ./synod simulate cache --faults all
    // --seeds 2000 is the long run
    for (int s = 0; s < Math.max(60, SEEDS / 5); s++) {
      SimOptions o = new SimOptions(50_000 + s, 3, SimOptions.DEFAULT_OPS_PER_NODE, writePolicy,
          s % 2 == 0 ? PolicyKind.LRU : PolicyKind.LFU, SimFault.all());
      SimResult r = CacheSimulation.run(o);
      pauses += r.faults().pauses();
      partitions += r.faults().partitions();
      lost += r.faults().lost();
      homeCrashes += r.faults().homeCrashes();
      if (!r.ok()) {
        failures.add("seed " + o.seed() + " [" + r.weather() + "]: " + r.violations().get(0)
            + "\n  replay: " + CacheSimulation.replayCommand(o));
      }
    }
    assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())));
    assertTrue(pauses > 0 && partitions > 0 && lost > 0 && homeCrashes > 0,
        "every fault must be injected: pauses " + pauses + ", partitions " + partitions
            + ", lost " + lost + ", home crashes " + homeCrashes);
  }

  @Test
  void aBrokenLeaseCheckIsCaught() {
    int caught = 0;
    for (int s = 0; s < 50; s++) {
      SimOptions o = new SimOptions(s, 3, SimOptions.DEFAULT_OPS_PER_NODE,
          WritePolicy.WRITE_BACK, PolicyKind.LRU, SimFault.all(), false, true);
      if (!CacheSimulation.run(o).ok()) {
        caught++;
      }
    }
    assertTrue(caught >= 15, "serving past the lease was caught in only " + caught + " of 50");
  }

  @Test
  void theBrokenLeaseCheckIsHarmlessWithoutPausesOrPartitions() {
    // the checkers blame the lease only where it matters: with no node cut off, nobody gives a
    // copy away behind its holder's back
    for (int s = 0; s < 20; s++) {
      SimOptions o = new SimOptions(s, 3, SimOptions.DEFAULT_OPS_PER_NODE,
          WritePolicy.WRITE_BACK, PolicyKind.LRU, java.util.EnumSet.of(SimFault.LOSS), false,
          true);
      SimResult r = CacheSimulation.run(o);
      assertTrue(r.ok(), () -> "seed " + o.seed() + ": " + r.violations());
    }
  }

  @Test
  void fiveNodesWithoutCrashesAlsoHold() {
    for (int s = 0; s < Math.max(20, SEEDS / 10); s++) {
      SimOptions o = new SimOptions(10_000 + s, 5, 30, WritePolicy.WRITE_BACK, PolicyKind.LRU,
          false, false);
      SimResult r = CacheSimulation.run(o);
      assertTrue(r.ok(), () -> "seed " + o.seed() + ": " + r.violations());
    }
  }

  @ParameterizedTest
  @EnumSource(WritePolicy.class)
  void fiveNodesWithTwoCrashableNodesHold(WritePolicy writePolicy) {
    // nodes n4 and n5 may crash close together: chains of forwards through two dead nodes
    for (int s = 0; s < Math.max(30, SEEDS / 10); s++) {
      SimOptions o = new SimOptions(20_000 + s, 5, 30, writePolicy,
          s % 2 == 0 ? PolicyKind.LRU : PolicyKind.LFU, true, false);
      SimResult r = CacheSimulation.run(o);
      assertTrue(r.ok(), () -> "seed " + o.seed() + ": " + r.violations() + "\n  replay: "
          + CacheSimulation.replayCommand(o));
    }
  }

  /**
   * Seeds that broke the crash handling while it was being fixed (stuck transactions after a
   * probed read was served twice, recalls answered for the wrong forward or lost with their
   * entry, forward chains through two dead nodes, a restarted node withholding data): kept as
   * regression cases whatever the default seed range becomes.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
      "7, 3, WRITE_BACK", "35, 3, WRITE_BACK", "48, 3, WRITE_BACK", "201, 3, WRITE_BACK",
      "463, 3, WRITE_BACK", "766, 3, WRITE_BACK", "59, 3, WRITE_THROUGH", "145, 3, WRITE_THROUGH",
      "486, 3, WRITE_THROUGH", "721, 3, WRITE_THROUGH", "0, 5, WRITE_BACK",
      "12, 5, WRITE_THROUGH", "26, 5, WRITE_THROUGH", "41, 5, WRITE_THROUGH",
      "59, 5, WRITE_THROUGH", "100, 5, WRITE_THROUGH", "716, 5, WRITE_THROUGH"})
  void formerlyFailingSeedsHold(long seed, int nodes, WritePolicy writePolicy) {
    SimOptions o = new SimOptions(seed, nodes, SimOptions.DEFAULT_OPS_PER_NODE, writePolicy,
        seed % 2 == 0 ? PolicyKind.LRU : PolicyKind.LFU, true, false);
    SimResult r = CacheSimulation.run(o);
    assertTrue(r.ok(), () -> r.violations() + "\n  replay: " + CacheSimulation.replayCommand(o));
  }

  @Test
  void skippingOneInvalidationIsCaught() {
    int caught = 0;
    for (int s = 0; s < 50; s++) {
      SimOptions o = new SimOptions(s, 3, SimOptions.DEFAULT_OPS_PER_NODE,
          WritePolicy.WRITE_BACK, PolicyKind.LRU, false, true);
      if (!CacheSimulation.run(o).ok()) {
        caught++;
      }
    }
    assertTrue(caught >= 25, "the broken rule was caught in only " + caught + " of 50 seeds");
  }

  /**
   * Seeds that broke the lease protocol while it was being built (a resent Inv or Collect
   * answered "nothing held" and overtook the answer with the data; a stale Collect took a line
   * granted after it; a write-back's lost acknowledgement turned into a refusal; a node declared
   * down handed stale data to a restarted home; a later read used an answer meant for an
   * abandoned one).
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
      "145, none, WRITE_BACK", "698, crash, WRITE_BACK", "656, all, WRITE_BACK",
      "125, all, WRITE_BACK", "82, all, WRITE_THROUGH", "2625, all, WRITE_THROUGH",
      "290, all, WRITE_THROUGH", "19, none, WRITE_BACK"})
  void formerlyFailingLeaseSeedsHold(long seed, String faults, WritePolicy writePolicy) {
    SimOptions o = new SimOptions(seed, 3, SimOptions.DEFAULT_OPS_PER_NODE, writePolicy,
        seed % 2 == 0 ? PolicyKind.LRU : PolicyKind.LFU, SimFault.parse(faults));
    SimResult r = CacheSimulation.run(o);
    assertTrue(r.ok(), () -> r.violations() + "\n  replay: " + CacheSimulation.replayCommand(o));
  }

  @Test
  void aSeedReplaysToTheSameResult() {
    SimOptions o = new SimOptions(42, 3, SimOptions.DEFAULT_OPS_PER_NODE,
        WritePolicy.WRITE_BACK, PolicyKind.LRU, SimFault.all());
    SimResult a = CacheSimulation.run(o);
    SimResult b = CacheSimulation.run(o);
    assertEquals(a, b);
  }
}
