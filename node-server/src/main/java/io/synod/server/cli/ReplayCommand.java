package io.synod.server.cli;

import io.synod.cache.store.PolicyKind;
import io.synod.cache.store.TraceReplay;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code synod replay --policy lru|lfu --capacity C FILE}: replays a cache trace (one key per
 * line) through the cache's local store and its replacement policy, every miss admitted, and
 * prints {@code hit ratio: XX.XX%} (cold misses included).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay a cache trace (one key per line) through a replacement policy and"
        + " print its hit ratio.")
final class ReplayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--policy", defaultValue = "lru",
      description = "Replacement policy: lru or lfu (default ${DEFAULT-VALUE}).")
  String policy;

  @Option(names = "--capacity", required = true, description = "Capacity in entries (>= 1).")
  int capacity;

  @Parameters(index = "0", paramLabel = "FILE", description = "The trace file.")
  Path file;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PolicyKind kind;
    try {
      kind = PolicyKind.parse(policy);
    } catch (IllegalArgumentException e) {
      err.println("synod replay: unknown --policy '" + policy + "' (use lru or lfu)");
      return 2;
    }
    if (capacity < 1) {
      err.println("synod replay: --capacity must be at least 1, got " + capacity);
      return 2;
    }
    if (!Files.isReadable(file)) {
      err.println("synod replay: cannot read " + file);
      return 2;
    }
    List<String> keys;
    try {
      keys = TraceReplay.readTrace(file);
    } catch (IOException e) {
      err.println("synod replay: cannot read " + file + ": " + e.getMessage());
      return 2;
    }
    TraceReplay.Result r = TraceReplay.replay(keys, kind, capacity);
    out.printf("%s, capacity %d: %d accesses, %d hits%n", r.policy(), r.capacity(),
        r.accesses(), r.hits());
    out.println(r.formatted());
    out.flush();
    return 0;
  }
}
