package io.synod.queue.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import io.synod.queue.spi.StreamStore;
import io.synod.queue.spi.StreamStoreContract;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The contract on the in-memory store, plus its replication hooks. */
class InMemoryStreamStoreTest extends StreamStoreContract {
  private final AtomicLong now = new AtomicLong(1_000);

  @Override
  protected StreamStore createStore() {
    return new InMemoryStreamStore(now::get);
  }

  @Override
  protected void passTime(long millis) {
    now.addAndGet(millis);
  }

  @Test
  void idsNeverGoBackWhenTheClockDoes() {
    InMemoryStreamStore s = new InMemoryStreamStore(now::get);
    StreamId a = await(s.append("t", List.of(StreamRecord.of(new byte[] {1})))).get(0);
    now.addAndGet(-500);
    StreamId b = await(s.append("t", List.of(StreamRecord.of(new byte[] {2})))).get(0);
    assertTrue(b.compareTo(a) > 0);
  }

  @Test
  void aSnapshotInstalledInAFreshStoreGivesTheSameStream() {
    InMemoryStreamStore owner = new InMemoryStreamStore(now::get);
    await(owner.createGroup("t", "g"));
    List<StreamId> ids = await(owner.append("t",
        List.of(StreamRecord.of(new byte[] {1}), StreamRecord.of(new byte[] {2}))));
    await(owner.readNew("t", "g", "c", 1));
    now.addAndGet(100);
    await(owner.claimIdle("t", "g", "c2", 10, StreamId.MIN, 10));
    await(owner.ack("t", "g", List.of(ids.get(0))));
    InMemoryStreamStore fresh = new InMemoryStreamStore(now::get);
    fresh.install(owner.snapshot("t"));
    assertEquals(owner.snapshot("t"), fresh.snapshot("t"));
    assertEquals(owner.version("t"), fresh.version("t"));
  }

  @Test
  void theEntryBoundIsEnforced() {
    InMemoryStreamStore s = new InMemoryStreamStore(now::get, 2);
    await(s.append("t", List.of(StreamRecord.of(new byte[] {1}), StreamRecord.of(new byte[0]))));
    assertTrue(s.append("t", List.of(StreamRecord.of(new byte[] {3}))).toCompletableFuture()
        .isCompletedExceptionally());
    assertEquals(2, await(s.info("t")).length());
  }

  @Test
  void streamPagesWalkTheStreamsByNameWithTheirLengthAndGroups() {
    InMemoryStreamStore s = new InMemoryStreamStore(now::get);
    for (String t : List.of("e", "b", "d", "a", "c")) {
      await(s.append(t, List.of(StreamRecord.of(new byte[] {1}))));
    }
    await(s.append("c", List.of(StreamRecord.of(new byte[] {2}))));
    await(s.createGroup("c", "g"));
    assertEquals(List.of(new InMemoryStreamStore.StreamSummary("a", 1, 0),
        new InMemoryStreamStore.StreamSummary("b", 1, 0)), s.streams(null, 2));
    assertEquals(List.of(new InMemoryStreamStore.StreamSummary("c", 2, 1),
        new InMemoryStreamStore.StreamSummary("d", 1, 0)), s.streams("b", 2));
    assertEquals(List.of("e"), s.streams("d", 2).stream()
        .map(InMemoryStreamStore.StreamSummary::stream).toList());
    assertEquals(List.of(), s.streams("e", 2));
    assertEquals(List.of("c", "d", "e"), s.streams("bb", 10).stream()
        .map(InMemoryStreamStore.StreamSummary::stream).toList(), "after need not be held");
  }
}
