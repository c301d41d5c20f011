package io.synod.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.sim.LinearizabilityChecker.Op;
import io.synod.raft.sim.LinearizabilityChecker.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker's verdicts, and the workload's reading of them (issue 13 item 9). */
class LinearizabilityCheckerTest {

  static final long UNKNOWN = Long.MAX_VALUE;

  /** Many writes whose clients gave up, overlapping reads that never see them. */
  static List<Op> manyUnobservedUnknownWrites(int writes) {
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      ops.add(new Op(i, UNKNOWN, true, 100 + i, i));
    }
    // reads that still see the initial value: none of the writes took effect (so far)
    for (int i = 0; i < 10; i++) {
      ops.add(new Op(writes + 2 * i, writes + 1 + 2 * i, false, 0, 98));
    }
    return ops;
  }

  @Test
  void aSearchThatRunsOutOfBudgetFailsTheRun() {
    // an unchecked history must never count as a pass: the budget here is far too small
    List<Op> ops = List.of(new Op(0, 10, true, 1, 0), new Op(1, 11, true, 2, 1),
        new Op(2, 12, false, 2, 2), new Op(3, 13, false, 1, 3));
    assertEquals(Outcome.UNKNOWN, LinearizabilityChecker.check(ops, 0, 2));
    String v = KvWorkload.verifyHistory(Map.of(0, ops), 2);
    assertNotNull(v, "UNKNOWN must fail the run");
    assertTrue(v.startsWith("linearizability: search budget"), v);
  }

  @Test
  void unknownWritesNoReadObservedAreDroppedSoTheSearchStaysSmall() {
    List<Op> ops = manyUnobservedUnknownWrites(40);
    // with them, the search explores which of the 40 took effect: out of budget
    assertEquals(Outcome.UNKNOWN, LinearizabilityChecker.check(ops, 0, 200_000));
    // without them (they may always be taken as never having happened) it is immediate
    List<Op> kept = LinearizabilityChecker.withoutUnobservedUnknownWrites(ops);
    assertEquals(10, kept.size());
    assertEquals(Outcome.LINEARIZABLE, LinearizabilityChecker.check(kept, 0, 200_000));
    assertNull(KvWorkload.verifyHistory(Map.of(0, ops), 200_000));
  }

  @Test
  void anObservedUnknownWriteIsKeptAndAViolationStillFound() {
    // c1's write of 5 has an unknown outcome but a read saw 5: it happened. A later read of
    // 0 after a completed read of 5, with nothing writing 0 again, is a stale read
    List<Op> ops = List.of(new Op(0, UNKNOWN, true, 5, 1), new Op(1, 2, false, 5, 2),
        new Op(3, 4, false, 0, 3));
    assertEquals(3, LinearizabilityChecker.withoutUnobservedUnknownWrites(ops).size());
    String v = KvWorkload.verifyHistory(Map.of(0, ops), 200_000);
    assertNotNull(v);
    assertTrue(v.contains("not linearizable"), v);
  }
}
