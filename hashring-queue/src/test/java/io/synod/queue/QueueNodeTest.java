package io.synod.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.synod.queue.memory.InMemoryQueueTransport;
import io.synod.queue.memory.InMemoryStreamStore;
import io.synod.queue.ring.RingConfig;
import io.synod.queue.ring.RingView;
import io.synod.queue.ring.StaticMembership;
import io.synod.queue.sim.VirtualScheduler;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Routing and takeover of a three-node cluster in one JVM over one shared store (the way Redis
 * Streams are shared in node-server): the ring owner serves a topic, any node forwards to it.
 */
class QueueNodeTest {
  private final VirtualScheduler sched = new VirtualScheduler(1_000_000);
  private final InMemoryQueueTransport transport = new InMemoryQueueTransport(Runnable::run);
  private final StaticMembership members =
      new StaticMembership(List.of("node1", "node2", "node3"));
  private final Map<String, QueueNode> nodes = new TreeMap<>();
  private final InMemoryStreamStore store = new InMemoryStreamStore(sched::now);
  private final RingView view = new RingView(members, RingConfig.defaults(), r -> {
    for (QueueNode n : nodes.values()) {
      n.onRingChange(r);
    }
  });
  private final QueueConfig config = QueueConfig.defaults().withVisibilityTimeoutMillis(1000);

  QueueNodeTest() {
    for (String id : members.members()) {
      start(id);
    }
  }

  private void start(String id) {
    QueueNode n = new QueueNode(id, config, view::current, store, transport, sched, sched::now);
    nodes.put(id, n);
    transport.register(id, n);
  }

  private void crash(String id) {
    transport.unregister(id);
    nodes.remove(id);
    members.leave(id);
  }

  private <T> T done(CompletionStage<T> s) {
    sched.advance(1);
    CompletableFuture<T> f = s.toCompletableFuture();
    assertTrue(f.isDone(), "stage must be complete");
    return f.join();
  }

  private QueueException.Code failure(CompletionStage<?> s) {
    sched.advance(1);
    CompletableFuture<?> f = s.toCompletableFuture();
    assertTrue(f.isCompletedExceptionally(), "must fail");
    try {
      f.join();
    } catch (RuntimeException e) {
      return assertInstanceOf(QueueException.class, e.getCause()).code();
    }
    return fail("unreachable");
  }

  /** A topic whose owner is the given node. */
  private String topicOwnedBy(String node) {
    for (int i = 0; ; i++) {
      String t = "topic-" + i;
      if (view.current().ownerOf(t).equals(node)) {
        return t;
      }
    }
  }

  @Test
  void anyNodeServesAnyTopicThroughItsOwner() {
    String topic = topicOwnedBy("node2");
    StreamId id = done(nodes.get("node1").publish(topic, "{\"x\":1}"));
    List<Delivery> got = done(nodes.get("node3").consume(topic, "workers", "w1", 10, 0));
    assertEquals(1, got.size());
    assertEquals(id, got.get(0).id());
    assertEquals("{\"x\":1}", new String(got.get(0).payload(), StandardCharsets.UTF_8));
    done(nodes.get("node1").ack(topic, "workers", id.toString()));
    assertEquals(QueueException.Code.NOT_FOUND,
        failure(nodes.get("node3").ack(topic, "workers", id.toString())));
    TopicStats s = done(nodes.get("node3").stats(topic));
    assertEquals(0, s.groups().get(0).pending());
    // acknowledged by its only group: it left the topic (work-queue retention)
    assertEquals(0, s.length());
  }

  private String successor(String topic) {
    return view.current().successors(topic, 2).get(1);
  }

  @Test
  void aForwardedRequestIsNeverForwardedAgain() {
    String topic = topicOwnedBy("node2");
    QueueRequest.Publish once = new QueueRequest.Publish(topic,
        List.of(StreamRecord.of(new byte[] {1})), 1);
    assertEquals(QueueException.Code.NOT_OWNER, failure(nodes.get("node1").handle(once)));
    assertEquals(0, store.version(topic), "refused: nothing stored");
  }

  @Test
  void whenTheOwnerDiesTheNextNodeServesItsTopicsLosingNothing() {
    String topic = topicOwnedBy("node2");
    String next = successor(topic);
    List<StreamId> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(done(nodes.get("node1").publish(topic, "m" + i)));
    }
    List<Delivery> first = done(nodes.get("node3").consume(topic, "g", "c1", 3, 0));
    for (Delivery d : first) {
      done(nodes.get("node3").ack(topic, "g", d.id().toString()));
    }
    Delivery held = done(nodes.get("node3").consume(topic, "g", "c1", 1, 0)).get(0);
    crash("node2");
    sched.advance(10);
    assertEquals(next, view.current().ownerOf(topic));
    String entry = nodes.keySet().iterator().next();
    List<Delivery> rest = done(nodes.get(entry).consume(topic, "g", "c2", 100, 0));
    assertEquals(ids.subList(4, 10), rest.stream().map(Delivery::id).toList(),
        "acked messages are not redelivered, the held one stays invisible, nothing is lost");
    sched.advance(1000);
    List<Delivery> again = done(nodes.get(entry).consume(topic, "g", "c2", 100, 0));
    assertTrue(again.stream().anyMatch(d -> d.id().equals(held.id())));
  }

  @Test
  void aJoiningNodeTakesItsTopicsOverWithTheirData() {
    List<String> topics = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String t = "t" + i;
      topics.add(t);
      done(nodes.get("node1").publish(t, "hello-" + i));
    }
    start("node4");
    members.join("node4");
    sched.advance(100);
    int moved = 0;
    for (String t : topics) {
      if (view.current().ownerOf(t).equals("node4")) {
        moved++;
      }
      List<Delivery> got = done(nodes.get("node3").consume(t, "g", "c", 10, 0));
      assertEquals(1, got.size(), t);
    }
    assertTrue(moved > 0, "node4 took some topics");
  }

  @Test
  void badInputIsRefusedBeforeRouting() {
    assertEquals(QueueException.Code.INVALID_ARGUMENT, failure(nodes.get("node1").publish("", "x")));
    assertEquals(QueueException.Code.INVALID_ARGUMENT,
        failure(nodes.get("node1").consume("t", "g", "c", 0, 0)));
    assertEquals(QueueException.Code.INVALID_ARGUMENT,
        failure(nodes.get("node1").ack("t", "g", "bogus")));
  }
}
