package io.synod.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code synod raft}: Simulate a Raft cluster (key-value clients) under faults. */
@Command(name = "raft", mixinStandardHelpOptions = true, description = "Simulate a Raft cluster (key-value clients) under faults.")
final class SimulateRaftCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("synod: 'raft' is not built yet");
    return 2;
  }
}
