package io.synod.server.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.Consumer;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.models.stream.ClaimedMessages;
import io.lettuce.core.models.stream.PendingMessages;
import io.synod.queue.spi.ClaimResult;
import io.synod.queue.spi.GroupInfo;
import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The traps of Redis Streams, each shown on the real server (what the raw command does) beside
 * what {@link RedisStreamStore} does about it.
 */
@ExtendWith(RedisServerExtension.class)
class RedisStreamTrapsIT {
  private static final long HOUR = 3_600_000;
  private static RedisConnector connector;
  private RedisStreamStore store;
  private RedisTestServer server;

  @BeforeAll
  static void connect(URI redis) {
    connector = RedisConnector.connect(redis.toString());
  }

  @AfterAll
  static void close() {
    connector.close();
  }

  @BeforeEach
  void setUp(RedisTestServer server) {
    this.server = server;
    store = new RedisStreamStore(connector);
  }

  private static <T> T await(CompletionStage<T> s) throws Exception {
    try {
      return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private List<StreamId> append(String stream, int n) throws Exception {
    List<StreamRecord> rs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rs.add(StreamRecord.of(("m" + i).getBytes(StandardCharsets.UTF_8)));
    }
    return await(store.append(stream, rs));
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private List<StreamEntry> claimAll(String stream, String consumer, long minIdle, int count)
      throws Exception {
    List<StreamEntry> out = new ArrayList<>();
    StreamId cursor = StreamId.MIN;
    int rounds = 0;
    do {
      ClaimResult r = await(store.claimIdle(stream, "g", consumer, minIdle, cursor, count));
      out.addAll(r.claimed());
      cursor = r.nextCursor();
      assertTrue(++rounds < 10_000);
    } while (!cursor.equals(StreamId.MIN));
    return out;
  }

  @Test
  void lettuceDropsTheDeletedIdsOfXautoclaimTheStoreReportsThem() throws Exception {
    for (String s : List.of("viaLettuce", "viaStore")) {
      await(store.createGroup(s, "g"));
      append(s, 2);
      await(store.readNew(s, "g", "c1", 10));
    }
    List<StreamEntry> lr = await(store.range("viaLettuce", StreamId.MIN, 10));
    List<StreamEntry> sr = await(store.range("viaStore", StreamId.MIN, 10));
    await(store.delete("viaLettuce", List.of(lr.get(0).id())));
    await(store.delete("viaStore", List.of(sr.get(0).id())));

    ClaimedMessages<byte[], byte[]> raw = connector.commands().xautoclaim(
        b(store.key("viaLettuce")),
        XAutoClaimArgs.Builder.xautoclaim(Consumer.from(b("g"), b("c2")), 0, "0-0").count(10))
        .get(10, TimeUnit.SECONDS);
    // Lettuce 6.7 decodes the claimed entry but has nowhere to put the deleted id
    assertEquals(List.of(lr.get(1).id().toString()),
        raw.getMessages().stream().map(m -> m.getId()).toList());
    assertEquals("0-0", raw.getId());
    PendingMessages left = connector.commands().xpending(b(store.key("viaLettuce")), b("g"))
        .get(10, TimeUnit.SECONDS);
    assertEquals(1, left.getCount(), "Redis 7 dropped the deleted id from the pending list");

    ClaimResult ours = await(store.claimIdle("viaStore", "g", "c2", 0, StreamId.MIN, 10));
    assertEquals(List.of(sr.get(0).id()), ours.deletedIds());
    assertEquals(List.of(sr.get(1).id()), ours.claimed().stream().map(StreamEntry::id).toList());
    assertEquals(2, ours.claimed().get(0).deliveryCount());
    assertEquals(List.of(sr.get(1).id()), await(store.pending("viaStore", "g", StreamId.MIN, 10))
        .stream().map(PendingEntry::id).toList());
  }

  @Test
  void oneXautoclaimCallStopsEarlyTheCursorLoopFindsEveryIdleEntry() throws Exception {
    await(store.createGroup("t", "g"));
    List<StreamId> ids = append("t", 60);
    await(store.readNew("t", "g", "c1", 100));
    List<StreamId> idle = ids.subList(57, 60);
    await(store.setIdle("t", "g", "c1", idle, HOUR));

    ClaimedMessages<byte[], byte[]> one = connector.commands().xautoclaim(b(store.key("t")),
        XAutoClaimArgs.Builder.xautoclaim(Consumer.from(b("g"), b("probe")), HOUR / 2, "0-0")
            .count(1))
        .get(10, TimeUnit.SECONDS);
    assertTrue(one.getMessages().isEmpty(), "one call scans only 10 x COUNT pending entries");
    assertNotEquals("0-0", one.getId(), "and hands back a cursor to go on from");

    List<StreamEntry> claimed = claimAll("t", "c2", HOUR / 2, 1);
    assertEquals(idle, claimed.stream().map(StreamEntry::id).toList());
    claimed.forEach(e -> assertEquals(2, e.deliveryCount()));
    ClaimResult single = await(store.claimIdle("t", "g", "c3", 0, StreamId.MIN, 1));
    assertEquals(1, single.claimed().size(), "at most count entries per call");
  }

  @Test
  void deliveryCountsClimbOnEveryRedeliveryAndFeedADeadLetterTopic() throws Exception {
    int maxDeliveries = 3;
    await(store.createGroup("orders", "g"));
    StreamId id = append("orders", 1).get(0);
    assertEquals(1, await(store.readNew("orders", "g", "c1", 1)).get(0).deliveryCount());
    List<Long> counts = new ArrayList<>();
    StreamEntry last = null;
    while (last == null || last.deliveryCount() < maxDeliveries) {
      List<StreamEntry> again = claimAll("orders", "c1", 0, 10);
      assertEquals(1, again.size());
      last = again.get(0);
      counts.add(last.deliveryCount());
    }
    assertEquals(List.of(2L, 3L), counts);
    // what the queue core does with the SPI once the maximum is reached: copy, then ack
    TreeMap<String, String> history = new TreeMap<>(last.record().headers());
    history.put("original-id", id.toString());
    history.put("deliveries", Long.toString(last.deliveryCount()));
    await(store.append("orders.dlq", List.of(new StreamRecord(last.record().payload(), history))));
    assertEquals(1L, await(store.ack("orders", "g", List.of(id))));
    assertTrue(claimAll("orders", "c1", 0, 10).isEmpty(), "no more redelivery once dead");
    assertEquals("+stream", server.command("TYPE", "queue_stream:orders.dlq"));
    List<StreamEntry> dead = await(store.range("orders.dlq", StreamId.MIN, 10));
    assertEquals("3", dead.get(0).record().headers().get("deliveries"));
    assertEquals("m0", new String(dead.get(0).record().payload(), StandardCharsets.UTF_8));
  }

  @Test
  void rawMaxlenDropsUnackedEntriesTrimStopsAtTheOldestOneAnyGroupNeeds() throws Exception {
    // the trap
    await(store.createGroup("raw", "g"));
    List<StreamId> rawIds = append("raw", 3);
    await(store.readNew("raw", "g", "c", 10));
    server.command("XTRIM", store.key("raw"), "MAXLEN", "0");
    assertEquals(":0", server.command("XLEN", store.key("raw")));
    ClaimResult lost = await(store.claimIdle("raw", "g", "c2", 0, StreamId.MIN, 10));
    assertEquals(rawIds, lost.deletedIds(), "the unacked entries were gone");

    // the store: two groups, the slower one decides
    await(store.createGroup("t", "fast"));
    await(store.createGroup("t", "slow"));
    List<StreamId> ids = append("t", 6);
    await(store.readNew("t", "fast", "c", 10));
    await(store.ack("t", "fast", ids));
    await(store.readNew("t", "slow", "c", 3)); // 0,1,2 pending; 3..5 undelivered
    await(store.ack("t", "slow", List.of(ids.get(0), ids.get(2))));
    assertEquals(1L, await(store.trim("t", 0, StreamId.MAX)), "1 is still pending in slow");
    assertEquals(ids.get(1), await(store.info("t")).firstId());
    await(store.ack("t", "slow", List.of(ids.get(1))));
    assertEquals(2L, await(store.trim("t", 1, StreamId.MIN)), "3 is not delivered yet");
    assertEquals(3, await(store.info("t")).length());
    await(store.readNew("t", "slow", "c", 10));
    await(store.ack("t", "slow", ids.subList(3, 6)));
    assertEquals(2L, await(store.trim("t", 1, StreamId.MIN)));
    assertEquals(List.of(ids.get(5)), await(store.range("t", StreamId.MIN, 10)).stream()
        .map(StreamEntry::id).toList());
    assertEquals(0L, await(store.trim("missing", 0, StreamId.MAX)));
  }

  @Test
  void trimWithoutGroupsIsExactAndLongTrimsStayBounded() throws Exception {
    List<StreamId> ids = append("plain", 30);
    assertEquals(20L, await(store.trim("plain", 10, StreamId.MIN)));
    assertEquals(ids.get(20), await(store.info("plain")).firstId());
    await(store.createGroup("big", "g"));
    List<StreamId> big = append("big", 40);
    await(store.readNew("big", "g", "c", 40));
    await(store.ack("big", "g", big.subList(0, 35)));
    // k = 39 > maxLen = 1: the script checks the tail instead of the head
    assertEquals(35L, await(store.trim("big", 1, StreamId.MIN)));
    assertEquals(big.get(35), await(store.info("big")).firstId());
  }

  @Test
  void delconsumerOrphansPendingEntriesRemoveConsumerHandsThemOn() throws Exception {
    // the trap
    await(store.createGroup("raw", "g"));
    append("raw", 2);
    await(store.readNew("raw", "g", "gone", 10));
    server.command("XGROUP", "DELCONSUMER", store.key("raw"), "g", "gone");
    assertEquals(0, await(store.info("raw")).group("g").pending(),
        "DELCONSUMER dropped two unacked entries from the pending list");

    // the store
    await(store.createGroup("t", "g"));
    List<StreamId> ids = append("t", 3);
    await(store.readNew("t", "g", "c1", 10));
    await(store.setIdle("t", "g", "c1", List.of(ids.get(0)), HOUR));
    claimAll("t", "c1", HOUR / 2, 10); // ids[0] now delivered twice
    await(store.setIdle("t", "g", "c1", List.of(ids.get(1)), HOUR));
    assertEquals(3L, await(store.removeConsumer("t", "g", "c1", "c2")));
    List<PendingEntry> p = await(store.pending("t", "g", StreamId.MIN, 10));
    assertEquals(ids, p.stream().map(PendingEntry::id).toList());
    assertTrue(p.stream().allMatch(e -> e.consumer().equals("c2")));
    assertEquals(List.of(2L, 1L, 1L), p.stream().map(PendingEntry::deliveryCount).toList());
    assertTrue(p.get(1).idleMillis() >= HOUR, "idle time is kept, so a nack stays a nack");
    GroupInfo g = await(store.info("t")).group("g");
    assertEquals(1, g.consumers());
    assertEquals(3, g.pending());
    assertThrows(IllegalArgumentException.class,
        () -> await(store.removeConsumer("t", "g", "c2", "c2")));
  }

  @Test
  void entriesAreReadableWithRedisCliAndForeignEntriesDecode() throws Exception {
    TreeMap<String, String> h = new TreeMap<>();
    h.put("content-type", "text/plain");
    await(store.append("orders", List.of(new StreamRecord(b("hello"), h))));
    assertEquals("+stream", server.command("TYPE", "queue_stream:orders"));
    Map<byte[], byte[]> body = connector.commands().xrange(b("queue_stream:orders"),
        io.lettuce.core.Range.create("-", "+")).get(10, TimeUnit.SECONDS).get(0).getBody();
    TreeMap<String, String> fields = new TreeMap<>();
    body.forEach((k, v) -> fields.put(new String(k, StandardCharsets.UTF_8),
        new String(v, StandardCharsets.UTF_8)));
    assertEquals(Map.of("payload", "hello", "header:content-type", "text/plain"), fields);
    // an entry another tool wrote: every field but payload reads as a header
    server.command("XADD", "queue_stream:orders", "*", "message", "hi");
    StreamEntry foreign = await(store.range("orders", StreamId.MIN, 10)).get(1);
    assertEquals(0, foreign.record().payload().length);
    assertEquals("hi", foreign.record().headers().get("message"));
  }

  @Test
  void badArgumentsFailTheStageAndChangeNothing() throws Exception {
    await(store.createGroup("t", "g"));
    assertInstanceOf(IllegalArgumentException.class,
        assertThrows(Exception.class, () -> await(store.append("", List.of()))));
    assertInstanceOf(IllegalArgumentException.class,
        assertThrows(Exception.class, () -> await(store.readNew("t", "g", "c", 0))));
    assertInstanceOf(IllegalArgumentException.class, assertThrows(Exception.class,
        () -> await(store.claimIdle("t", "g", "c", -1, StreamId.MIN, 1))));
    assertInstanceOf(IllegalArgumentException.class,
        assertThrows(Exception.class, () -> await(store.trim("t", -1, StreamId.MIN))));
    assertEquals(0, await(store.info("t")).length());
    assertFalse(await(store.info("t")).groups().isEmpty());
  }

  @Test
  void scriptsSurviveAScriptFlush() throws Exception {
    await(store.createGroup("t", "g"));
    append("t", 3);
    assertEquals(3, await(store.info("t")).length());
    assertEquals("+OK", server.command("SCRIPT", "FLUSH"));
    assertEquals(3, await(store.info("t")).length(), "EVALSHA falls back to EVAL on NOSCRIPT");
  }
}
