package io.synod.raft.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.NodeId;
import io.synod.raft.log.EntryType;
import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.spi.RaftLogStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link RaftLogStore} contract, run against every implementation: subclasses say how to
 * make a fresh store.
 */
abstract class RaftLogStoreContract {

  protected RaftLogStore store;

  /** A new, empty store. */
  protected abstract RaftLogStore newStore() throws Exception;

  @BeforeEach
  void setUpStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static LogEntry entry(long term, long index) {
    return LogEntry.command(term, index, ("e" + index + "t" + term).getBytes(
        StandardCharsets.UTF_8));
  }

  static List<LogEntry> range(long term, long from, long to) {
    List<LogEntry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(entry(term, i));
    }
    return out;
  }

  @Test
  void emptyStoreHoldsNothing() {
    assertEquals(HardState.EMPTY, store.hardState());
    assertEquals(1, store.firstIndex());
    assertEquals(0, store.lastIndex());
    assertEquals(0, store.snapshotIndex());
    assertEquals(0, store.snapshotTerm());
    assertEquals(0, store.term(0));
    assertEquals(List.of(), store.entries(1, 1, Long.MAX_VALUE));
    assertThrows(IndexOutOfBoundsException.class, () -> store.term(1));
  }

  @Test
  void appendedEntriesReadBackWithTheirTerms() {
    store.append(range(1, 1, 3));
    store.append(List.of(LogEntry.noop(2, 4), new LogEntry(2, 5, EntryType.CONFIGURATION,
        new byte[] {1, 2, 3})));
    store.sync();
    assertEquals(1, store.firstIndex());
    assertEquals(5, store.lastIndex());
    assertEquals(1, store.term(3));
    assertEquals(2, store.term(4));
    List<LogEntry> all = store.entries(1, 6, Long.MAX_VALUE);
    assertEquals(5, all.size());
    assertEquals(entry(1, 2), all.get(1));
    assertEquals(EntryType.NOOP, all.get(3).type());
    assertEquals(new LogEntry(2, 5, EntryType.CONFIGURATION, new byte[] {1, 2, 3}), all.get(4));
    assertEquals(all.subList(1, 3), store.entries(2, 4, Long.MAX_VALUE));
  }

  @Test
  void appendingAtAHeldIndexDiscardsTheConflictingSuffix() {
    store.append(range(1, 1, 5));
    store.append(range(2, 3, 4));
    assertEquals(4, store.lastIndex());
    assertEquals(List.of(entry(1, 1), entry(1, 2), entry(2, 3), entry(2, 4)),
        store.entries(1, 5, Long.MAX_VALUE));
    store.append(range(3, 1, 1));
    assertEquals(1, store.lastIndex());
    assertEquals(List.of(entry(3, 1)), store.entries(1, 2, Long.MAX_VALUE));
  }

  @Test
  void appendRefusesGapsAndNonContiguousBatches() {
    store.append(range(1, 1, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> store.append(range(1, 4, 4)));
    store.append(List.of());
    assertEquals(2, store.lastIndex());
    assertThrows(IllegalArgumentException.class,
        () -> store.append(List.of(entry(1, 3), entry(1, 5))));
  }

  @Test
  void entriesStopAtTheByteBudgetButReturnAtLeastOne() {
    store.append(range(1, 1, 10));
    int one = entry(1, 1).sizeBytes();
    assertEquals(1, store.entries(1, 11, 0).size());
    assertEquals(1, store.entries(1, 11, one).size());
    assertEquals(3, store.entries(1, 11, 3L * one + one - 1).size());
    assertEquals(10, store.entries(1, 11, Long.MAX_VALUE).size());
  }

  @Test
  void readsOutsideTheLogAreRefused() {
    store.append(range(1, 1, 3));
    assertThrows(IndexOutOfBoundsException.class, () -> store.entries(0, 2, 100));
    assertThrows(IndexOutOfBoundsException.class, () -> store.entries(2, 5, 100));
    assertThrows(IndexOutOfBoundsException.class, () -> store.entries(3, 2, 100));
    assertThrows(IndexOutOfBoundsException.class, () -> store.term(4));
    assertThrows(IndexOutOfBoundsException.class, () -> store.term(-1));
  }

  @Test
  void compactDropsThePrefixAndRemembersTheSnapshotTerm() {
    store.append(range(1, 1, 3));
    store.append(range(2, 4, 6));
    store.compact(4, 2);
    store.sync();
    assertEquals(5, store.firstIndex());
    assertEquals(4, store.snapshotIndex());
    assertEquals(2, store.snapshotTerm());
    assertEquals(2, store.term(4));
    assertEquals(6, store.lastIndex());
    assertThrows(IndexOutOfBoundsException.class, () -> store.term(3));
    assertThrows(IndexOutOfBoundsException.class, () -> store.entries(4, 6, 100));
    assertEquals(range(2, 5, 6), store.entries(5, 7, Long.MAX_VALUE));
    assertThrows(IndexOutOfBoundsException.class, () -> store.append(range(3, 4, 4)));
    store.compact(2, 1);
    assertEquals(5, store.firstIndex());
    assertEquals(2, store.snapshotTerm());
  }

  @Test
  void compactBeyondTheLastIndexEmptiesTheLog() {
    store.append(range(1, 1, 3));
    store.compact(10, 4);
    assertEquals(11, store.firstIndex());
    assertEquals(10, store.lastIndex());
    assertEquals(4, store.term(10));
    assertThrows(IndexOutOfBoundsException.class, () -> store.append(range(5, 12, 12)));
    store.append(range(5, 11, 12));
    store.sync();
    assertEquals(range(5, 11, 12), store.entries(11, 13, Long.MAX_VALUE));
  }

  @Test
  void hardStateIsKept() {
    HardState hs = new HardState(7, NodeId.of("node2"), 3);
    store.setHardState(hs);
    store.sync();
    assertEquals(hs, store.hardState());
    store.setHardState(new HardState(8, null, 3));
    assertEquals(new HardState(8, null, 3), store.hardState());
  }

  @Test
  void syncIsIdempotent() {
    store.sync();
    store.append(range(1, 1, 2));
    store.sync();
    store.sync();
    assertEquals(2, store.lastIndex());
    assertTrue(store.entries(1, 3, Long.MAX_VALUE).size() == 2);
  }
}
