package io.synod.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code synod node}: Run one node from its configuration. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run one node from its configuration.")
final class NodeCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("synod: 'node' is not built yet");
    return 2;
  }
}
