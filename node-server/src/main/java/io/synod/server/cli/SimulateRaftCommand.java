package io.synod.server.cli;

import io.synod.raft.Mutant;
import io.synod.raft.sim.SimOptions;
import io.synod.raft.sim.SimResult;
import io.synod.raft.sim.Simulation;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synod simulate raft}: seeded simulations of a whole Raft cluster (key-value clients,
 * linearizability checked) on a simulated network with loss, duplication, reordering,
 * partitions, pauses and crashes (some inside an fsync), with membership changes and snapshots.
 * The Raft safety properties are checked after every event.
 *
 * <p>Prints one line per failing seed with the command that replays it, and ends with exactly
 * {@code simulate raft: N seeds, K violations}; the exit status is 1 when K > 0 (2 on bad
 * options). Seeds run {@code --jobs} at a time; the output does not depend on that.
 */
@Command(name = "raft", mixinStandardHelpOptions = true,
    description = "Simulate a Raft cluster (key-value clients) under faults.")
final class SimulateRaftCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin SeedRange range;

  @Option(names = "--steps", defaultValue = "20000",
      description = "Events per seed before the liveness phase (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--nodes", defaultValue = "3", description = "Initial voters: 3 or 5 (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--membership", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Membership changes: grow, shrink, replace, remove the leader (default on; --no-membership).")
  boolean membership;

  @Option(names = "--snapshots", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Snapshots, log compaction and InstallSnapshot (default on; --no-snapshots).")
  boolean snapshots;

  @Option(names = "--faults", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Network faults, pauses and crashes (default on; --no-faults).")
  boolean faults;

  @Option(names = "--bug", defaultValue = "none",
      description = "Test only: break one rule to see it caught (the mutation score in "
          + "docs/SIMULATION.md): none, vote-without-log-check, commit-previous-term-by-counting, "
          + "read-without-heartbeat-quorum, read-before-own-term-commit, send-before-sync, "
          + "keep-suffix-on-snapshot-install, apply-twice-after-restart, "
          + "removed-node-keeps-running.")
  String bug;

  @Option(names = "--trace", description = "After each failing seed, print its options and last events.")
  boolean trace;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String b = bug.toLowerCase(Locale.ROOT);
    Set<Mutant> mutants;
    try {
      mutants = b.equals("none") ? Set.of() : Set.of(Mutant.ofCliName(b));
    } catch (IllegalArgumentException e) {
      err.println("synod simulate raft: unknown --bug '" + bug + "'");
      return 2;
    }
    if (!range.valid() || steps < 1 || (nodes != 3 && nodes != 5)) {
      err.println("synod simulate raft: need --seeds >= 1, --steps >= 1 and --nodes 3 or 5");
      return 2;
    }
    int[] violations = {0};
    // seeds are independent: they run --jobs at a time and are printed in seed order
    range.run("raft", seed -> Simulation.run(SimOptions.draw(seed, nodes, steps, faults,
        membership, snapshots, mutants)), r -> !r.ok(), r -> {
          if (!r.ok()) {
            violations[0]++;
            out.println("seed " + r.seed() + ": " + r.violation() + " -- replay: "
                + r.replayCommand());
            if (trace) {
              out.print(r.report());
            }
          } else if (range.verbose) {
            out.println("seed " + r.seed() + ": ok (" + r.stats() + ")");
          }
          out.flush();
        }, err);
    return range.summary(out, "raft", violations[0]);
  }
}
