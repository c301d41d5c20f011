package io.synod.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code synod bench}: Load-test a running cluster with the first system's scenarios. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Load-test a running cluster with the first system's scenarios.")
final class BenchCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("synod: 'bench' is not built yet");
    return 2;
  }
}
