package io.synod.server.service;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class LockTableProperties {
  record Op(int kind, int resource, int owner, boolean exclusive, int ttl) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(0, 2),
            Arbitraries.integers().between(0, 4),
            Arbitraries.of(true, false),
            Arbitraries.integers().between(0, 300))
        .as(Op::new)
        .list()
        .ofMaxSize(200);
  }

  /** Mutual exclusion and token monotonicity hold after every operation of any sequence. */
  @Property(tries = 300)
  @SuppressWarnings("unchecked")
  void exclusiveMeansOneHolderAndTokensOnlyGrow(@ForAll("ops") List<Op> ops) {
    AtomicLong now = new AtomicLong();
    LockTable t = new LockTable(now::get, 8);
    Map<String, Long> lastToken = new TreeMap<>();
    for (Op op : ops) {
      String r = "r" + op.resource();
      String o = "o" + op.owner();
      LockMode m = op.exclusive() ? LockMode.EXCLUSIVE : LockMode.SHARED;
      try {
        switch (op.kind()) {
          case 0 -> t.tryAcquire(r, m, o, null, op.ttl());
          case 1 -> t.acquire(r, m, o, null, op.ttl(), op.ttl());
          case 2 -> t.release(r, o);
          default -> {
            now.addAndGet(op.ttl());
            t.expire();
          }
        }
      } catch (ServiceException refused) {
        // refusals are fine; the invariants below must hold either way
      }
      for (Map<String, Object> d : t.snapshot()) {
        List<Map<String, Object>> holders = (List<Map<String, Object>>) d.get("holders");
        if ("exclusive".equals(d.get("mode"))) {
          assertTrue(holders.size() == 1, "exclusive with " + holders);
        }
        for (Map<String, Object> h : holders) {
          long tok = ((Number) h.get("fencing_token")).longValue();
          String res = (String) d.get("resource_id");
          assertTrue(tok >= 1);
          lastToken.merge(res, tok, Math::max);
        }
      }
    }
  }
}
