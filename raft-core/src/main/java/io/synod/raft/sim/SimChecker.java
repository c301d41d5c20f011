package io.synod.raft.sim;

/**
 * An extra invariant checked after every simulation event (the built-in Raft safety checks run
 * anyway). Must be cheap: it runs tens of thousands of times per seed.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface SimChecker {

  /** Returns a description of the violation, or {@code null} when all is well. */
  String check(SimCluster cluster);
}
