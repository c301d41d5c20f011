package io.synod.server.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TopicStoreTest {
  private final AtomicLong now = new AtomicLong(10_000);
  private final TopicStore store = new TopicStore(now::get, 1_000, 3, 100, 10);

  private static List<JsonNode> msgs(int... values) {
    return java.util.Arrays.stream(values).mapToObj(v -> (JsonNode) IntNode.valueOf(v)).toList();
  }

  private List<TopicStore.Message> consume(String group, int max) {
    return store.consume("t", group, "c", max, 0).join();
  }

  @Test
  void publishedMessagesAreDeliveredInOrderOnceAndAckedMessagesAreGone() {
    List<String> ids = store.publish("t", msgs(1, 2, 3));
    List<TopicStore.Message> got = consume("g", 10);
    assertEquals(ids, got.stream().map(TopicStore.Message::id).toList());
    assertEquals(List.of(), consume("g", 10));
    ids.forEach(id -> store.ack("t", "g", id));
    now.addAndGet(5_000);
    assertEquals(List.of(), consume("g", 10));
    assertEquals(0, store.stats("t").get("depth"));
  }

  @Test
  void eachGroupGetsEveryMessage() {
    store.publish("t", msgs(1));
    assertEquals(1, consume("a", 10).size());
    assertEquals(1, consume("b", 10).size());
  }

  @Test
  void anUnackedMessageIsRedeliveredAfterTheVisibilityTimeout() {
    String id = store.publish("t", msgs(1)).get(0);
    consume("g", 1);
    now.addAndGet(999);
    assertEquals(List.of(), consume("g", 1));
    now.addAndGet(2);
    TopicStore.Message again = consume("g", 1).get(0);
    assertEquals(id, again.id());
    assertEquals(2, again.deliveries());
  }

  @Test
  void afterMaxDeliveriesAMessageGoesToTheDeadLetterTopic() {
    String id = store.publish("t", msgs(7)).get(0);
    for (int i = 0; i < 3; i++) {
      assertEquals(1, consume("g", 1).size());
      now.addAndGet(1_001);
    }
    assertEquals(List.of(), consume("g", 1));
    List<TopicStore.Message> dead = store.peek("t" + TopicStore.DEAD_SUFFIX, 10);
    assertEquals(1, dead.size());
    assertEquals(id, dead.get(0).id());
    assertEquals(1L, store.stats("t").get("dead_letters"));
  }

  @Test
  void nackMakesAMessageVisibleAtOnce() {
    String id = store.publish("t", msgs(1)).get(0);
    consume("g", 1);
    store.nack("t", "g", id);
    assertEquals(id, consume("g", 1).get(0).id());
  }

  @Test
  void aLongPollIsAnsweredByTheNextPublishOrEmptyAtItsDeadline() {
    CompletableFuture<List<TopicStore.Message>> waiting = store.consume("t", "g", "c", 5, 5_000);
    assertFalse(waiting.isDone());
    store.publish("t", msgs(4));
    assertEquals(1, waiting.join().size());
    CompletableFuture<List<TopicStore.Message>> idle = store.consume("t", "g", "c", 5, 100);
    now.addAndGet(101);
    store.expire();
    assertEquals(List.of(), idle.join());
  }

  @Test
  void ackOfAnUnknownMessageIsRefused() {
    store.publish("t", msgs(1));
    consume("g", 1);
    ServiceException e =
        assertThrows(ServiceException.class, () -> store.ack("t", "g", "999-999"));
    assertEquals(404, e.status());
    assertThrows(ServiceException.class, () -> store.ack("nope", "g", "1-1"));
  }

  @Test
  void ackingTwiceIsHarmless() {
    String id = store.publish("t", msgs(1)).get(0);
    consume("g", 1);
    store.ack("t", "g", id);
    store.ack("t", "g", id);
    assertEquals(1L, store.stats("t").get("acknowledged"));
  }

  @Test
  void aFullTopicRefusesPublishesWholly() {
    TopicStore small = new TopicStore(now::get, 1_000, 3, 2, 10);
    small.publish("t", msgs(1));
    assertThrows(ServiceException.class, () -> small.publish("t", msgs(2, 3)));
    assertEquals(1, small.stats("t").get("depth"));
  }

  @Test
  void unacknowledgedMessagesAreNeverTrimmed() {
    List<String> ids = store.publish("t", msgs(1, 2, 3));
    consume("g", 3);
    store.ack("t", "g", ids.get(1));
    assertEquals(3, store.stats("t").get("depth"));
    store.ack("t", "g", ids.get(0));
    assertEquals(1, store.stats("t").get("depth"));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> groups =
        (Map<String, Map<String, Object>>) store.stats("t").get("groups");
    assertEquals(1, groups.get("g").get("pending"));
    assertTrue(store.totals().get("pending") == 1L);
  }
}
