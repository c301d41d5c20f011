package io.synod.cache.sim;

import java.util.List;

/**
 * The outcome of one simulated seed.
 *
 * @param seed the seed
 * @param weather the fault parameters drawn from the seed, for the failure report
 * @param violations every invariant violation found, empty when the run is correct
 * @param opsCompleted client operations that completed
 * @param hits operations served as hits
 * @param messages coherence messages sent
 * @param transactionsChecked miss transactions whose message count was checked
 * @param crashes node crashes injected
 * @param events events processed
 * @param faults what the hard faults did (all zero without them)
 */
public record SimResult(
    long seed,
    String weather,
    List<String> violations,
    long opsCompleted,
    long hits,
    long messages,
    long transactionsChecked,
    int crashes,
    long events,
    Faults faults) {

  /**
   * What the hard faults did in one run.
   *
   * @param homeCrashes crashes of nodes that are homes of some key
   * @param pauses pauses longer than the failure timeout
   * @param partitions partitions (each healed later)
   * @param lost messages lost (on a lossy or cut link)
   * @param timedOut client operations abandoned after the client's timeout (outcome unknown)
   * @param failed client operations answered with an error (outcome unknown)
   */
  public record Faults(int homeCrashes, int pauses, int partitions, long lost, long timedOut,
      long failed) {}

  /**
   * Whether no violation was found.
   *
   * @return true when correct
   */
  public boolean ok() {
    return violations.isEmpty();
  }
}
