package io.synod.server.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.queue.Delivery;
import io.synod.queue.QueueConfig;
import io.synod.queue.QueueCore;
import io.synod.queue.TopicStats;
import io.synod.queue.spi.QueueScheduler;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The queue core's semantics on Redis Streams: visibility timeout, counted redeliveries and the
 * dead-letter topic the core builds from what the adapter gives it, and retention that keeps
 * unacknowledged messages.
 */
@ExtendWith(RedisServerExtension.class)
class RedisQueueCoreIT {
  private static final long VISIBILITY = 150;
  private static RedisConnector connector;
  private static ScheduledExecutorService timers;

  @BeforeAll
  static void connect(URI redis) {
    connector = RedisConnector.connect(redis.toString());
    timers = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterAll
  static void close() {
    connector.close();
    timers.shutdownNow();
  }

  private static <T> T await(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static QueueCore core(QueueConfig config) {
    QueueScheduler scheduler = (delay, task) -> {
      ScheduledFuture<?> f = timers.schedule(task, delay, TimeUnit.MILLISECONDS);
      return () -> f.cancel(false);
    };
    return new QueueCore(config, new RedisStreamStore(connector), scheduler,
        System::currentTimeMillis, null);
  }

  private static void sleep(long ms) throws InterruptedException {
    Thread.sleep(ms);
  }

  @Test
  void unackedMessagesComeBackCountedAndEndInTheDeadLetterTopic() throws Exception {
    QueueCore q = core(QueueConfig.defaults().withVisibilityTimeoutMillis(VISIBILITY)
        .withMaxDeliveries(3));
    StreamId poison = await(q.publish("jobs", List.of(StreamRecord.of(
        "poison".getBytes(StandardCharsets.UTF_8))))).get(0);
    StreamId good = await(q.publish("jobs", List.of(StreamRecord.of(
        "good".getBytes(StandardCharsets.UTF_8))))).get(0);
    List<Delivery> first = await(q.consume("jobs", "workers", "w1", 10, 0));
    assertEquals(List.of(poison, good), first.stream().map(Delivery::id).toList());
    await(q.ack("jobs", "workers", List.of(good.toString())));

    List<Long> counts = new ArrayList<>();
    for (int attempt = 0; attempt < 20 && counts.size() < 2; attempt++) {
      sleep(VISIBILITY + 50);
      for (Delivery d : await(q.consume("jobs", "workers", "w2", 10, 0))) {
        assertEquals(poison, d.id(), "an acked message never comes back");
        counts.add(d.deliveryCount());
      }
    }
    assertEquals(List.of(2L, 3L), counts);
    List<StreamEntry> dead = List.of();
    for (int attempt = 0; attempt < 20 && dead.isEmpty(); attempt++) {
      sleep(VISIBILITY + 50);
      assertTrue(await(q.consume("jobs", "workers", "w3", 10, 0)).isEmpty(),
          "over the limit it is not delivered again");
      dead = await(new RedisStreamStore(connector).range("jobs" + QueueCore.DLQ_SUFFIX,
          StreamId.MIN, 10));
    }
    assertEquals(1, dead.size());
    assertEquals("poison", new String(dead.get(0).record().payload(), StandardCharsets.UTF_8));
    assertEquals(poison.toString(), dead.get(0).record().headers().get(QueueCore.H_ORIGINAL_ID));
    TopicStats stats = await(q.stats("jobs"));
    assertEquals(0, stats.groups().get(0).pending());
  }

  @Test
  void retentionNeverDropsAnUnackedMessage() throws Exception {
    QueueCore q = core(QueueConfig.defaults().withRetention(2, Long.MAX_VALUE));
    List<StreamId> ids = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      ids.addAll(await(q.publish("t", List.of(StreamRecord.of(new byte[] {(byte) i})))));
    }
    assertEquals(ids.get(0), await(q.consume("t", "g", "c", 1, 0)).get(0).id());
    // over the limit with nothing acked: the core may refuse the publish, it must not drop one
    List<StreamId> accepted = new ArrayList<>();
    for (int i = 2; i < 6; i++) {
      try {
        accepted.addAll(await(q.publish("t", List.of(StreamRecord.of(new byte[] {(byte) i})))));
      } catch (java.util.concurrent.ExecutionException e) {
        assertTrue(e.getCause() instanceof io.synod.queue.QueueException, e.toString());
      }
    }
    List<StreamId> stored = await(new RedisStreamStore(connector).range("t", StreamId.MIN, 100))
        .stream().map(StreamEntry::id).toList();
    assertTrue(stored.containsAll(ids), "unacked and undelivered messages are all kept");
    List<StreamId> rest = await(q.consume("t", "g", "c", 100, 0)).stream().map(Delivery::id)
        .toList();
    List<StreamId> expected = new ArrayList<>(List.of(ids.get(1)));
    expected.addAll(accepted);
    assertEquals(expected, rest, "every accepted message is delivered");
  }

  /**
   * Issue 24's defect on Redis: at depth 1000 with 999 acknowledged and the head leased, every
   * publish was refused. Acknowledged entries now leave the stream at their ack (XDEL in the
   * settle script), so the stream holds only what a group still needs.
   */
  @Test
  void aLeasedHeadDoesNotFillATopicWhoseOtherMessagesAreAcknowledged() throws Exception {
    QueueCore q = core(QueueConfig.defaults().withRetention(1000, Long.MAX_VALUE));
    List<StreamRecord> batch = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      batch.add(StreamRecord.of(("m" + i).getBytes(StandardCharsets.UTF_8)));
    }
    await(q.publish("full", batch));
    List<Delivery> got = await(q.consume("full", "g", "c1", 1000, 0));
    assertEquals(1000, got.size());
    List<String> rest = got.subList(1, 1000).stream().map(d -> d.id().toString()).toList();
    assertEquals(999L, await(q.ack("full", "g", rest)));
    for (int i = 0; i < 5; i++) {
      await(q.publish("full", List.of(StreamRecord.of(new byte[] {(byte) i}))));
    }
    assertEquals(6, await(new RedisStreamStore(connector).info("full")).length());
  }

