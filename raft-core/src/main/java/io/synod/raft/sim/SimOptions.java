package io.synod.raft.sim;

import io.synod.raft.Mutant;
import io.synod.raft.RaftConfig;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The options of one simulated seed. The caller fixes the shape (seed, node count, steps, which
 * features and faults are on, test-only bugs); the fault rates and Raft tunables are drawn from
 * the seed (swarm testing: each seed explores a different mix), so the seed alone replays the run.
 *
 * @param seed the seed
 * @param nodes initial voters (3 or 5)
 * @param steps events to run before the liveness phase
 * @param faults whether network, crash and pause faults are injected
 * @param membership whether membership changes run (grow, shrink, replace, remove the leader)
 * @param snapshots whether nodes snapshot and compact (InstallSnapshot then runs)
 * @param mutants test-only: protocol rules broken on purpose ({@link Mutant}), to see them caught
 * @param lossRate probability a message is dropped
 * @param dupRate probability a message is delivered twice
 * @param maxDelay maximum message delay in units (reordering comes from the spread)
 * @param faultInterval mean units between fault events
 * @param crashDuringSyncRate share of crashes that strike inside a sync
 * @param clients number of clients
 * @param keys number of keys
 * @param snapshotThreshold entries applied between snapshots
 * @param maxEntriesPerAppend drawn Raft tunable
 * @param maxInflight drawn Raft tunable
 * @param preVote drawn Raft tunable
 * @param checkQuorum drawn Raft tunable
 * @since 1.0
 */
public record SimOptions(
    long seed,
    int nodes,
    int steps,
    boolean faults,
    boolean membership,
    boolean snapshots,
    Set<Mutant> mutants,
    double lossRate,
    double dupRate,
    int maxDelay,
    int faultInterval,
    double crashDuringSyncRate,
    int clients,
    int keys,
    int snapshotThreshold,
    int maxEntriesPerAppend,
    int maxInflight,
    boolean preVote,
    boolean checkQuorum) {

  /** Units per Raft tick. */
  public static final int UNITS_PER_TICK = 10;

  /**
   * Draws the swarm options for {@code seed}.
   *
   * @param seed the seed
   * @param nodes 3 or 5
   * @param steps events before the liveness phase
   * @param membership membership changes on
   * @param snapshots snapshots on
   */
  public static SimOptions draw(long seed, int nodes, int steps, boolean membership,
      boolean snapshots) {
    return draw(seed, nodes, steps, true, membership, snapshots, Set.of());
  }

  /** Draws the swarm options with every switch explicit. */
  public static SimOptions draw(long seed, int nodes, int steps, boolean faults,
      boolean membership, boolean snapshots, Set<Mutant> mutants) {
    SplittableRandom r = new SplittableRandom(seed);
    double loss = pick(r, 0.0, 0.01, 0.05, 0.15);
    double dup = pick(r, 0.0, 0.01, 0.05);
    int maxDelay = (int) pick(r, 2, 8, 20, 40);
    int faultInterval = (int) pick(r, 40, 150, 600);
    double crashInSync = pick(r, 0.1, 0.3, 0.6);
    if (faults) {
      // every fault on: draw rates, but never zero
      loss = Math.max(loss, 0.002);
      dup = Math.max(dup, 0.002);
    } else {
      loss = 0;
      dup = 0;
    }
    int clients = 2 + r.nextInt(4);
    int keys = 2 + r.nextInt(6);
    int snapThreshold = (int) pick(r, 16, 64, 256);
    int maxEntries = (int) pick(r, 1, 3, 64);
    int maxInflight = (int) pick(r, 1, 4, 64);
    boolean preVote = r.nextInt(4) != 0;
    boolean checkQuorum = r.nextInt(4) != 0;
    return new SimOptions(seed, nodes, steps, faults, membership, snapshots, Set.copyOf(mutants),
        loss, dup, maxDelay, faultInterval, crashInSync, clients, keys, snapThreshold,
        maxEntries, maxInflight, preVote, checkQuorum);
  }

  private static double pick(SplittableRandom r, double... choices) {
    return choices[r.nextInt(choices.length)];
  }

  /** The Raft tunables of this run. */
  public RaftConfig raftConfig() {
    return RaftConfig.builder()
        .electionTimeoutTicks(10)
        .heartbeatIntervalTicks(2)
        .maxEntriesPerAppend(maxEntriesPerAppend)
        .maxInflightAppends(maxInflight)
        .maxBytesPerAppend(1 << 16)
        .snapshotChunkBytes(64)
        .preVote(preVote)
        .checkQuorum(checkQuorum)
        .build();
  }

  /** The options as one line. */
  public String describe() {
    return String.format(java.util.Locale.ROOT,
        "nodes=%d steps=%d faults=%s membership=%s snapshots=%s loss=%.3f dup=%.3f maxDelay=%d"
            + " faultInterval=%d crashInSync=%.1f clients=%d keys=%d snapshotEvery=%d"
            + " maxEntries=%d maxInflight=%d preVote=%s checkQuorum=%s%s",
        nodes, steps, faults, membership, snapshots, lossRate, dupRate, maxDelay, faultInterval,
        crashDuringSyncRate, clients, keys, snapshotThreshold, maxEntriesPerAppend, maxInflight,
        preVote, checkQuorum, mutantNames(" BUG:"));
  }

  /** The CLI command that replays this seed. */
  public String replayCommand() {
    return "./synod simulate raft --seeds 1 --seed-base " + seed + " --steps " + steps
        + " --nodes " + nodes + (membership ? "" : " --no-membership")
        + (snapshots ? "" : " --no-snapshots") + (faults ? "" : " --no-faults")
        + mutantNames(" --bug ");
  }

  private String mutantNames(String prefix) {
    StringBuilder b = new StringBuilder();
    for (Mutant m : new java.util.TreeSet<>(mutants)) {
      b.append(prefix).append(m.cliName());
    }
    return b.toString();
  }
}
