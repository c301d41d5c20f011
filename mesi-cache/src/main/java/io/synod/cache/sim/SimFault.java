package io.synod.cache.sim;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The faults the cache simulator can inject beyond delay and reordering (which are always on).
 * Each seed draws its rates and durations; these switch a kind of fault on.
 */
public enum SimFault {
  /** Non-home nodes crash and restart empty; every survivor learns it at once. */
  CRASH,
  /** Any node, home nodes included, crashes and restarts with nothing (lines and directory). */
  HOME_CRASH,
  /**
   * A node stops for longer than the failure timeout (a GC pause, SIGSTOP) and then goes on
   * with the state it had; messages to it wait until it resumes.
   */
  PAUSE,
  /** Links between a group and the rest are cut, in one direction or both, then healed. */
  PARTITION,
  /** Each message is lost with a per-seed probability. */
  LOSS;

  /**
   * Every fault.
   *
   * @return a fresh set of all faults
   */
  public static Set<SimFault> all() {
    return EnumSet.allOf(SimFault.class);
  }

  /**
   * Parses a comma-separated list ({@code crash,home-crash,pause,partition,loss}, or
   * {@code all}, or {@code none}).
   *
   * @param text the list
   * @return the faults
   * @throws IllegalArgumentException naming the unknown entry
   */
  public static Set<SimFault> parse(String text) {
    EnumSet<SimFault> out = EnumSet.noneOf(SimFault.class);
    for (String part : text.split(",")) {
      String p = part.trim().toUpperCase(Locale.ROOT).replace('-', '_');
      if (p.isEmpty() || p.equals("NONE")) {
        continue;
      }
      if (p.equals("ALL")) {
        out.addAll(all());
        continue;
      }
      out.add(SimFault.valueOf(p));
    }
    return out;
  }

  /**
   * The command-line spelling of a set ({@code none} when empty).
   *
   * @param faults the faults
   * @return e.g. {@code crash,pause}
   */
  public static String format(Set<SimFault> faults) {
    if (faults.isEmpty()) {
      return "none";
    }
    StringBuilder b = new StringBuilder();
    for (SimFault f : EnumSet.copyOf(faults)) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(f.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    return b.toString();
  }
}
