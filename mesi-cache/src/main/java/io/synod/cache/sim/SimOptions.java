package io.synod.cache.sim;

import io.synod.cache.Invariants;
import io.synod.cache.WritePolicy;
import io.synod.cache.store.PolicyKind;
import java.util.EnumSet;
import java.util.Set;

/**
 * Options of one simulated run. The fault "weather" (delays, rates, durations, capacity, key
 * count, operation mix) is drawn from the seed; these options fix the shape.
 *
 * @param seed the seed
 * @param nodes number of nodes, at least 2
 * @param opsPerNode client operations each node issues
 * @param writePolicy the write policy of every node
 * @param policy the replacement policy of every node
 * @param faults the kinds of fault injected (see {@link SimFault})
 * @param skipOneInvalidation test-only broken rule: the directory skips one invalidation
 * @param ignoreLease test-only broken rule: copies are served after their lease ran out
 */
public record SimOptions(
    long seed,
    int nodes,
    int opsPerNode,
    WritePolicy writePolicy,
    PolicyKind policy,
    Set<SimFault> faults,
    boolean skipOneInvalidation,
    boolean ignoreLease) {

  /** Default operations per node. */
  public static final int DEFAULT_OPS_PER_NODE = 40;

  /** Checks ranges and freezes the fault set. */
  public SimOptions {
    Invariants.require(nodes >= 2 && nodes <= 16, "nodes must be in [2, 16]");
    Invariants.require(opsPerNode >= 1, "opsPerNode must be >= 1");
    faults = faults.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(faults));
  }

  /**
   * The options of the original simulator: non-home crashes only, or no fault at all.
   *
   * @param seed the seed
   * @param nodes number of nodes
   * @param opsPerNode operations per node
   * @param writePolicy the write policy
   * @param policy the replacement policy
   * @param crashes whether non-home nodes crash
   * @param skipOneInvalidation the test-only broken rule
   */
  public SimOptions(long seed, int nodes, int opsPerNode, WritePolicy writePolicy,
      PolicyKind policy, boolean crashes, boolean skipOneInvalidation) {
    this(seed, nodes, opsPerNode, writePolicy, policy,
        crashes ? EnumSet.of(SimFault.CRASH) : EnumSet.noneOf(SimFault.class),
        skipOneInvalidation, false);
  }

  /**
   * Options with a set of faults and no broken rule.
   *
   * @param seed the seed
   * @param nodes number of nodes
   * @param opsPerNode operations per node
   * @param writePolicy the write policy
   * @param policy the replacement policy
   * @param faults the faults
   */
  public SimOptions(long seed, int nodes, int opsPerNode, WritePolicy writePolicy,
      PolicyKind policy, Set<SimFault> faults) {
    this(seed, nodes, opsPerNode, writePolicy, policy, faults, false, false);
  }

  /**
   * The default options for a seed: 3 nodes, write-back, LRU, non-home crashes.
   *
   * @param seed the seed
   * @return the options
   */
  public static SimOptions defaults(long seed) {
    return new SimOptions(seed, 3, DEFAULT_OPS_PER_NODE, WritePolicy.WRITE_BACK, PolicyKind.LRU,
        true, false);
  }

  /**
   * Whether non-home nodes crash.
   *
   * @return true when {@link SimFault#CRASH} is on
   */
  public boolean crashes() {
    return faults.contains(SimFault.CRASH);
  }

  /**
   * Whether any fault beyond non-home crashes is on (pauses, partitions, loss, home crashes):
   * the faults under which operations may time out with an unknown outcome.
   *
   * @return true when one is on
   */
  public boolean hardFaults() {
    return faults.stream().anyMatch(f -> f != SimFault.CRASH);
  }

  /**
   * Returns a copy with another seed.
   *
   * @param newSeed the seed
   * @return the options
   */
  public SimOptions withSeed(long newSeed) {
    return new SimOptions(newSeed, nodes, opsPerNode, writePolicy, policy, faults,
        skipOneInvalidation, ignoreLease);
  }
}
