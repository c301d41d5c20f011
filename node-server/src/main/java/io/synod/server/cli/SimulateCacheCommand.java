package io.synod.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code synod cache}: Simulate MESI cache nodes under faults. */
@Command(name = "cache", mixinStandardHelpOptions = true, description = "Simulate MESI cache nodes under faults.")
final class SimulateCacheCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("synod: 'cache' is not built yet");
    return 2;
  }
}
