package io.synod.server.cli;

import io.synod.queue.sim.QueueSimulation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synod simulate queue}: seeded simulations of queue nodes over a shared store (nodes,
 * producers, consumers) under message loss, delay, reordering and node crashes; with {@code
 * --raft}, the embedded queue's state machine on the Raft simulator ({@code RaftQueueWorkload}). The last line is
 * {@code simulate queue: N seeds, K violations}; the exit code is 1 when K > 0.
 */
@Command(name = "queue", mixinStandardHelpOptions = true,
    description = "Simulate queue nodes, producers and consumers under faults.")
final class SimulateQueueCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin SeedRange range;

  @Option(names = "--nodes", defaultValue = "3", description = "Nodes (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--loss", defaultValue = "0.03", description = "Message loss probability (default ${DEFAULT-VALUE}).")
  double loss;

  @Option(names = "--no-crashes", description = "Do not crash nodes.")
  boolean noCrashes;

  @Option(names = "--raft", description = "Simulate the embedded queue instead: its state"
      + " machine on the Raft simulator (crashes, partitions, snapshots, leader changes).")
  boolean raft;

  @Option(names = "--fault", hidden = true, defaultValue = "NONE",
      description = "Break a rule on purpose to see the checker catch it: ${COMPLETION-CANDIDATES}.")
  QueueSimulation.Fault fault;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!range.valid() || nodes < 2 || nodes > 9 || loss < 0 || loss >= 1) {
      err.println("synod simulate queue: need --seeds >= 1, --nodes in 2..9, --loss in [0, 1)");
      return 2;
    }
    if (raft) {
      return raftQueue(out, err);
    }
    QueueSimulation.Options d = QueueSimulation.Options.defaults();
    QueueSimulation.Options opts = new QueueSimulation.Options(nodes, d.producers(),
        d.consumers(), d.topics(), d.activeMillis(), d.drainMillis(), loss, !noCrashes, fault);
    long[] t = new long[5]; // violations, acked, deliveries, duplicates, crashes
    range.run("queue", seed -> QueueSimulation.run(seed, opts), r -> !r.violations().isEmpty(),
        r -> {
          t[0] += r.violations().size();
          t[1] += r.acknowledgedPublishes();
          t[2] += r.deliveries();
          t[3] += r.duplicates();
          t[4] += r.crashes();
          if (range.verbose) {
            out.printf("seed %d: %d acked publishes, %d deliveries, %d duplicates, %d crashes,"
                + " %d violations%n", r.seed(), r.acknowledgedPublishes(), r.deliveries(),
                r.duplicates(), r.crashes(), r.violations().size());
          }
          r.violations().forEach(out::println);
          if (!r.violations().isEmpty()) {
            out.println("replay: ./synod simulate queue --seed-base " + r.seed() + " --seeds 1");
          }
          out.flush();
        }, err);
    long violations = t[0];
    long acked = t[1];
    long deliveries = t[2];
    long duplicates = t[3];
    long crashes = t[4];
    out.printf("%d acked publishes, %d deliveries, %d duplicates (redeliveries and retried"
        + " publishes, crashes included), %d crashes%n", acked, deliveries, duplicates, crashes);
    return range.summary(out, "queue", violations);
  }

  private int raftQueue(PrintWriter out, PrintWriter err) {
    long[] violations = {0};
    range.run("queue", seed -> io.synod.server.queue.sim.RaftQueueWorkload.run(
        io.synod.raft.sim.SimOptions.draw(seed, nodes == 5 ? 5 : 3, 8_000, true, true)),
        r -> !r.ok(), r -> {
          if (range.verbose) {
            out.printf("seed %d: %s (%s)%n", r.seed(), r.ok() ? "ok" : r.violation(), r.stats());
          }
          if (!r.ok()) {
            violations[0]++;
            out.print(r.report());
            out.println("replay: ./synod simulate queue --raft --seed-base " + r.seed()
                + " --seeds 1");
          }
          out.flush();
        }, err);
    return range.summary(out, "queue", violations[0]);
  }
}
