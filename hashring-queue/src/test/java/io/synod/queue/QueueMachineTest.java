package io.synod.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The replicated queue state: commands with log stamps, determinism, snapshots. */
class QueueMachineTest {
  private final QueueConfig config = QueueConfig.defaults().withVisibilityTimeoutMillis(1000)
      .withMaxDeliveries(2);

  private static QueueRequest.Publish pub(String topic, String text) {
    return new QueueRequest.Publish(topic, List.of(StreamRecord.of(text.getBytes())), 0);
  }

  private static QueueRequest.Consume take(String topic, String consumer) {
    return new QueueRequest.Consume(topic, "g", consumer, 10, 0, 0);
  }

  @SuppressWarnings("unchecked")
  private static <T> T ok(Object result) {
    if (result instanceof QueueException e) {
      throw e;
    }
    return (T) result;
  }

  @Test
  void leasesExpireByTheStampsInTheLogNotByAClock() {
    QueueMachine m = new QueueMachine(config, t -> { });
    List<StreamId> ids = ok(m.apply(QueueMachine.command(10_000, pub("t", "a"))));
    List<Delivery> first = ok(m.apply(QueueMachine.command(10_001, take("t", "c1"))));
    assertEquals(ids, first.stream().map(Delivery::id).toList());
    // 999 ms later by the log the lease still holds: nothing for another consumer
    List<Delivery> early = ok(m.apply(QueueMachine.command(11_000, take("t", "c2"))));
    assertTrue(early.isEmpty());
    // a stamp behind the clock (a new leader whose clock is late) does not move time back
    List<Delivery> back = ok(m.apply(QueueMachine.command(5_000, take("t", "c2"))));
    assertTrue(back.isEmpty());
    List<Delivery> late = ok(m.apply(QueueMachine.command(11_002, take("t", "c2"))));
    assertEquals(ids, late.stream().map(Delivery::id).toList());
    assertEquals(2, late.get(0).deliveryCount());
  }

  @Test
  void aRefusedCommandIsItsResultAndChangesNothing() throws Exception {
    QueueMachine m = new QueueMachine(config, t -> { });
    ok(m.apply(QueueMachine.command(1, pub("t", "a"))));
    byte[] before = m.freeze().toBytes();
    Object r = m.apply(QueueMachine.command(2,
        new QueueRequest.Ack("t", "g", List.of("1-0"), 0)));
    assertEquals(QueueException.Code.NOT_FOUND, assertInstanceOf(QueueException.class, r).code());
    Object bad = m.apply(new byte[] {9, 9, 9});
    assertEquals(QueueException.Code.INVALID_ARGUMENT,
        assertInstanceOf(QueueException.class, bad).code());
    // the refused ack created the group (as a consume would) but stored no message change
    QueueMachine n = new QueueMachine(config, t -> { });
    n.restore(before);
    assertEquals(1L, ((TopicStats) ok(n.apply(QueueMachine.command(3,
        new QueueRequest.Stats("t", 0))))).length());
  }

  @Test
  void replicasApplyingTheSameLogAgreeAndASnapshotRestoresTheSameState() throws Exception {
    SplittableRandom rnd = new SplittableRandom(7);
    List<byte[]> log = new ArrayList<>();
    long t = 1_000;
    for (int i = 0; i < 400; i++) {
      t += rnd.nextInt(0, 300);
      String topic = "t" + rnd.nextInt(3);
      QueueRequest<?> r = switch (rnd.nextInt(4)) {
        case 0, 1 -> pub(topic, "m" + i);
        case 2 -> take(topic, "c" + rnd.nextInt(2));
        default -> new QueueRequest.Nack(topic, "g", "c0", "1000-0", 0);
      };
      log.add(QueueMachine.command(t, r));
    }
    QueueMachine a = new QueueMachine(config, x -> { });
    QueueMachine b = new QueueMachine(config, x -> { });
    QueueMachine c = new QueueMachine(config, x -> { });
    for (int i = 0; i < log.size(); i++) {
      Object ra = a.apply(log.get(i));
      Object rb = b.apply(log.get(i));
      assertEquals(String.valueOf(ra), String.valueOf(rb), "result of entry " + i);
      if (i == 199) {
        // c joins from a's snapshot half-way, as a lagging follower would
        c.restore(a.freeze().toBytes());
      } else if (i > 199) {
        assertEquals(String.valueOf(ra), String.valueOf(c.apply(log.get(i))), "entry " + i);
      }
    }
    assertArrayEquals(a.freeze().toBytes(), b.freeze().toBytes());
    assertArrayEquals(a.freeze().toBytes(), c.freeze().toBytes());
    assertTrue(a.topics().contains("t0.dlq") || a.topics().size() >= 3);
  }

