package io.synod.raft.lock.sim;

import java.util.List;

/**
 * The outcome of one simulated lock seed.
 *
 * @param seed the seed
 * @param options the options drawn from it, as text
 * @param violation the first violation, or null
 * @param trace the last events before the violation (empty when none)
 * @param stats a one-line summary
 * @param replay the command that replays this seed exactly
 * @since 1.0
 */
public record LockSimResult(long seed, String options, String violation, List<String> trace,
    String stats, String replay) {

  /** Copies the trace. */
  public LockSimResult {
    trace = List.copyOf(trace);
  }

  /** Whether the seed passed. */
  public boolean ok() {
    return violation == null;
  }

  /** A multi-line report: seed, options, replay command, violation, trace. */
  public String report() {
    StringBuilder b = new StringBuilder();
    b.append("seed ").append(seed).append(": ").append(violation == null ? "ok" : violation)
        .append('\n');
    b.append("  options: ").append(options).append('\n');
    b.append("  replay:  ").append(replay).append('\n');
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
