package io.synod.raft.lock.sim;

import io.synod.raft.lock.sim.LockReplicaSimulation.Bug;
import io.synod.raft.sim.SimOptions;
import io.synod.raft.sim.SimResult;
import io.synod.raft.sim.Simulation;
import java.util.Set;

/**
 * The lock service on the Raft simulator: {@link LockRaftWorkload}'s clients and the real
 * {@link io.synod.raft.lock.LockStateMachine} on every replica of {@link Simulation}, with every
 * fault, membership changes and snapshots (and their install) on. One seed replays one run.
 *
 * <p>Where {@link LockReplicaSimulation} replaces Raft by one agreed log to explore the lock
 * table's rules under clock skew, this mode puts the composition to the test: commands that
 * commit after their leader is gone, callers that never learn an outcome, replicas restored from
 * an installed snapshot.
 *
 * @since 1.0
 */
public final class LockRaftSimulation {

  /** Initial voters. */
  static final int NODES = 3;

  private LockRaftSimulation() {}

  /**
   * Runs one seed.
   *
   * @param seed the seed; the same seed replays the same run to the event
   * @param steps simulator events before the liveness phase
   * @param bug a deliberate bug, or {@link Bug#NONE}; {@link Bug#NO_GRACE} skips the grace command
   * @return the outcome, in the lock simulation's shape
   */
  public static LockSimResult run(long seed, int steps, Bug bug) {
    SimOptions opts = SimOptions.draw(seed, NODES, steps, true, true, true, Set.of());
    LockRaftWorkload w = new LockRaftWorkload(bug.mutant(), bug != Bug.NO_GRACE);
    SimResult r = Simulation.builder(opts)
        .stateMachines(w::newReplica)
        .workload(w)
        .checker(w::check)
        .build()
        .run();
    String replay = "./synod simulate lock --on-raft --seeds 1 --seed-base " + seed + " --steps "
        + steps + (bug == Bug.NONE ? "" : " --bug " + bug.cliName());
    return new LockSimResult(seed, "on-raft " + opts.describe() + " bug=" + bug.cliName(),
        r.violation(), r.trace(), r.stats(), replay);
  }
}
