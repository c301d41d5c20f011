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
    long events) {

  /**
   * Whether no violation was found.
   *
   * @return true when correct
   */
  public boolean ok() {
    return violations.isEmpty();
  }
}
