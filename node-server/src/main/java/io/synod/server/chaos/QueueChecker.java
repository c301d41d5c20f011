package io.synod.server.chaos;

import io.synod.server.chaos.ChaosHttp.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks at-least-once delivery: every publish that answered OK was delivered at least once by
 * the end of the final drain. Payload ids are unique per publish, so a delivery of an id more
 * than once is a duplicate (allowed, counted), and a delivery of an id never published is a
 * phantom (a violation).
 */
final class QueueChecker {
  private QueueChecker() {}

  /** One publish of the message carrying {@code id}. */
  record Publish(String id, long invokeNanos, long completeNanos, Outcome outcome) {}

  /**
   * What the check found.
   *
   * @param lost the OK publishes never delivered
   * @param phantoms ids delivered that no publish sent
   * @param duplicates deliveries beyond the first of each id
   */
  record Result(List<Violation> lost, List<Violation> phantoms, long duplicates) {}

  static Result check(List<Publish> publishes, Map<String, Integer> deliveries, long endNanos) {
    List<Violation> lost = new ArrayList<>();
    Set<String> sent = new HashSet<>();
    for (Publish p : publishes) {
      sent.add(p.id());
      if (p.outcome() == Outcome.OK && !deliveries.containsKey(p.id())) {
        lost.add(new Violation(p.completeNanos(), "message " + p.id() + " acknowledged at "
            + LockChecker.ms(p.completeNanos()) + " was never delivered"));
      }
    }
    List<Violation> phantoms = new ArrayList<>();
    long dups = 0;
    for (Map.Entry<String, Integer> d : deliveries.entrySet()) {
      if (!sent.contains(d.getKey())) {
        phantoms.add(new Violation(endNanos, "delivered " + d.getKey() + ", never published"));
      }
      dups += d.getValue() - 1;
    }
    return new Result(lost, phantoms, dups);
  }
}
