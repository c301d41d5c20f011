package io.synod.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code synod replay}: Replay a cache trace through a replacement policy. */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "Replay a cache trace through a replacement policy.")
final class ReplayCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("synod: 'replay' is not built yet");
    return 2;
  }
}
