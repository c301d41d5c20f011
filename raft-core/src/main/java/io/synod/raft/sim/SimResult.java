package io.synod.raft.sim;

import java.util.List;

/**
 * The outcome of one simulated seed.
 *
 * @param seed the seed
 * @param options the options drawn from the seed
 * @param violation the first violation found, or {@code null}
 * @param trace the last events before the violation (empty when none)
 * @param steps events processed
 * @param stats a one-line summary (elections, commits, faults, client operations)
 * @since 1.0
 */
public record SimResult(long seed, SimOptions options, String violation, List<String> trace,
    long steps, String stats) {

  /** Whether the seed passed. */
  public boolean ok() {
    return violation == null;
  }

  /** The command that replays this seed exactly. */
  public String replayCommand() {
    return options.replayCommand();
  }

  /** A multi-line report of a failure: seed, options, replay command, violation, trace. */
  public String report() {
    StringBuilder b = new StringBuilder();
    b.append("seed ").append(seed).append(": ").append(violation == null ? "ok" : violation)
        .append('\n');
    b.append("  options: ").append(options.describe()).append('\n');
    b.append("  replay:  ").append(replayCommand()).append('\n');
    b.append("  stats:   ").append(stats).append('\n');
    if (!trace.isEmpty()) {
      b.append("  last events:\n");
      for (String t : trace) {
        b.append("    ").append(t).append('\n');
      }
    }
    return b.toString();
  }
}
