package io.synod.server.chaos;

import io.synod.server.chaos.ChaosHttp.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that each cache key behaved as a linearizable register, for the workload the harness
 * runs: one writer per key writing 1, 2, 3, ... one write at a time (a write is sent only after
 * the previous one answered or timed out), readers on every node. Never-written reads as 0.
 *
 * <p>The rules are sound for that workload, including writes with an unknown outcome, which may
 * take effect any time after they were sent (even after later writes):
 * <ul>
 *   <li>a read must return a value whose write was sent before the read answered;
 *   <li>a read must not return {@code v} when {@code v}'s write answered OK and some newer value
 *       surely took effect before the read was sent: a write of a larger value answered OK, or a
 *       read of a larger value answered, before it. (The OK write of {@code v} took effect once,
 *       before the larger write was even sent, so the register cannot hold {@code v} again.)
 * </ul>
 */
final class RegisterChecker {
  private RegisterChecker() {}

  /** One write of {@code value} to {@code key}. */
  record Write(String key, long value, long invokeNanos, long completeNanos, Outcome outcome) {}

  /** One read of {@code key} on {@code node} that answered {@code value}. */
  record Read(String key, String node, long invokeNanos, long completeNanos, long value) {}

  static List<Violation> check(List<Write> writes, List<Read> reads) {
    List<Violation> out = new ArrayList<>();
    Map<String, Map<Long, Write>> byKey = new HashMap<>();
    for (Write w : writes) {
      byKey.computeIfAbsent(w.key(), k -> new HashMap<>()).put(w.value(), w);
    }
    Map<String, List<Read>> readsByKey = new HashMap<>();
    for (Read r : reads) {
      readsByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<String, List<Read>> e : readsByKey.entrySet()) {
      String key = e.getKey();
      Map<Long, Write> ws = byKey.getOrDefault(key, Map.of());
      // "surely took effect by time t": OK write completions and read completions, by time
      List<long[]> facts = new ArrayList<>();
      for (Write w : ws.values()) {
        if (w.outcome() == Outcome.OK) {
          facts.add(new long[] {w.completeNanos(), w.value()});
        }
      }
      for (Read r : e.getValue()) {
        facts.add(new long[] {r.completeNanos(), r.value()});
      }
      facts.sort(Comparator.comparingLong(f -> f[0]));
      List<Read> rs = new ArrayList<>(e.getValue());
      rs.sort(Comparator.comparingLong(Read::invokeNanos));
      int i = 0;
      long newest = 0;
      for (Read r : rs) {
        while (i < facts.size() && facts.get(i)[0] < r.invokeNanos()) {
          newest = Math.max(newest, facts.get(i++)[1]);
        }
        if (r.value() != 0) {
          Write w = ws.get(r.value());
          if (w == null || w.invokeNanos() > r.completeNanos()) {
            out.add(new Violation(r.completeNanos(), "key " + key + ": " + r.node()
                + " read " + r.value() + ", a value never written before the read answered"));
            continue;
          }
        }
        boolean settled = r.value() == 0 || ws.get(r.value()).outcome() == Outcome.OK;
        if (settled && newest > r.value()) {
          out.add(new Violation(r.completeNanos(), "key " + key + ": " + r.node() + " read "
              + r.value() + " at " + LockChecker.ms(r.invokeNanos()) + " .. "
              + LockChecker.ms(r.completeNanos()) + " after " + newest
              + " had surely been written (stale read)"));
        }
      }
    }
    return out;
  }
}
