package io.synod.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code synod queue}: Simulate queue nodes, producers and consumers under faults. */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Simulate queue nodes, producers and consumers under faults.")
final class SimulateQueueCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("synod: 'queue' is not built yet");
    return 2;
  }
}
