package io.synod.raft.sim;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Checks that a history of operations on one register is linearizable: the Wing–Gong search with
 * Lowe's memoization of (linearized set, state) pairs. Histories of several keys are checked key
 * by key (each key is an independent register, so the whole history is linearizable iff each
 * key's is).
 *
 * <p>An operation whose outcome is unknown (the client gave up) has no response: it may take
 * effect at any point after its invocation, or never (a write that never happened can always be
 * placed after everything else, where no read observes it).
 *
 * @since 1.0
 */
public final class LinearizabilityChecker {

  /** Outcome of a check. */
  public enum Outcome {
    /** A linearization exists. */
    LINEARIZABLE,
    /** None exists. */
    NOT_LINEARIZABLE,
    /** The search budget ran out: nothing is known, and a caller must not count it a pass. */
    UNKNOWN
  }

  /**
   * One operation on a register.
   *
   * @param invoke invocation time
   * @param response response time, or {@code Long.MAX_VALUE} when unknown
   * @param write whether it writes
   * @param value the value written, or the value read
   * @param client who issued it (for reports)
   */
  public record Op(long invoke, long response, boolean write, long value, int client) {
    @Override
    public String toString() {
      return "c" + client + " " + (write ? "w" : "r") + "(" + value + ")@[" + invoke + ","
          + (response == Long.MAX_VALUE ? "?" : Long.toString(response)) + "]";
    }
  }

  private LinearizabilityChecker() {}

  /**
   * Drops the unknown-outcome writes whose value no read returned, for histories whose writes
   * carry unique values. This changes no verdict and keeps the search small: such a write may
   * always be taken as never having happened (a linearization that holds it stays one without
   * it, since no read depends on the state it left), and every write that did not happen adds a
   * branch to the search.
   *
   * @param history one register's operations, writes with distinct values
   * @return the operations to check
   */
  public static List<Op> withoutUnobservedUnknownWrites(List<Op> history) {
    HashSet<Long> read = new HashSet<>();
    for (Op op : history) {
      if (!op.write()) {
        read.add(op.value());
      }
    }
    List<Op> out = new ArrayList<>(history.size());
    for (Op op : history) {
      if (!op.write() || op.response() != Long.MAX_VALUE || read.contains(op.value())) {
        out.add(op);
      }
    }
    return out;
  }

  private static final class Entry {
    final int id;
    final boolean call;
    final Op op;
    final long time;
    Entry match; // call <-> return
    Entry prev;
    Entry next;

    Entry(int id, boolean call, Op op, long time) {
      this.id = id;
      this.call = call;
      this.op = op;
      this.time = time;
    }
  }

  private record CacheKey(BitSet linearized, long state) {
    @Override
    public boolean equals(Object o) {
      return o instanceof CacheKey k && k.state == state && k.linearized.equals(linearized);
    }

    @Override
    public int hashCode() {
      return Objects.hash(linearized, state);
    }
  }

  /**
   * Checks one register's history; the register starts at {@code initial}.
   *
   * @param history the operations
   * @param initial the initial value
   * @param budget the most search steps before giving up with {@link Outcome#UNKNOWN}
   */
  public static Outcome check(List<Op> history, long initial, long budget) {
    int n = history.size();
    if (n == 0) {
      return Outcome.LINEARIZABLE;
    }
    List<Entry> events = new ArrayList<>(2 * n);
    for (int i = 0; i < n; i++) {
      Op op = history.get(i);
      Entry call = new Entry(i, true, op, op.invoke());
      Entry ret = new Entry(i, false, op, op.response());
      call.match = ret;
      ret.match = call;
      events.add(call);
      events.add(ret);
    }
    // by time; at equal times calls first (more overlap: never a false alarm)
    events.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
    Entry head = new Entry(-1, false, null, Long.MIN_VALUE);
    Entry prev = head;
    for (Entry e : events) {
      prev.next = e;
      e.prev = prev;
      prev = e;
    }
    BitSet linearized = new BitSet(n);
    HashSet<CacheKey> cache = new HashSet<>();
    ArrayList<Entry> stackEntries = new ArrayList<>();
    ArrayList<Long> stackStates = new ArrayList<>();
    long state = initial;
    Entry entry = head.next;
    long steps = 0;
    while (head.next != null) {
      if (++steps > budget) {
        return Outcome.UNKNOWN;
      }
      if (entry != null && entry.call) {
        Op op = entry.op;
        boolean ok = op.write() || op.value() == state;
        long newState = op.write() ? op.value() : state;
        if (ok) {
          BitSet next = (BitSet) linearized.clone();
          next.set(entry.id);
          if (cache.add(new CacheKey(next, newState))) {
            stackEntries.add(entry);
            stackStates.add(state);
            state = newState;
            linearized.set(entry.id);
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        if (stackEntries.isEmpty()) {
          return Outcome.NOT_LINEARIZABLE;
        }
        Entry top = stackEntries.remove(stackEntries.size() - 1);
        state = stackStates.remove(stackStates.size() - 1);
        linearized.clear(top.id);
        unlift(top);
        entry = top.next;
      }
    }
    return Outcome.LINEARIZABLE;
  }

  private static void lift(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}