  /**
   * Issue 15 on Redis: a late ack, nack or extend by a receipt whose delivery is no longer
   * current is refused and changes nothing; the consumer holding the message now keeps it.
   */
  @Test
  void aStaleReceiptIsRefusedAndChangesNothing() throws Exception {
    QueueCore q = core(QueueConfig.defaults());
    await(q.publish("rcpt", List.of(StreamRecord.of("a".getBytes(StandardCharsets.UTF_8)))));
    Delivery first = await(q.consume("rcpt", "g", "c1", 1, 0)).get(0);
    // c1 gives it back; c2 takes it (delivery 2): c1's receipt is no longer current
    await(q.nackReceipt("rcpt", "g", first.receipt()));
    Delivery second = await(q.consume("rcpt", "g", "c2", 1, 0)).get(0);
    assertEquals(2, second.deliveryCount());
    RedisStreamStore store = new RedisStreamStore(connector);
    for (CompletionStage<?> late : List.of(
        q.ackReceipts("rcpt", "g", List.of(first.receipt())),
        q.nackReceipt("rcpt", "g", first.receipt()),
        q.extendReceipt("rcpt", "g", first.receipt(), 1000))) {
      java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
          java.util.concurrent.ExecutionException.class, () -> await(late));
      assertEquals(io.synod.queue.QueueException.Code.STALE_RECEIPT,
          io.synod.queue.QueueException.of(e.getCause()).code());
    }
    var pending = await(store.pending("rcpt", "g", StreamId.MIN, 10));
    assertEquals(1, pending.size());
    assertEquals("c2", pending.get(0).consumer());
    assertEquals(2, pending.get(0).deliveryCount());
    assertEquals(1L, await(q.ackReceipts("rcpt", "g", List.of(second.receipt()))));
    assertEquals(0, await(store.info("rcpt")).length());
  }

  /** Idle-group expiry on Redis: the idle time is the least idle time of the group's consumers. */
  @Test
  void anIdleStrayGroupIsDeletedWhenItPinsATopicFull() throws Exception {
    QueueCore q = core(QueueConfig.defaults().withRetention(3, Long.MAX_VALUE)
        .withLimits(new io.synod.queue.QueueLimits(100, 10, 10, 100, 200)));
    await(q.consume("pinned", "stray", "s", 1, 0));
    List<StreamRecord> three = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      three.add(StreamRecord.of(new byte[] {(byte) i}));
    }
    await(q.publish("pinned", three));
    List<Delivery> got = await(q.consume("pinned", "g", "c1", 10, 0));
    // "g" acknowledges two and keeps working on one: a group holding messages never expires
    await(q.ackReceipts("pinned", "g", got.subList(0, 2).stream().map(Delivery::receipt)
        .toList()));
    // at the limit: accepted once "stray" has been handed nothing for 200 ms (polled, no
    // timing asserted)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    boolean accepted = false;
    while (!accepted && System.nanoTime() < deadline) {
      try {
        await(q.publish("pinned", List.of(StreamRecord.of(new byte[] {9}))));
        accepted = true;
      } catch (java.util.concurrent.ExecutionException e) {
        assertEquals(io.synod.queue.QueueException.Code.QUEUE_FULL,
            io.synod.queue.QueueException.of(e.getCause()).code());
        sleep(50);
      }
    }
    assertTrue(accepted, "the idle group was expired");
    var info = await(new RedisStreamStore(connector).info("pinned"));
    assertEquals(List.of("g"), info.groups().stream().map(g -> g.name()).toList());
    assertEquals(2, info.length());
  }
}
