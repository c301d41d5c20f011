package io.synod.queue.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link StreamStore} must have. A store's test extends this class and
 * supplies the store and a way to let time pass; the Redis adapter of node-server runs the same
 * suite against a real server. Only the SPI is used. Idle-time checks use small idle times that
 * {@link #passTime} makes pass (a fake clock, or a short real wait on a real server); no timing is
 * asserted.
 */
public abstract class StreamStoreContract {
  /** Idle threshold used by the claim tests, in milliseconds. */
  protected static final long IDLE = 50;
  /** An idle threshold no entry reaches during a test. */
  protected static final long HOUR = 3_600_000;

  private StreamStore store;
  private String stream;

  /**
   * A fresh store (or a fresh view of a shared server) for one test.
   *
   * @return the store under test
   */
  protected abstract StreamStore createStore();

  /**
   * Lets at least {@code millis} milliseconds pass on the store's clock.
   *
   * @param millis how long
   */
  protected abstract void passTime(long millis);

  /**
   * A stream key no other test uses (a shared server keeps keys between tests).
   *
   * @param base a readable base name
   * @return a unique key
   */
  protected String uniqueStream(String base) {
    return base + "-" + Long.toHexString(new SplittableRandom().nextLong());
  }

  @BeforeEach
  void setUpStore() {
    store = createStore();
    stream = uniqueStream("contract");
  }

  /** Waits for a stage, unwrapping its failure. */
  protected static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new CompletionException(c);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static StreamRecord rec(String s) {
    return StreamRecord.of(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(StreamEntry e) {
    return new String(e.record().payload(), StandardCharsets.UTF_8);
  }

  private List<StreamId> append(String... payloads) {
    List<StreamRecord> rs = new ArrayList<>();
    for (String p : payloads) {
      rs.add(rec(p));
    }
    return await(store.append(stream, rs));
  }

  @Test
  void appendReturnsIncreasingIdsAndRangeReadsThemBack() {
    TreeMap<String, String> headers = new TreeMap<>();
    headers.put("content-type", "application/json");
    StreamId first = await(store.append(stream,
        List.of(new StreamRecord("{\"a\":1}".getBytes(StandardCharsets.UTF_8), headers))))
        .get(0);
    List<StreamId> more = append("b", "c", "d");
    assertTrue(first.compareTo(more.get(0)) < 0);
    assertTrue(more.get(0).compareTo(more.get(1)) < 0 && more.get(1).compareTo(more.get(2)) < 0);
    List<StreamEntry> all = await(store.range(stream, StreamId.MIN, 10));
    assertEquals(4, all.size());
    assertEquals(first, all.get(0).id());
    assertEquals("application/json", all.get(0).record().headers().get("content-type"));
    assertArrayEquals("{\"a\":1}".getBytes(StandardCharsets.UTF_8), all.get(0).record().payload());
    assertEquals(List.of("b", "c", "d"), all.subList(1, 4).stream().map(e -> text(e)).toList());
    assertEquals(2, await(store.range(stream, more.get(1), 10)).size());
    assertEquals(1, await(store.range(stream, StreamId.MIN, 1)).size());
    assertTrue(await(store.range(uniqueStream("missing"), StreamId.MIN, 5)).isEmpty());
  }

  @Test
  void createGroupIsIdempotentAndCreatesTheStream() {
    await(store.createGroup(stream, "g"));
    StreamInfo info = await(store.info(stream));
    assertEquals(0, info.length());
    assertNotNull(info.group("g"));
    append("x");
    await(store.readNew(stream, "g", "c1", 10));
    await(store.createGroup(stream, "g"));
    GroupInfo g = await(store.info(stream)).group("g");
    assertEquals(1, g.pending(), "a second create must not reset the group");
  }

  @Test
  void groupStartsAtTheBeginningOfTheStream() {
    append("early");
    await(store.createGroup(stream, "late"));
    List<StreamEntry> got = await(store.readNew(stream, "late", "c", 10));
    assertEquals(List.of("early"), got.stream().map(e -> text(e)).toList());
  }

  @Test
  void readNewDeliversEachEntryOncePerGroupInOrder() {
    await(store.createGroup(stream, "g1"));
    await(store.createGroup(stream, "g2"));
    append("1", "2", "3");
    List<StreamEntry> a = await(store.readNew(stream, "g1", "c1", 2));
    List<StreamEntry> b = await(store.readNew(stream, "g1", "c2", 10));
    assertEquals(List.of("1", "2"), a.stream().map(e -> text(e)).toList());
    assertEquals(List.of("3"), b.stream().map(e -> text(e)).toList());
    assertTrue(await(store.readNew(stream, "g1", "c1", 10)).isEmpty());
    a.forEach(e -> assertEquals(1, e.deliveryCount()));
    assertEquals(3, await(store.readNew(stream, "g2", "x", 10)).size(), "groups are independent");
    List<PendingEntry> p = await(store.pending(stream, "g1", StreamId.MIN, 10));
    assertEquals(3, p.size());
    assertEquals("c1", p.get(0).consumer());
    assertEquals("c2", p.get(2).consumer());
    assertEquals(1, p.get(0).deliveryCount());
  }

  @Test
  void groupCallsOnAMissingGroupFail() {
    append("x");
    Throwable t = assertThrows(RuntimeException.class,
        () -> await(store.readNew(stream, "nope", "c", 1)));
    assertInstanceOf(NoSuchGroupException.class, t);
    assertInstanceOf(NoSuchGroupException.class, assertThrows(RuntimeException.class,
        () -> await(store.claimIdle(stream, "nope", "c", 0, StreamId.MIN, 10))));
    assertInstanceOf(NoSuchGroupException.class, assertThrows(RuntimeException.class,
        () -> await(store.pending(stream, "nope", StreamId.MIN, 10))));
  }

  @Test
  void ackRemovesFromPendingOnceAndIgnoresUnknownIds() {
    await(store.createGroup(stream, "g"));
    List<StreamId> ids = append("1", "2");
    await(store.readNew(stream, "g", "c", 10));
    assertEquals(1L, await(store.ack(stream, "g", List.of(ids.get(0)))));
    assertEquals(0L, await(store.ack(stream, "g", List.of(ids.get(0)))), "acked twice");
    assertEquals(0L, await(store.ack(stream, "g", List.of(new StreamId(1, 99)))), "unknown id");
    List<PendingEntry> p = await(store.pending(stream, "g", StreamId.MIN, 10));
    assertEquals(List.of(ids.get(1)), p.stream().map(PendingEntry::id).toList());
    assertEquals(2, await(store.info(stream)).length(), "ack keeps the entry in the stream");
  }

  @Test
  void claimIdleRedeliversIdleEntriesWithCountedDeliveries() {
    await(store.createGroup(stream, "g"));
    List<StreamId> ids = append("1", "2");
    await(store.readNew(stream, "g", "c1", 10));
    ClaimResult none = await(store.claimIdle(stream, "g", "c2", HOUR, StreamId.MIN, 10));
    assertTrue(none.claimed().isEmpty(), "nothing is idle for an hour yet");
    passTime(IDLE * 2);
    List<StreamEntry> claimed = claimAll("c2", IDLE);
    assertEquals(ids, claimed.stream().map(StreamEntry::id).toList());
    claimed.forEach(e -> assertEquals(2, e.deliveryCount()));
    assertEquals("1", text(claimed.get(0)));
    List<PendingEntry> p = await(store.pending(stream, "g", StreamId.MIN, 10));
    assertTrue(p.stream().allMatch(e -> e.consumer().equals("c2") && e.deliveryCount() == 2));
    ClaimResult again = await(store.claimIdle(stream, "g", "c3", HOUR, StreamId.MIN, 10));
    assertTrue(again.claimed().isEmpty(), "a claim restarts the idle time");
  }

  private List<StreamEntry> claimAll(String consumer, long minIdle) {
    List<StreamEntry> out = new ArrayList<>();
    StreamId cursor = StreamId.MIN;
    int rounds = 0;
    do {
      ClaimResult r = await(store.claimIdle(stream, "g", consumer, minIdle, cursor, 100));
      out.addAll(r.claimed());
      cursor = r.nextCursor();
      assertTrue(++rounds < 1000, "the claim cursor must reach the end");
    } while (!cursor.equals(StreamId.MIN));
    return out;
  }

  @Test
  void claimCursorWalksLargePendingLists() {
    await(store.createGroup(stream, "g"));
    List<StreamRecord> rs = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      rs.add(rec("m" + i));
    }
    List<StreamId> ids = await(store.append(stream, rs));
    await(store.readNew(stream, "g", "c1", 1000));
    passTime(IDLE * 2);
    List<StreamEntry> all = new ArrayList<>();
    StreamId cursor = StreamId.MIN;
    int rounds = 0;
    do {
      ClaimResult r = await(store.claimIdle(stream, "g", "c2", IDLE, cursor, 7));
      assertTrue(r.claimed().size() <= 7);
      all.addAll(r.claimed());
      cursor = r.nextCursor();
      assertTrue(++rounds < 1000);
    } while (!cursor.equals(StreamId.MIN));
    assertEquals(ids, all.stream().map(StreamEntry::id).toList());
  }

  @Test
  void claimDropsPendingIdsOfDeletedEntries() {
    await(store.createGroup(stream, "g"));
    List<StreamId> ids = append("1", "2");
    await(store.readNew(stream, "g", "c1", 10));
    assertEquals(1L, await(store.delete(stream, List.of(ids.get(0)))));
    assertEquals(0L, await(store.delete(stream, List.of(ids.get(0)))));
    passTime(IDLE * 2);
    Set<StreamId> deleted = new HashSet<>();
    List<StreamEntry> claimed = new ArrayList<>();
    StreamId cursor = StreamId.MIN;
    do {
      ClaimResult r = await(store.claimIdle(stream, "g", "c2", IDLE, cursor, 10));
      deleted.addAll(r.deletedIds());
      claimed.addAll(r.claimed());
      cursor = r.nextCursor();
    } while (!cursor.equals(StreamId.MIN));
    assertEquals(Set.of(ids.get(0)), deleted);
    assertEquals(List.of(ids.get(1)), claimed.stream().map(StreamEntry::id).toList());
    assertEquals(List.of(ids.get(1)), await(store.pending(stream, "g", StreamId.MIN, 10))
        .stream().map(PendingEntry::id).toList());
  }

  @Test
  void setIdleNacksAndExtendsWithoutCountingADelivery() {
    await(store.createGroup(stream, "g"));
    List<StreamId> ids = append("1", "2");
    await(store.readNew(stream, "g", "c1", 10));
    // nack: make the first entry look idle for an hour, so it is claimable at once
    List<StreamId> hit = await(store.setIdle(stream, "g", "c1",
        List.of(ids.get(0), new StreamId(1, 1)), HOUR));
    assertEquals(List.of(ids.get(0)), hit, "ids not pending are ignored");
    ClaimResult r = await(store.claimIdle(stream, "g", "c2", HOUR, StreamId.MIN, 10));
    assertEquals(List.of(ids.get(0)), r.claimed().stream().map(StreamEntry::id).toList());
    assertEquals(2, r.claimed().get(0).deliveryCount());
    // extend: idle 0 restarts the timer, the count stays
    passTime(IDLE * 2);
    await(store.setIdle(stream, "g", "c1", List.of(ids.get(1)), 0));
    List<PendingEntry> p = await(store.pending(stream, "g", ids.get(1), 1));
    assertEquals(1, p.get(0).deliveryCount());
    assertTrue(p.get(0).idleMillis() < IDLE * 2 + HOUR / 2);
    ClaimResult none = await(store.claimIdle(stream, "g", "c3", HOUR, StreamId.MIN, 10));
    assertTrue(none.claimed().isEmpty());
  }

  @Test
  void trimNeverDropsWhatAGroupStillNeeds() {
    await(store.createGroup(stream, "g"));
    List<StreamId> ids = append("1", "2", "3", "4", "5");
    await(store.readNew(stream, "g", "c", 2)); // 1 and 2 pending, 3..5 undelivered
    assertEquals(0L, await(store.trim(stream, 0, StreamId.MIN)), "1 is pending");
    await(store.ack(stream, "g", List.of(ids.get(0))));
    assertEquals(1L, await(store.trim(stream, 0, StreamId.MIN)), "only 1 may go");
    await(store.ack(stream, "g", List.of(ids.get(1))));
    assertEquals(1L, await(store.trim(stream, 0, StreamId.MIN)), "3 is undelivered");
    StreamInfo info = await(store.info(stream));
    assertEquals(3, info.length());
    assertEquals(ids.get(2), info.firstId());
    await(store.readNew(stream, "g", "c", 10));
    await(store.ack(stream, "g", ids.subList(2, 5)));
    assertEquals(1L, await(store.trim(stream, 2, StreamId.MIN)), "trim by length");
    assertEquals(1L, await(store.trim(stream, Long.MAX_VALUE, ids.get(4))), "trim by min id");
    assertEquals(List.of(ids.get(4)), await(store.range(stream, StreamId.MIN, 10)).stream()
        .map(StreamEntry::id).toList());
  }

  @Test
  void infoReportsLengthEndsPendingAndLag() {
    StreamInfo missing = await(store.info(uniqueStream("missing")));
    assertEquals(0, missing.length());
    assertTrue(missing.groups().isEmpty());
    assertNull(missing.firstId());
    await(store.createGroup(stream, "g"));
    List<StreamId> ids = append("1", "2", "3");
    await(store.readNew(stream, "g", "c", 2));
    StreamInfo info = await(store.info(stream));
    assertEquals(3, info.length());
    assertEquals(ids.get(0), info.firstId());
    assertEquals(ids.get(2), info.lastId());
    GroupInfo g = info.group("g");
    assertEquals(2, g.pending());
    assertEquals(ids.get(1), g.lastDeliveredId());
    assertEquals(ids.get(0), g.oldestPendingId());
    assertEquals(1, g.consumers());
    assertTrue(g.lag() == 1 || g.lag() == -1);
  }

  @Test
  void concurrentAppendsAndReadsLoseNothingAndDuplicateNothing() throws Exception {
    await(store.createGroup(stream, "g"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<StreamId>>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int wid = w;
        writers.add(pool.submit(() -> {
          List<StreamId> mine = new ArrayList<>();
          for (int i = 0; i < 50; i++) {
            mine.addAll(await(store.append(stream, List.of(rec("w" + wid + "-" + i)))));
          }
          return mine;
        }));
      }
      Set<StreamId> written = new HashSet<>();
      for (Future<List<StreamId>> f : writers) {
        written.addAll(f.get(60, TimeUnit.SECONDS));
      }
      assertEquals(200, written.size(), "ids must be unique");
      List<Future<List<StreamId>>> readers = new ArrayList<>();
      for (int r = 0; r < 4; r++) {
        String consumer = "c" + r;
        readers.add(pool.submit(() -> {
          List<StreamId> got = new ArrayList<>();
          List<StreamEntry> batch;
          do {
            batch = await(store.readNew(stream, "g", consumer, 7));
            batch.forEach(e -> got.add(e.id()));
          } while (!batch.isEmpty());
          return got;
        }));
      }
      List<StreamId> read = new ArrayList<>();
      for (Future<List<StreamId>> f : readers) {
        read.addAll(f.get(60, TimeUnit.SECONDS));
      }
      assertEquals(200, read.size(), "each entry goes to exactly one consumer");
      assertEquals(written, new HashSet<>(read));
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- work-queue retention, receipts, deletion ----------------------------------------------

  @Test
  void settleDeletesAnEntryEveryGroupAcknowledgedWhereverItSits() {
    List<StreamId> ids = append("a", "b", "c");
    await(store.createGroup(stream, "g1"));
    await(store.createGroup(stream, "g2"));
    await(store.readNew(stream, "g1", "c1", 10));
    await(store.readNew(stream, "g2", "c2", 10));
    // the middle entry, acknowledged by one group: still needed by the other
    AckResult one = await(store.settle(stream, "g1", List.of(Receipt.any(ids.get(1)))));
    assertEquals(List.of(ids.get(1)), one.acked());
    assertEquals(0, one.removed());
    assertEquals(3, await(store.info(stream)).length());
    // acknowledged by both, while the head is still pending: it leaves on its own
    AckResult two = await(store.settle(stream, "g2", List.of(Receipt.any(ids.get(1)))));
    assertEquals(1, two.removed());
    assertEquals(List.of(ids.get(0), ids.get(2)),
        await(store.range(stream, StreamId.MIN, 10)).stream().map(StreamEntry::id).toList());
    assertEquals(2, await(store.info(stream)).group("g1").pending());
  }

  @Test
  void settleKeepsWhatAnotherGroupHasNotReadYet() {
    List<StreamId> ids = append("a");
    await(store.createGroup(stream, "fast"));
    await(store.createGroup(stream, "slow"));
    await(store.readNew(stream, "fast", "c", 10));
    AckResult r = await(store.settle(stream, "fast", List.of(Receipt.any(ids.get(0)))));
    assertEquals(1, r.acked().size());
    assertEquals(0, r.removed());
    assertEquals(1, await(store.readNew(stream, "slow", "c", 10)).size());
  }

  @Test
  void settleAcceptsOnlyTheCurrentDelivery() {
    List<StreamId> ids = append("a");
    await(store.createGroup(stream, "g"));
    StreamEntry first = await(store.readNew(stream, "g", "c1", 10)).get(0);
    // the lease runs out and c2 takes the message: delivery 2
    passTime(IDLE + 10);
    StreamEntry second = claimAll("c2", IDLE).get(0);
    assertEquals(2, second.deliveryCount());
    AckResult late = await(store.settle(stream, "g",
        List.of(new Receipt(ids.get(0), first.deliveryCount()))));
    assertTrue(late.acked().isEmpty());
    assertEquals(List.of(ids.get(0)), late.stale());
    PendingEntry p = await(store.pending(stream, "g", StreamId.MIN, 10)).get(0);
    assertEquals("c2", p.consumer(), "a stale receipt changes nothing");
    assertEquals(1, await(store.info(stream)).length());
    AckResult current = await(store.settle(stream, "g",
        List.of(new Receipt(ids.get(0), second.deliveryCount()))));
    assertEquals(List.of(ids.get(0)), current.acked());
    assertEquals(1, current.removed());
    assertEquals(0, await(store.info(stream)).length());
  }

  @Test
  void settleOnAMissingGroupFails() {
    append("a");
    assertInstanceOf(NoSuchGroupException.class, assertThrows(RuntimeException.class,
        () -> await(store.settle(stream, "nope", List.of(Receipt.any(StreamId.MIN))))));
  }

  @Test
  void renewChecksDeliveryAndHolderAtomically() {
    List<StreamId> ids = append("a");
    await(store.createGroup(stream, "g"));
    await(store.readNew(stream, "g", "c1", 10));
    Receipt first = new Receipt(ids.get(0), 1);
    assertEquals(LeaseChange.STALE, await(store.renew(stream, "g", first, "c2", HOUR)));
    assertEquals(LeaseChange.STALE, await(store.renew(stream, "g", new Receipt(ids.get(0), 2),
        null, HOUR)));
    PendingEntry p = await(store.pending(stream, "g", StreamId.MIN, 10)).get(0);
    assertEquals("c1", p.consumer(), "a refused renew must not take the entry");
    assertTrue(claimAll("c3", HOUR / 2).isEmpty(), "and must not make it claimable");
    // nack by the current receipt: claimable at once, same delivery count until claimed
    assertEquals(LeaseChange.CHANGED, await(store.renew(stream, "g", first, null, HOUR)));
    assertEquals(1, await(store.pending(stream, "g", StreamId.MIN, 10)).get(0).deliveryCount());
    StreamEntry again = claimAll("c3", HOUR / 2).get(0);
    assertEquals(2, again.deliveryCount());
    assertEquals(LeaseChange.STALE, await(store.renew(stream, "g", first, null, 0)));
    await(store.settle(stream, "g", List.of(Receipt.any(ids.get(0)))));
    assertEquals(LeaseChange.NOT_PENDING, await(store.renew(stream, "g", Receipt.any(ids.get(0)),
        null, 0)));
  }

  @Test
  void expireRemovesOldEntriesButNeverALeasedOne() {
    List<StreamId> ids = append("a", "b", "c", "d");
    await(store.createGroup(stream, "g"));
    await(store.readNew(stream, "g", "c1", 1));
    await(store.settle(stream, "g", List.of(Receipt.any(ids.get(0)))));
    await(store.readNew(stream, "g", "c1", 1));
    // b is leased: the age limit stops there, c and d stay behind it
    assertEquals(0, await(store.expire(stream, StreamId.MAX)));
    await(store.settle(stream, "g", List.of(Receipt.any(ids.get(1)))));
    // c and d, never delivered, are older than the limit: they go
    assertEquals(2, await(store.expire(stream, StreamId.MAX)));
    assertEquals(0, await(store.info(stream)).length());
    assertEquals(0, await(store.expire(uniqueStream("missing"), StreamId.MAX)));
  }

  @Test
  void deletingAGroupFreesWhatOnlyItNeeded() {
    List<StreamId> ids = append("a", "b", "c", "d");
    await(store.createGroup(stream, "live"));
    await(store.createGroup(stream, "stray"));
    await(store.readNew(stream, "live", "c", 10));
    await(store.settle(stream, "live", List.of(Receipt.any(ids.get(1)), Receipt.any(ids.get(2)),
        Receipt.any(ids.get(3)))));
    assertEquals(4, await(store.info(stream)).length(), "the stray group pins them");
    assertTrue(await(store.deleteGroup(stream, "stray")));
    assertTrue(!await(store.deleteGroup(stream, "stray")));
    long removed = 0;
    StreamId cursor = StreamId.MIN;
    do {
      StreamStore.SweepResult r = await(store.sweep(stream, cursor, 2));
      removed += r.removed();
      cursor = r.next();
    } while (!cursor.equals(StreamId.MIN));
    assertEquals(3, removed);
    assertEquals(List.of(ids.get(0)),
        await(store.range(stream, StreamId.MIN, 10)).stream().map(StreamEntry::id).toList());
    assertEquals(1, await(store.info(stream)).groups().size());
  }

  @Test
  void aConsumerHoldingEntriesIsNotDeleted() {
    List<StreamId> ids = append("a", "b");
    await(store.createGroup(stream, "g"));
    await(store.readNew(stream, "g", "busy", 1));
    await(store.readNew(stream, "g", "idle", 1));
    await(store.settle(stream, "g", List.of(Receipt.any(ids.get(1)))));
    assertEquals(1L, await(store.deleteConsumer(stream, "g", "busy")));
    assertEquals(0L, await(store.deleteConsumer(stream, "g", "idle")));
    assertEquals(-1L, await(store.deleteConsumer(stream, "g", "idle")));
    assertEquals(1, await(store.info(stream)).group("g").consumers());
    assertEquals("busy", await(store.pending(stream, "g", StreamId.MIN, 10)).get(0).consumer());
    await(store.settle(stream, "g", List.of(Receipt.any(ids.get(0)))));
    assertEquals(0L, await(store.deleteConsumer(stream, "g", "busy")));
  }

  @Test
  void boundsOnGroupsConsumersAndPendingRefuseAndChangeNothing() {
    append("a", "b", "c");
    assertTrue(await(store.createGroup(stream, "g", 2)));
    assertTrue(await(store.createGroup(stream, "h", 2)));
    assertTrue(await(store.createGroup(stream, "g", 2)), "an existing group is fine at the bound");
    assertTrue(!await(store.createGroup(stream, "third", 2)));
    assertEquals(2, await(store.info(stream)).groups().size());
    assertTrue(await(store.registerConsumer(stream, "g", "c1", 1)));
    assertTrue(await(store.registerConsumer(stream, "g", "c1", 1)));
    assertTrue(!await(store.registerConsumer(stream, "g", "c2", 1)));
    assertEquals(1, await(store.info(stream)).group("g").consumers());
    assertEquals(2, await(store.readNew(stream, "g", "c1", 10, 2)).size(),
        "a read stops at the bound on pending entries");
    assertInstanceOf(PendingLimitException.class, assertThrows(RuntimeException.class,
        () -> await(store.readNew(stream, "g", "c1", 10, 2))));
    GroupInfo g = await(store.info(stream)).group("g");
    assertEquals(2, g.pending());
    assertEquals(1, g.lag(), "the refused read read nothing");
  }
}