  /**
   * A snapshot is frozen in the apply thread and written later, after more publishes, deliveries
   * and acks (which remove acknowledged messages): it holds the state at the freeze, which a
   * replica that stopped applying there holds too.
   */
  @Test
  void aSnapshotWrittenAfterLaterCommandsHoldsTheStateAtTheFreeze() throws Exception {
    SplittableRandom rnd = new SplittableRandom(11);
    QueueMachine a = new QueueMachine(config, x -> { });
    QueueMachine b = new QueueMachine(config, x -> { });
    QueueMachine.Frozen frozen = null;
    List<String> delivered = new ArrayList<>();
    long t = 1_000;
    for (int i = 0; i < 600; i++) {
      t += rnd.nextInt(0, 50);
      String topic = "t" + rnd.nextInt(2);
      QueueRequest<?> r = switch (rnd.nextInt(5)) {
        case 0, 1 -> pub(topic, "m" + i);
        case 2 -> take(topic, "c" + rnd.nextInt(2));
        default -> delivered.isEmpty() ? pub(topic, "x" + i)
            : new QueueRequest.Ack(topic, "g", List.of(delivered.remove(0)), 0);
      };
      byte[] command = QueueMachine.command(t, r);
      if (i == 300) {
        frozen = a.freeze();
      }
      Object ra = a.apply(command);
      if (ra instanceof List<?> l) {
        for (Object o : l) {
          if (o instanceof Delivery d) {
            delivered.add(d.id().toString());
          }
        }
      }
      if (i < 300) {
        b.apply(command);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frozen.writeTo(out);
    assertArrayEquals(b.freeze().toBytes(), out.toByteArray());
    QueueMachine c = new QueueMachine(config, x -> { });
    c.restore(out.toByteArray());
    assertArrayEquals(b.freeze().toBytes(), c.freeze().toBytes());
  }

  @Test
  void aDeadLetterTopicIsPlacedWithItsTopic() {
    assertEquals("orders", QueueMachine.routingKey("orders.dlq"));
    assertEquals("orders", QueueMachine.routingKey("orders"));
    assertEquals(".dlq", QueueMachine.routingKey(".dlq"));
  }

  /**
   * Issue 24's defect: at QUEUE_MAX_DEPTH=1000 with 999 of 1000 acknowledged and the head still
   * leased, every publish was refused ("holds 1000 unacknowledged messages"). Acknowledged
   * entries now leave the topic at their ack, wherever they sit.
   */
  @Test
  void aLeasedHeadDoesNotFillATopicWhoseOtherMessagesAreAcknowledged() {
    QueueMachine m = new QueueMachine(config.withRetention(1000, Long.MAX_VALUE), t -> { });
    long stamp = 1;
    List<StreamId> ids = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ids.addAll(ok(m.apply(QueueMachine.command(stamp++, pub("t", "m" + i)))));
    }
    List<Delivery> got = ok(m.apply(QueueMachine.command(stamp++,
        new QueueRequest.Consume("t", "g", "c1", 1000, 0, 0))));
    assertEquals(1000, got.size());
    List<String> rest = new ArrayList<>();
    for (Delivery d : got.subList(1, 1000)) {
      rest.add(d.id().toString());
    }
    assertEquals(999L, (long) ok(m.apply(QueueMachine.command(stamp,
        new QueueRequest.Ack("t", "g", rest, 0)))));
    for (int i = 0; i < 5; i++) {
      ok(m.apply(QueueMachine.command(stamp, pub("t", "more" + i))));
    }
    TopicStats st = ok(m.apply(QueueMachine.command(stamp, new QueueRequest.Stats("t", 0))));
    assertEquals(6, st.length(), "the leased head and the five new ones; acked ones are gone");
  }

  @Test
  void aFullTopicNamesTheTrueCounts() {
    QueueMachine m = new QueueMachine(config.withRetention(3, Long.MAX_VALUE), t -> { });
    for (int i = 0; i < 3; i++) {
      ok(m.apply(QueueMachine.command(1, pub("t", "m" + i))));
    }
    ok(m.apply(QueueMachine.command(2, new QueueRequest.Consume("t", "g", "c1", 1, 0, 0))));
    QueueException e = assertInstanceOf(QueueException.class,
        m.apply(QueueMachine.command(3, pub("t", "x"))));
    assertEquals(QueueException.Code.QUEUE_FULL, e.code());
    assertTrue(e.getMessage().contains("holds 3 messages some consumer group still needs"
        + " (group 'g': 1 delivered and not acknowledged, 2 not delivered yet)"), e.getMessage());
  }

  /**
   * Issue 15: a late ack from a consumer whose lease ran out removed the lease of the consumer
   * that has the message now. By receipt it is refused and changes nothing.
   */
  @Test
  void aLateAckByAnExpiredReceiptIsRefusedAndChangesNothing() throws Exception {
    QueueMachine m = new QueueMachine(config, t -> { });
    ok(m.apply(QueueMachine.command(10_000, pub("t", "a"))));
    List<Delivery> firstTake = ok(m.apply(QueueMachine.command(10_001, take("t", "c1"))));
    Delivery first = firstTake.get(0);
    // 1001 ms later by the log c1's lease has run out: c2 gets the message, delivery 2
    List<Delivery> secondTake = ok(m.apply(QueueMachine.command(11_002, take("t", "c2"))));
    Delivery second = secondTake.get(0);
    assertEquals(first.id(), second.id());
    byte[] before = m.freeze().toBytes();
    for (QueueRequest<?> late : List.of(
        new QueueRequest.AckReceipts("t", "g", List.of(first.receipt()), 0),
        new QueueRequest.NackReceipt("t", "g", first.receipt(), 0),
        new QueueRequest.ExtendReceipt("t", "g", first.receipt(), 500, 0))) {
      QueueException e = assertInstanceOf(QueueException.class,
          m.apply(QueueMachine.command(11_002, late)));
      assertEquals(QueueException.Code.STALE_RECEIPT, e.code());
    }
    assertArrayEquals(before, m.freeze().toBytes(), "a refused receipt changes nothing");
    ok(m.apply(QueueMachine.command(11_004, new QueueRequest.ExtendReceipt("t", "g",
        second.receipt(), 1000, 0))));
    assertEquals(1L, (long) ok(m.apply(QueueMachine.command(11_005,
        new QueueRequest.AckReceipts("t", "g", List.of(second.receipt()), 0)))));
    QueueException gone = assertInstanceOf(QueueException.class, m.apply(QueueMachine.command(
        11_006, new QueueRequest.AckReceipts("t", "g", List.of(second.receipt()), 0))));
    assertEquals(QueueException.Code.GONE, gone.code());
  }

  /** Issue 17: every bound answers LIMIT_REACHED and leaves the state as it was. */
  @Test
  void boundsOnTopicsGroupsConsumersAndPendingChangeNothing() throws Exception {
    QueueMachine m = new QueueMachine(config.withLimits(new QueueLimits(2, 1, 1, 1)), t -> { });
    ok(m.apply(QueueMachine.command(1, pub("t", "a"))));
    ok(m.apply(QueueMachine.command(1, pub("t", "b"))));
    ok(m.apply(QueueMachine.command(1, pub("u", "a"))));
    ok(m.apply(QueueMachine.command(1, take("t", "c1"))));
    byte[] before = m.freeze().toBytes();
    List<QueueRequest<?>> over = List.of(
        pub("v", "a"),
        new QueueRequest.Consume("t", "other-group", "c1", 1, 0, 0),
        take("t", "c2"),
        take("t", "c1"));
    for (QueueRequest<?> r : over) {
      QueueException e = assertInstanceOf(QueueException.class,
          m.apply(QueueMachine.command(1, r)), r.toString());
      assertEquals(QueueException.Code.LIMIT_REACHED, e.code(), e.getMessage());
    }
    assertArrayEquals(before, m.freeze().toBytes(), "a refused request changes nothing");
  }

  /** The age limit (QUEUE_MAX_AGE_MILLIS): old messages leave, a leased one stays. */
  @Test
  void theAgeLimitRemovesOldMessagesButNotALeasedOne() {
    QueueMachine m = new QueueMachine(config.withVisibilityTimeoutMillis(100_000)
        .withRetention(1000, 5_000), t -> { });
    ok(m.apply(QueueMachine.command(1_000, pub("t", "leased"))));
    ok(m.apply(QueueMachine.command(1_000, pub("t", "old"))));
    List<Delivery> got = ok(m.apply(QueueMachine.command(1_001,
        new QueueRequest.Consume("t", "g", "c1", 1, 0, 0))));
    assertEquals(1, got.size());
    ok(m.apply(QueueMachine.command(2_000, pub("u", "x"))));
    // 10 s later by the log: both are past the limit, the leased one is kept
    ok(m.apply(QueueMachine.command(12_000, pub("t", "new"))));
    ok(m.apply(QueueMachine.command(12_000, pub("u", "new"))));
    TopicStats t = ok(m.apply(QueueMachine.command(12_000, new QueueRequest.Stats("t", 0))));
    assertEquals(3, t.length(), "the head is leased: the age limit stops there");
    TopicStats u = ok(m.apply(QueueMachine.command(12_000, new QueueRequest.Stats("u", 0))));
    assertEquals(1, u.length(), "'x', never read, expired: that is what an age limit means");
    ok(m.apply(QueueMachine.command(12_001, new QueueRequest.AckReceipts("t", "g",
        List.of(got.get(0).receipt()), 0))));
    ok(m.apply(QueueMachine.command(14_000, pub("t", "newer"))));
    TopicStats after = ok(m.apply(QueueMachine.command(14_000, new QueueRequest.Stats("t", 0))));
    assertEquals(2, after.length(), "'old' expired once the lease in front of it was gone");
  }

  /** Idle-group expiry: a stray group that pins a topic full is deleted once it is idle. */
  @Test
  void anIdleStrayGroupIsDeletedWhenItPinsATopicFull() throws Exception {
    QueueMachine m = new QueueMachine(config.withRetention(3, Long.MAX_VALUE)
        .withLimits(new QueueLimits(100, 10, 10, 100, 10_000)), t -> { });
    ok(m.apply(QueueMachine.command(1, new QueueRequest.Consume("t", "stray", "s", 1, 0, 0))));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ok(m.apply(QueueMachine.command(2, pub("t", "m" + i))));
    }
    List<Delivery> got = ok(m.apply(QueueMachine.command(3, take("t", "c1"))));
    got.forEach(d -> ids.add(d.receipt()));
    // "g" acknowledges two and keeps working on one (a group holding messages never expires)
    ok(m.apply(QueueMachine.command(3, new QueueRequest.AckReceipts("t", "g",
        ids.subList(0, 2), 0))));
    // the stray group has read none of them: they stay, and the topic is full
    QueueException full = assertInstanceOf(QueueException.class,
        m.apply(QueueMachine.command(5_000, pub("t", "x"))));
    assertEquals(QueueException.Code.QUEUE_FULL, full.code());
    assertTrue(full.getMessage().contains("group 'stray': 0 delivered and not acknowledged,"
        + " 3 not delivered yet"), full.getMessage());
    // "stray", handed nothing for 10 s by the log, is deleted, and what only it needed goes
    ok(m.apply(QueueMachine.command(20_000, pub("t", "y"))));
    TopicStats st = ok(m.apply(QueueMachine.command(20_000, new QueueRequest.Stats("t", 0))));
    assertEquals(2, st.length(), "the one 'g' holds and the new one");
    assertEquals(List.of("g"), st.groups().stream().map(TopicStats.GroupStats::group).toList());
    // a snapshot keeps the activity times: a restored replica decides the same
    QueueMachine copy = new QueueMachine(config, t -> { });
    copy.restore(m.freeze().toBytes());
    assertArrayEquals(m.freeze().toBytes(), copy.freeze().toBytes());
  }
}
