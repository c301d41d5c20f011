package io.synod.server.cli;

import java.io.PrintWriter;
import java.util.stream.LongStream;
import picocli.CommandLine.Option;

/**
 * The options every {@code synod simulate ...} command shares ({@code --seeds}, {@code
 * --seed-base}, {@code --verbose}) and the summary line they all end with, so the four
 * simulators keep one shape: a seed is replayed with {@code --seeds 1 --seed-base S}.
 */
final class SeedRange {
  @Option(names = "--seeds", defaultValue = "100", description = "Seeds to run (default ${DEFAULT-VALUE}).")
  int seeds;

  @Option(names = {"--seed-base", "--first-seed"}, defaultValue = "1",
      description = "The first seed; seeds run from B to B+N-1 (default ${DEFAULT-VALUE}). "
          + "Replay one with --seeds 1 --seed-base S.")
  long seedBase;

  @Option(names = "--verbose", description = "Print a line for every seed, passing or not.")
  boolean verbose;

  /** @return the seeds to run, in order */
  LongStream seeds() {
    return LongStream.range(seedBase, seedBase + seeds);
  }

  /** @return whether {@code --seeds} is usable */
  boolean valid() {
    return seeds >= 1;
  }

  /**
   * Prints {@code simulate <what>: N seeds, K violations} and returns the exit status.
   *
   * @param out where to print
   * @param what the simulator's name
   * @param violations violations found
   * @return 1 when any violation was found, else 0
   */
  int summary(PrintWriter out, String what, long violations) {
    out.println("simulate " + what + ": " + seeds + " seeds, " + violations + " violations");
    out.flush();
    return violations > 0 ? 1 : 0;
  }
}
