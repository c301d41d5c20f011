package io.synod.server.cli;

import io.synod.cache.WritePolicy;
import io.synod.cache.sim.CacheSimulation;
import io.synod.cache.sim.SimOptions;
import io.synod.cache.sim.SimResult;
import io.synod.cache.store.PolicyKind;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synod simulate cache}: seeded simulations of MESI cache nodes (random reads, writes and
 * evictions over a few hot keys, delayed and reordered messages, and the faults of
 * {@code --faults}: crashes, home crashes, pauses past the failure timeout, partitions, loss)
 * with the single-writer/multiple-reader and data-value invariants checked after every event,
 * a liveness phase after healing (every node reads every key), and per-key linearizability of
 * the client history (operations with unknown outcomes included) at the end. The last line is
 * {@code simulate cache: N seeds, K violations}; the exit code is 1 when K > 0.
 */
@Command(name = "cache", mixinStandardHelpOptions = true,
    description = "Simulate MESI cache nodes under delays, reordering, crashes, pauses,"
        + " partitions and loss.")
final class SimulateCacheCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin SeedRange range;

  @Option(names = "--nodes", defaultValue = "3", description = "Nodes, 2..16 (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--ops", defaultValue = "40", description = "Operations per node (default ${DEFAULT-VALUE}).")
  int ops;

  @Option(names = "--policy", defaultValue = "lru", description = "lru or lfu (default ${DEFAULT-VALUE}).")
  String policy;

  @Option(names = "--write-through", description = "Write-through instead of write-back.")
  boolean writeThrough;

  @Option(names = "--no-crashes", description = "Do not crash nodes.")
  boolean noCrashes;

  @Option(names = "--faults", description = "Faults to inject, comma-separated: crash (non-home"
      + " nodes), home-crash, pause (longer than the failure timeout), partition (asymmetric"
      + " too), loss; or all, or none. Overrides --no-crashes. Default: crash.")
  String faults;

  @Option(names = "--break-skip-invalidation", hidden = true,
      description = "Test only: the directory skips one invalidation, to see the checkers catch it.")
  boolean skipInvalidation;

  @Option(names = "--break-lease", hidden = true,
      description = "Test only: copies are served after their lease ran out, to see the checkers"
          + " catch it.")
  boolean breakLease;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PolicyKind kind;
    try {
      kind = PolicyKind.parse(policy);
    } catch (IllegalArgumentException e) {
      err.println("synod simulate cache: unknown --policy '" + policy + "' (use lru or lfu)");
      return 2;
    }
    if (!range.valid() || nodes < 2 || nodes > 16 || ops < 1) {
      err.println("synod simulate cache: need --seeds >= 1, --nodes in 2..16, --ops >= 1");
      return 2;
    }
    java.util.Set<io.synod.cache.sim.SimFault> faultSet;
    try {
      faultSet = faults != null ? io.synod.cache.sim.SimFault.parse(faults)
          : noCrashes ? java.util.EnumSet.noneOf(io.synod.cache.sim.SimFault.class)
          : java.util.EnumSet.of(io.synod.cache.sim.SimFault.CRASH);
    } catch (IllegalArgumentException e) {
      err.println("synod simulate cache: unknown --faults '" + faults
          + "' (use crash,home-crash,pause,partition,loss, all or none)");
      return 2;
    }
    // violations, lost, unknown, pauses, partitions, home crashes, ops, hits, messages,
    // checked, crashes
    long[] t = new long[11];
    long started = System.nanoTime();
    range.run("cache", seed -> CacheSimulation.run(options(seed, kind, faultSet)),
        r -> !r.ok(), r -> {
          t[0] += r.violations().size();
          t[1] += r.faults().lost();
          t[2] += r.faults().timedOut() + r.faults().failed();
          t[3] += r.faults().pauses();
          t[4] += r.faults().partitions();
          t[5] += r.faults().homeCrashes();
          t[6] += r.opsCompleted();
          t[7] += r.hits();
          t[8] += r.messages();
          t[9] += r.transactionsChecked();
          t[10] += r.crashes();
          if (range.verbose) {
            out.printf("seed %d: %d ops, %d hits, %d messages, %d crashes, %d violations%n",
                r.seed(), r.opsCompleted(), r.hits(), r.messages(), r.crashes(),
                r.violations().size());
          }
          if (!r.ok()) {
            out.println("seed " + r.seed() + " [" + r.weather() + "]:");
            r.violations().forEach(v -> out.println("  " + v));
            out.println("  replay: " + CacheSimulation.replayCommand(
                options(r.seed(), kind, faultSet)));
          }
          out.flush();
        }, err);
    long violations = t[0];
    long lost = t[1];
    long unknown = t[2];
    long pauses = t[3];
    long partitions = t[4];
    long homeCrashes = t[5];
    long opsDone = t[6];
    long hits = t[7];
    long messages = t[8];
    long checked = t[9];
    long crashes = t[10];
    out.printf("%d operations, %d hits, %d messages, %d misses,"
        + " %d crashes%n", opsDone, hits, messages, checked, crashes);
    if (!faultSet.isEmpty() && !faultSet.equals(java.util.Set.of(io.synod.cache.sim.SimFault.CRASH))) {
      out.printf("faults %s: %d home crashes, %d pauses, %d partitions, %d messages lost,"
          + " %d operations with unknown outcome; %.1f s%n",
          io.synod.cache.sim.SimFault.format(faultSet), homeCrashes, pauses, partitions, lost,
          unknown, (System.nanoTime() - started) / 1e9);
    }
    return range.summary(out, "cache", violations);
  }

  private SimOptions options(long seed, PolicyKind kind,
      java.util.Set<io.synod.cache.sim.SimFault> faultSet) {
    return new SimOptions(seed, nodes, ops,
        writeThrough ? WritePolicy.WRITE_THROUGH : WritePolicy.WRITE_BACK, kind, faultSet,
        skipInvalidation, breakLease);
  }
}
