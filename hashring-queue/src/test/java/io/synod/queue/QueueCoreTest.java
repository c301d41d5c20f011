package io.synod.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.synod.queue.memory.InMemoryStreamStore;
import io.synod.queue.sim.VirtualScheduler;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class QueueCoreTest {
  private final VirtualScheduler sched = new VirtualScheduler(1_000_000);
  private final InMemoryStreamStore store = new InMemoryStreamStore(sched::now);
  private QueueCore core = new QueueCore(QueueConfig.defaults().withVisibilityTimeoutMillis(1000)
      .withMaxDeliveries(3), store, sched, sched::now, null);

  private static StreamRecord rec(String s) {
    return StreamRecord.of(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(Delivery d) {
    return new String(d.payload(), StandardCharsets.UTF_8);
  }

  private <T> T now(CompletionStage<T> s) {
    sched.runDue();
    CompletableFuture<T> f = s.toCompletableFuture();
    assertTrue(f.isDone(), "stage must be complete");
    return f.join();
  }

  private QueueException.Code failure(CompletionStage<?> s) {
    sched.runDue();
    CompletableFuture<?> f = s.toCompletableFuture();
    assertTrue(f.isCompletedExceptionally(), "must fail");
    try {
      f.join();
    } catch (RuntimeException e) {
      return assertInstanceOf(QueueException.class, e.getCause()).code();
    }
    return fail("unreachable");
  }

  private List<StreamId> publish(String topic, String... msgs) {
    List<StreamRecord> rs = new ArrayList<>();
    for (String m : msgs) {
      rs.add(rec(m));
    }
    return now(core.publish(topic, rs));
  }

  private List<Delivery> consume(String topic, String group, String consumer, int max) {
    return now(core.consume(topic, group, consumer, max, 0));
  }

  @Test
  void publishConsumeAckInOrderForOneConsumer() {
    List<StreamId> ids = publish("orders", "a", "b", "c");
    assertEquals(3, ids.size());
    List<Delivery> got = consume("orders", "g", "c1", 10);
    assertEquals(List.of("a", "b", "c"), got.stream().map(QueueCoreTest::text).toList());
    assertEquals(ids, got.stream().map(Delivery::id).toList());
    got.forEach(d -> assertEquals(1, d.deliveryCount()));
    assertEquals(3L, now(core.ack("orders", "g", ids.stream().map(Object::toString).toList())));
    sched.advance(5000);
    assertTrue(consume("orders", "g", "c1", 10).isEmpty(), "acked messages never come back");
  }

  @Test
  void eachMessageGoesToOneConsumerOfAGroupAndToEveryGroup() {
    publish("t", "1", "2", "3", "4");
    List<Delivery> a = consume("t", "g", "c1", 2);
    List<Delivery> b = consume("t", "g", "c2", 10);
    assertEquals(2, a.size());
    assertEquals(2, b.size());
    assertTrue(a.stream().noneMatch(d -> b.stream().anyMatch(e -> e.id().equals(d.id()))));
    assertEquals(4, consume("t", "other", "x", 10).size());
  }

  @Test
  void unackedMessagesReturnAfterTheVisibilityTimeoutWithCountedDeliveries() {
    publish("t", "m");
    Delivery first = consume("t", "g", "c1", 1).get(0);
    sched.advance(999);
    assertTrue(consume("t", "g", "c2", 1).isEmpty(), "still invisible");
    sched.advance(1);
    Delivery again = consume("t", "g", "c2", 1).get(0);
    assertEquals(first.id(), again.id());
    assertEquals(2, again.deliveryCount());
    TopicStats s = now(core.stats("t"));
    assertEquals(1, s.groups().get(0).redeliveries());
    assertEquals(1, s.groups().get(0).pending());
  }

  @Test
  void poisonMessagesMoveToTheDeadLetterTopicWithTheirHistory() {
    StreamId id = publish("jobs", "poison").get(0);
    for (int i = 1; i <= 3; i++) {
      List<Delivery> d = consume("jobs", "g", "c" + i, 1);
      assertEquals(1, d.size());
      assertEquals(i, d.get(0).deliveryCount());
      sched.advance(1000);
    }
    assertTrue(consume("jobs", "g", "c9", 1).isEmpty(), "a 4th delivery must not happen");
    List<StreamEntry> dead = now(core.browse("jobs.dlq", "0-0", 10));
    assertEquals(1, dead.size());
    StreamRecord r = dead.get(0).record();
    assertEquals("poison", new String(r.payload(), StandardCharsets.UTF_8));
    assertEquals(id.toString(), r.headers().get(QueueCore.H_ORIGINAL_ID));
    assertEquals("3", r.headers().get(QueueCore.H_DELIVERIES));
    assertEquals("g", r.headers().get(QueueCore.H_GROUP));
    assertEquals("c9", r.headers().get(QueueCore.H_FOUND_BY));
    TopicStats s = now(core.stats("jobs"));
    assertEquals(1, s.groups().get(0).deadLettered());
    assertEquals(0, s.groups().get(0).pending());
    // the dead letters are an ordinary topic
    assertEquals(1, consume("jobs.dlq", "ops", "o", 10).size());
  }

  @Test
  void nackGivesBackAtOnceAndOnlyTheHolderMayNack() {
    publish("t", "m");
    Delivery d = consume("t", "g", "c1", 1).get(0);
    assertEquals(QueueException.Code.NOT_FOUND,
        failure(core.nack("t", "g", "c2", d.id().toString())));
    now(core.nack("t", "g", "c1", d.id().toString()));
    Delivery again = consume("t", "g", "c2", 1).get(0);
    assertEquals(d.id(), again.id());
    assertEquals(2, again.deliveryCount());
  }

  @Test
  void extendKeepsAMessageInvisibleLonger() {
    publish("t", "m");
    Delivery d = consume("t", "g", "c1", 1).get(0);
    sched.advance(900);
    now(core.extend("t", "g", "c1", d.id().toString(), 1000));
    sched.advance(500);
    assertTrue(consume("t", "g", "c2", 1).isEmpty(), "extended past the first timeout");
    sched.advance(500);
    assertEquals(1, consume("t", "g", "c2", 1).size());
    assertEquals(QueueException.Code.INVALID_ARGUMENT,
        failure(core.extend("t", "g", "c2", d.id().toString(), 0)));
  }

  @Test
  void longPollWakesOnPublishAndTimesOutEmpty() {
    CompletableFuture<List<Delivery>> waiting =
        core.consume("t", "g", "c", 5, 10_000).toCompletableFuture();
    sched.advance(100);
    assertFalse(waiting.isDone());
    assertEquals(1, core.waiting("t"));
    publish("t", "hello");
    sched.advance(1);
    assertTrue(waiting.isDone());
    assertEquals("hello", text(waiting.join().get(0)));
    assertEquals(0, core.waiting("t"));
    now(core.ack("t", "g", List.of(waiting.join().get(0).id().toString())));
    CompletableFuture<List<Delivery>> idle =
        core.consume("t", "g", "c", 5, 3000).toCompletableFuture();
    sched.advance(2999);
    assertFalse(idle.isDone());
    sched.advance(1);
    assertTrue(idle.isDone());
    assertTrue(idle.join().isEmpty());
  }

  @Test
  void longPollSeesRedeliveriesWhenTheyComeDue() {
    publish("t", "m");
    consume("t", "g", "c1", 1);
    CompletableFuture<List<Delivery>> waiting =
        core.consume("t", "g", "c2", 1, 5000).toCompletableFuture();
    sched.advance(2100);
    assertTrue(waiting.isDone());
    assertEquals(2, waiting.join().get(0).deliveryCount());
  }

  @Test
  void badInputIsRefusedAndChangesNothing() {
    publish("t", "m");
    long version = store.version("t");
    String longName = "x".repeat(256);
    assertEquals(QueueException.Code.INVALID_ARGUMENT, failure(core.publish("", List.of(rec("a")))));
    assertEquals(QueueException.Code.INVALID_ARGUMENT,
        failure(core.publish(longName, List.of(rec("a")))));
    assertEquals(QueueException.Code.INVALID_ARGUMENT, failure(core.publish("t", List.of())));
    assertEquals(QueueException.Code.INVALID_ARGUMENT, failure(core.consume("t", "g", "c", -1, 0)));
    assertEquals(QueueException.Code.INVALID_ARGUMENT, failure(core.consume("t", "", "c", 1, 0)));
    assertEquals(QueueException.Code.INVALID_ARGUMENT,
        failure(core.consume("t", "g", "c", 1, -5)));
    assertEquals(QueueException.Code.INVALID_ARGUMENT,
        failure(core.consume("t", "g", longName, 1, 0)));
    assertEquals(QueueException.Code.INVALID_ARGUMENT,
        failure(core.ack("t", "g", List.of("not-an-id"))));
    assertEquals(QueueException.Code.INVALID_ARGUMENT, failure(core.ack("t", "g", List.of())));
    assertEquals(version, store.version("t"), "refused requests change nothing");
    assertEquals(QueueException.Code.NOT_FOUND, failure(core.ack("t", "g", List.of("1-1"))));
    assertEquals(QueueException.Code.INVALID_ARGUMENT,
        failure(core.publish("t", List.of(StreamRecord.of(new byte[(1 << 20) + 1])))));
  }

  @Test
  void retentionTrimsOnlyAcknowledgedMessagesAndRefusesWhenFull() {
    core = new QueueCore(QueueConfig.defaults().withRetention(3, Long.MAX_VALUE), store, sched,
        sched::now, null);
    publish("r", "1", "2", "3");
    assertEquals(QueueException.Code.QUEUE_FULL, failure(core.publish("r", List.of(rec("4")))));
    List<Delivery> got = consume("r", "g", "c", 2);
    assertEquals(QueueException.Code.QUEUE_FULL, failure(core.publish("r", List.of(rec("4")))),
        "delivered but unacked messages are never dropped");
    now(core.ack("r", "g", List.of(got.get(0).id().toString())));
    publish("r", "4");
    List<String> left = now(core.browse("r", "0-0", 10)).stream()
        .map(e -> new String(e.record().payload(), StandardCharsets.UTF_8)).toList();
    assertEquals(List.of("2", "3", "4"), left);
  }

  @Test
  void retentionByAgeDropsOnlyAcknowledgedMessages() {
    core = new QueueCore(QueueConfig.defaults().withRetention(1000, 10_000), store, sched,
        sched::now, null);
    List<StreamId> ids = publish("a", "old1", "old2");
    List<Delivery> got = consume("a", "g", "c", 2);
    now(core.ack("a", "g", List.of(got.get(0).id().toString())));
    sched.advance(20_000);
    for (int i = 0; i < 300; i++) {
      publish("a", "n" + i);
    }
    List<StreamEntry> left = now(core.browse("a", "0-0", 1));
    assertEquals(ids.get(1), left.get(0).id(), "the unacked old message stays");
  }

  @Test
  void statsReportPendingLagAndOldestAge() {
    publish("s", "1", "2", "3");
    consume("s", "g", "c", 1);
    sched.advance(700);
    TopicStats s = now(core.stats("s"));
    assertEquals(3, s.length());
    TopicStats.GroupStats g = s.groups().get(0);
    assertEquals(1, g.pending());
    assertEquals(2, g.lag());
    assertEquals(700, g.oldestPendingAgeMillis());
    assertEquals(1, g.consumers());
  }

  @Test
  void aGroupThatVanishedFromTheStoreIsCreatedAgainAndCounted() {
    // a store that loses everything (Redis restarted without persistence, or a DEL of the key)
    java.util.concurrent.atomic.AtomicReference<InMemoryStreamStore> current =
        new java.util.concurrent.atomic.AtomicReference<>(new InMemoryStreamStore(sched::now));
    io.synod.queue.spi.StreamStore flaky = (io.synod.queue.spi.StreamStore)
        java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {io.synod.queue.spi.StreamStore.class}, (proxy, m, args) -> {
              try {
                return m.invoke(current.get(), args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
    QueueCore c = new QueueCore(QueueConfig.defaults(), flaky, sched, sched::now, null);
    now(c.publish("t", List.of(rec("before"))));
    assertEquals(1, now(c.consume("t", "g", "c", 10, 0)).size());
    current.set(new InMemoryStreamStore(sched::now));
    now(c.publish("t", List.of(rec("after"))));
    List<Delivery> got = now(c.consume("t", "g", "c", 10, 0));
    assertEquals(List.of("after"), got.stream().map(QueueCoreTest::text).toList(),
        "the group is created again instead of every consume failing");
    assertEquals(1, c.groupsRecreated());
    assertEquals(1, now(c.pending("t", "g", 10)).size());
  }
}
