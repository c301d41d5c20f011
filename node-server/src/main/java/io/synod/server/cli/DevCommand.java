package io.synod.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code synod dev}: Start a three-node cluster in this JVM on embedded storage. */
@Command(name = "dev", mixinStandardHelpOptions = true, description = "Start a three-node cluster in this JVM on embedded storage.")
final class DevCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("synod: 'dev' is not built yet");
    return 2;
  }
}
