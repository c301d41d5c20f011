package io.synod.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code synod lock}: Simulate lock clients contending through Raft under faults. */
@Command(name = "lock", mixinStandardHelpOptions = true, description = "Simulate lock clients contending through Raft under faults.")
final class SimulateLockCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("synod: 'lock' is not built yet");
    return 2;
  }
}
