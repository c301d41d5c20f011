package io.synod.cache.sim;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks that one key's history is linearizable as a read/write register (Wing and Gong's search
 * with Lowe's memoization of visited (linearized set, register value) pairs).
 *
 * <p>Operations carry logical invoke and response times; an operation without a response
 * (its node crashed) and a "revert" (what a crash may do to a write-back value) are optional:
 * they may take effect at one point of their interval or not at all.
 */
public final class LinearizabilityChecker {
  /** An operation's kind. */
  public enum Kind {
    /** Read returning {@code value}. */
    READ,
    /** Write of {@code value}. */
    WRITE,
    /** A crash may have reset the register to {@code value} (main memory's content). */
    REVERT
  }

  /**
   * One operation.
   *
   * @param kind the kind
   * @param value the value read or written (null = never written)
   * @param invoke logical invoke time
   * @param response logical response time, {@link Long#MAX_VALUE} when it never returned
   * @param label a description for reports
   */
  public record Op(Kind kind, String value, long invoke, long response, String label) {
    boolean optional() {
      return kind == Kind.REVERT || response == Long.MAX_VALUE;
    }
  }

  private static final long BUDGET = 2_000_000;

  private final List<Op> ops;
  private final Set<Object> visited = new HashSet<>();
  private long steps;

  private LinearizabilityChecker(List<Op> ops) {
    this.ops = new ArrayList<>(ops);
  }

  /**
   * Checks a history starting from the register value {@code initial}.
   *
   * @param history the operations on one key
   * @param initial the initial value (null = never written)
   * @return null when linearizable, else a description of why not (or that the search budget
   *     ran out)
   */
  public static String check(List<Op> history, String initial) {
    // An optional write or revert whose value no read returned is never needed to explain a
    // read: leaving it out keeps the answer and spares the search (many unknown outcomes).
    Set<String> read = new HashSet<>();
    for (Op op : history) {
      if (op.kind() == Kind.READ) {
        read.add(Objects.toString(op.value(), "\u0000null"));
      }
    }
    List<Op> needed = new ArrayList<>();
    for (Op op : history) {
      if (!op.optional() || read.contains(Objects.toString(op.value(), "\u0000null"))) {
        needed.add(op);
      }
    }
    LinearizabilityChecker c = new LinearizabilityChecker(needed);
    BitSet done = new BitSet(c.ops.size());
    if (c.search(done, initial)) {
      return null;
    }
    if (c.steps >= BUDGET) {
      return "linearizability search budget exhausted (" + history.size() + " ops)";
    }
    return "not linearizable: " + history;
  }

  private boolean search(BitSet done, String value) {
    if (++steps >= BUDGET) {
      return false;
    }
    // the earliest response among remaining mandatory ops bounds which op may go next
    long horizon = Long.MAX_VALUE;
    boolean mandatoryLeft = false;
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (!done.get(i) && !op.optional()) {
        mandatoryLeft = true;
        horizon = Math.min(horizon, op.response());
      }
    }
    if (!mandatoryLeft) {
      return true;
    }
    if (!visited.add(List.of(done.clone(), Objects.toString(value, "\u0000null")))) {
      return false;
    }
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (done.get(i) || op.invoke() > horizon) {
        continue;
      }
      String next;
      switch (op.kind()) {
        case READ -> {
          if (!Objects.equals(op.value(), value)) {
            continue;
          }
          next = value;
        }
        case WRITE, REVERT -> next = op.value();
        default -> throw new IllegalStateException();
      }
      // an optional operation that ended before this one began can no longer take effect
      BitSet after = (BitSet) done.clone();
      after.set(i);
      for (int j = 0; j < ops.size(); j++) {
        Op other = ops.get(j);
        if (!after.get(j) && other.optional() && other.response() < op.invoke()) {
          after.set(j);
        }
      }
      boolean ok = search(after, next);
      if (ok) {
        return true;
      }
      if (steps >= BUDGET) {
        return false;
      }
    }
    return false;
  }
}
