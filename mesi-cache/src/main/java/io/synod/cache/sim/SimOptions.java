package io.synod.cache.sim;

import io.synod.cache.Invariants;
import io.synod.cache.WritePolicy;
import io.synod.cache.store.PolicyKind;

/**
 * Options of one simulated run. The fault "weather" (delays, crash rate, capacity, key count,
 * operation mix) is drawn from the seed; these options fix the shape.
 *
 * @param seed the seed
 * @param nodes number of nodes, at least 2
 * @param opsPerNode client operations each node issues
 * @param writePolicy the write policy of every node
 * @param policy the replacement policy of every node
 * @param crashes whether nodes crash (and restart empty)
 * @param skipOneInvalidation test-only broken rule: the directory skips one invalidation
 */
public record SimOptions(
    long seed,
    int nodes,
    int opsPerNode,
    WritePolicy writePolicy,
    PolicyKind policy,
    boolean crashes,
    boolean skipOneInvalidation) {

  /** Default operations per node. */
  public static final int DEFAULT_OPS_PER_NODE = 40;

  /** Checks ranges. */
  public SimOptions {
    Invariants.require(nodes >= 2 && nodes <= 16, "nodes must be in [2, 16]");
    Invariants.require(opsPerNode >= 1, "opsPerNode must be >= 1");
  }

  /**
   * The default options for a seed: 3 nodes, write-back, LRU, crashes on.
   *
   * @param seed the seed
   * @return the options
   */
  public static SimOptions defaults(long seed) {
    return new SimOptions(seed, 3, DEFAULT_OPS_PER_NODE, WritePolicy.WRITE_BACK, PolicyKind.LRU,
        true, false);
  }

  /**
   * Returns a copy with another seed.
   *
   * @param newSeed the seed
   * @return the options
   */
  public SimOptions withSeed(long newSeed) {
    return new SimOptions(newSeed, nodes, opsPerNode, writePolicy, policy, crashes,
        skipOneInvalidation);
  }
}
