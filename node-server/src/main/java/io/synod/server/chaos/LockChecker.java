package io.synod.server.chaos;

import io.synod.server.chaos.ChaosHttp.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a history of exclusive lock attempts: mutual exclusion and fencing-token order.
 *
 * <p>A hold counts from the moment its acquire answered OK (before that the client cannot act on
 * it) until the client sent its release, or, for a lease, until the lease can have expired: the
 * lease was opened after the acquire was sent, so it is surely valid until
 * {@code invoke + lease}, never longer from the client's point of view. An acquire with an unknown
 * outcome never counts as held: a correct client does not act on it.
 */
final class LockChecker {
  private LockChecker() {}

  /**
   * One acquire attempt and what the client did with it.
   *
   * @param resource the lock's resource
   * @param owner the owner id (unique per attempt)
   * @param invokeNanos when the acquire was sent
   * @param completeNanos when its answer arrived (or the client gave up)
   * @param outcome the acquire's outcome
   * @param token the fencing token of an OK grant, 0 when the API gives none
   * @param leaseNanos the lease's TTL, 0 for a hold without lease
   * @param releaseNanos when the release was sent, {@code Long.MAX_VALUE} when never
   */
  record Attempt(String resource, String owner, long invokeNanos, long completeNanos,
      Outcome outcome, long token, long leaseNanos, long releaseNanos) {
    long holdEnd() {
      long end = releaseNanos;
      if (leaseNanos > 0) {
        end = Math.min(end, invokeNanos + leaseNanos);
      }
      return end;
    }
  }

  /** Two exclusive holds of one resource whose intervals overlap. */
  static List<Violation> overlaps(List<Attempt> history) {
    List<Violation> out = new ArrayList<>();
    for (List<Attempt> holds : byResource(history).values()) {
      holds.sort(Comparator.comparingLong(Attempt::completeNanos));
      Attempt longest = null;
      for (Attempt h : holds) {
        if (h.holdEnd() <= h.completeNanos()) {
          continue; // the lease can have run out before the answer came: never held for sure
        }
        if (longest != null && h.completeNanos() < longest.holdEnd()) {
          out.add(new Violation(h.completeNanos(), "resource " + h.resource() + ": " + h.owner()
              + " was granted at " + ms(h.completeNanos()) + " while " + longest.owner()
              + " held it (" + ms(longest.completeNanos()) + " .. " + ms(longest.holdEnd()) + ")"));
        }
        if (longest == null || h.holdEnd() > longest.holdEnd()) {
          longest = h;
        }
      }
    }
    return out;
  }

  /**
   * Fencing tokens in grant order: a grant that answered before another was sent must carry the
   * smaller token, and no two grants share one.
   */
  static List<Violation> fencing(List<Attempt> history) {
    List<Violation> out = new ArrayList<>();
    for (List<Attempt> grants : byResource(history).values()) {
      grants.removeIf(a -> a.token() <= 0);
      Map<Long, Attempt> seen = new HashMap<>();
      for (Attempt g : grants) {
        Attempt other = seen.putIfAbsent(g.token(), g);
        if (other != null) {
          out.add(new Violation(g.completeNanos(), "resource " + g.resource() + ": token "
              + g.token() + " granted to both " + other.owner() + " and " + g.owner()));
        }
      }
      List<Attempt> byComplete = new ArrayList<>(grants);
      byComplete.sort(Comparator.comparingLong(Attempt::completeNanos));
      List<Attempt> byInvoke = new ArrayList<>(grants);
      byInvoke.sort(Comparator.comparingLong(Attempt::invokeNanos));
      int i = 0;
      Attempt max = null;
      for (Attempt b : byInvoke) {
        while (i < byComplete.size() && byComplete.get(i).completeNanos() < b.invokeNanos()) {
          Attempt a = byComplete.get(i++);
          if (max == null || a.token() > max.token()) {
            max = a;
          }
        }
        if (max != null && max.token() >= b.token()) {
          out.add(new Violation(b.completeNanos(), "resource " + b.resource() + ": "
              + b.owner() + " got token " + b.token() + " after " + max.owner()
              + " had been granted token " + max.token()));
        }
      }
    }
    return out;
  }

  private static Map<String, List<Attempt>> byResource(List<Attempt> history) {
    Map<String, List<Attempt>> m = new HashMap<>();
    for (Attempt a : history) {
      if (a.outcome() == Outcome.OK) {
        m.computeIfAbsent(a.resource(), r -> new ArrayList<>()).add(a);
      }
    }
    return m;
  }

  static String ms(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.3fs", nanos / 1e9);
  }
}
