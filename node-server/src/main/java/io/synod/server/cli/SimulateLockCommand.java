package io.synod.server.cli;

import io.synod.raft.lock.sim.LockRaftSimulation;
import io.synod.raft.lock.sim.LockReplicaSimulation;
import io.synod.raft.lock.sim.LockSimResult;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synod simulate lock}: many lock clients contending for few resources under leader
 * changes, clock skew, election gaps, lagging and crashing replicas; checks mutual exclusion,
 * fencing, leases, deadlock freedom and liveness after every event. Prints one line per failing
 * seed with the command that replays it ({@code --trace} adds the last events) and ends with
 * {@code simulate lock: N seeds, K violations}; exit status 1 when K > 0. With {@code --on-raft}
 * (or {@code --mode raft}) the real lock state machine runs on every replica of the Raft
 * simulator, with crashes, partitions, snapshot install, leader and membership changes between the
 * clients and the table ({@link LockRaftSimulation}).
 */
@Command(name = "lock", mixinStandardHelpOptions = true,
    description = "Simulate lock clients contending through a replicated lock table under faults.")
final class SimulateLockCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin SeedRange range;

  @Option(names = "--steps", defaultValue = "2500",
      description = "Events per seed before the final drain (default 2500).")
  int steps;

  @Option(names = "--bug", defaultValue = "none",
      description = "Test only: break one rule to see it caught: none, exclusive-over-shared, "
          + "reuse-token, no-deadlock-check, keep-holds-on-expiry, no-grace.")
  String bug;

  @Option(names = "--on-raft",
      description = "Run the lock state machine on the Raft simulator (same as --mode raft).")
  boolean onRaft;

  @Option(names = "--mode", defaultValue = "log",
      description = "log (one agreed log, default) or raft (the Raft simulator underneath).")
  String mode;

  @Option(names = "--trace", description = "After each failing seed, print its options and last events.")
  boolean trace;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LockReplicaSimulation.Bug chosen;
    try {
      chosen = LockReplicaSimulation.Bug.valueOf(bug.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      err.println("synod: unknown --bug '" + bug + "'");
      return 2;
    }
    boolean raft = onRaft || "raft".equals(mode);
    if (!raft && !"log".equals(mode)) {
      err.println("synod: unknown --mode '" + mode + "' (log or raft)");
      return 2;
    }
    if (!range.valid() || steps < 1) {
      err.println("synod: --seeds and --steps must be positive");
      return 2;
    }
    int[] violations = {0};
    range.run("lock", seed -> raft ? LockRaftSimulation.run(seed, steps, chosen)
        : LockReplicaSimulation.run(seed, steps, chosen), r -> !r.ok(), r -> {
          if (!r.ok()) {
            violations[0]++;
            out.println("seed " + r.seed() + ": " + r.violation() + " -- replay: " + r.replay());
            if (trace) {
              out.print(r.report());
            }
          } else if (range.verbose) {
            out.println("seed " + r.seed() + ": ok (" + r.stats() + ")");
          }
          out.flush();
        }, err);
    return range.summary(out, "lock", violations[0]);
  }
}
