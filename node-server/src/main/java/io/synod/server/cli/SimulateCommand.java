package io.synod.server.cli;

import picocli.CommandLine.Command;

/** {@code synod simulate raft|lock|queue|cache}: deterministic cluster simulations, seed by seed. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = "Run seeded deterministic simulations of a service under faults.",
    subcommands = {
      SimulateRaftCommand.class,
      SimulateLockCommand.class,
      SimulateQueueCommand.class,
      SimulateCacheCommand.class
    })
final class SimulateCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
