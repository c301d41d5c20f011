package io.synod.server.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The replicated main memory's state machine: puts in log order, stale attempts dropped. */
class CacheMemoryMachineTest {
  private static byte[] put(String writer, long inc, long seq, String address, String value) {
    return CacheMemoryMachine.put(writer, inc, seq, address, value.getBytes());
  }

  @Test
  void aPutOlderThanTheWritersLastIsDroppedSoAnAddressNeverTurnsBack() {
    CacheMemoryMachine m = new CacheMemoryMachine();
    assertNull(m.get("a"));
    // attempt 1 of v1 is delayed; its retry (2) and the next put v2 (3) commit first
    assertEquals(CacheMemoryMachine.APPLIED, m.apply(1, put("n1", 7, 2, "a", "v1")));
    assertEquals(CacheMemoryMachine.APPLIED, m.apply(2, put("n1", 7, 3, "a", "v2")));
    assertEquals(CacheMemoryMachine.STALE, m.apply(3, put("n1", 7, 1, "a", "v1")));
    assertArrayEquals("v2".getBytes(), m.get("a"));
    // an older incarnation of the same writer is stale too; a newer one writes
    assertEquals(CacheMemoryMachine.STALE, m.apply(4, put("n1", 6, 99, "a", "old")));
    assertEquals(CacheMemoryMachine.APPLIED, m.apply(5, put("n1", 8, 1, "a", "v3")));
    // another writer (a new home) writes whatever its numbers
    assertEquals(CacheMemoryMachine.APPLIED, m.apply(6, put("n2", 1, 1, "a", "v4")));
    assertArrayEquals("v4".getBytes(), m.get("a"));
  }

  @Test
  void aSnapshotRestoresEveryAddressAndTheStalenessRecords() throws Exception {
    CacheMemoryMachine m = new CacheMemoryMachine();
    m.apply(1, put("n1", 7, 5, "a", "va"));
    m.apply(2, put("n2", 3, 1, "b", "vb"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.snapshot().writeTo(out);
    m.apply(3, put("n1", 7, 6, "a", "after"));

    CacheMemoryMachine restored = new CacheMemoryMachine();
    restored.restore(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(2, restored.size());
    assertArrayEquals("va".getBytes(), restored.get("a"), "the frozen view, not later puts");
    assertArrayEquals("vb".getBytes(), restored.get("b"));
    assertEquals(CacheMemoryMachine.STALE, restored.apply(4, put("n1", 7, 4, "a", "late")));
  }

  /**
   * The writer runs after the call and after more puts (new addresses and overwrites), as it
   * does on RaftServer's snapshot thread: it writes the memory as of the call.
   */
  @Test
  void aSnapshotWrittenAfterLaterPutsHoldsTheMemoryAtItsCall() throws Exception {
    CacheMemoryMachine m = new CacheMemoryMachine();
    for (int i = 0; i < 1_000; i++) {
      m.apply(i + 1, put("n1", 1, i, "k" + i, "v" + i));
    }
    var writer = m.snapshot();
    for (int i = 0; i < 1_000; i += 3) {
      m.apply(1_001 + i, put("n1", 1, 2_000 + i, "k" + i, "changed"));
      m.apply(2_001 + i, put("n2", 1, i, "new" + i, "late"));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.writeTo(out);

    CacheMemoryMachine restored = new CacheMemoryMachine();
    restored.restore(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(1_000, restored.size());
    for (int i = 0; i < 1_000; i++) {
      assertArrayEquals(("v" + i).getBytes(), restored.get("k" + i), "k" + i);
    }
    assertNull(restored.get("new0"));
    assertArrayEquals("changed".getBytes(), m.get("k0"), "the live memory moved on");
    assertEquals(1_334, m.size());
  }
}
