package io.synod.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code synod} command line: {@code ./synod --help} lists the subcommands.
 *
 * <p>Each subcommand lives in its own class so that the services can grow their commands
 * independently; this class only registers them.
 */
@Command(
    name = "synod",
    mixinStandardHelpOptions = true,
    versionProvider = SynodCli.Version.class,
    description = "Synod: Raft lock manager, hash-ring queue and MESI cache for the JVM.",
    subcommands = {
      SimulateCommand.class,
      DevCommand.class,
      NodeCommand.class,
      BenchCommand.class,
      ReplayCommand.class,
      io.synod.server.chaos.ChaosCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SynodCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the CLI and exits the JVM with the subcommand's exit status. */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI without exiting; returns the exit status (used by tests). */
  public static int execute(String... args) {
    return new CommandLine(new SynodCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version from the jar manifest, or says it is a development build. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SynodCli.class.getPackage().getImplementationVersion();
      return new String[] {"synod " + (v == null ? "1.0.0-SNAPSHOT" : v)};
    }
  }
}
