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
}
