package io.synod.examples;

import io.synod.queue.Delivery;
import io.synod.queue.QueueConfig;
import io.synod.queue.QueueNode;
import io.synod.queue.TopicStats;
import io.synod.queue.memory.InMemoryQueueTransport;
import io.synod.queue.memory.InMemoryStreamStore;
import io.synod.queue.ring.RingConfig;
import io.synod.queue.ring.RingView;
import io.synod.queue.ring.StaticMembership;
import io.synod.queue.sim.VirtualScheduler;
import io.synod.queue.spi.StreamId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hash-ring queue inside one application: three {@link QueueNode}s on in-memory stores and an
 * in-memory transport, driven by a virtual clock so the run is the same every time. Publish
 * through one node that does not own the topic, consume in a group through another, acknowledge some, and watch the
 * unacknowledged one come back after the visibility timeout with a higher delivery count.
 *
 * <p>Run: {@code mvn -q -pl examples -am exec:java
 * -Dexec.mainClass=io.synod.examples.EmbeddedQueue}
 */
public final class EmbeddedQueue {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedQueue.class);
  private static final String TOPIC = "orders";
  private static final String GROUP = "billing";

  /**
   * What happened, for the reader and for the test.
   *
   * @param owner the node that owns the topic on the ring
   * @param published the message ids, in publish order
   * @param firstDelivery the ids the first consume returned
   * @param visibleBeforeTimeout what a second consumer got before the visibility timeout passed
   * @param redelivered the ids delivered again after the timeout
   * @param redeliveryCount the delivery count of the redelivered message
   * @param pendingAtEnd messages the group holds unacknowledged at the end
   */
  public record Result(
      String owner, List<String> published, List<String> firstDelivery,
      List<String> visibleBeforeTimeout, List<String> redelivered, long redeliveryCount,
      long pendingAtEnd) {}

  private EmbeddedQueue() {}

  /**
   * Runs the example.
   *
   * @param args unused
   */
  public static void main(String[] args) {
    LOG.info("result: {}", run(1_000));
  }

  /**
   * Plays the scenario.
   *
   * @param visibilityTimeoutMillis how long a delivered message stays invisible to the group
   * @return what happened
   */
  public static Result run(long visibilityTimeoutMillis) {
    // virtual time: scheduled work (redelivery deadlines) runs when we advance it
    VirtualScheduler clock = new VirtualScheduler(1_000_000);
    InMemoryQueueTransport transport = new InMemoryQueueTransport(Runnable::run);
    StaticMembership members = new StaticMembership(List.of("node1", "node2", "node3"));
    Map<String, QueueNode> nodes = new TreeMap<>();
    RingView ring = new RingView(members, RingConfig.defaults(),
        r -> nodes.values().forEach(n -> n.onRingChange(r)));
    QueueConfig config = QueueConfig.defaults().withVisibilityTimeoutMillis(visibilityTimeoutMillis);
    for (String id : members.members()) {
      QueueNode n = new QueueNode(id, config, ring::current, new InMemoryStreamStore(clock::now),
          transport, clock, clock::now);
      nodes.put(id, n);
      transport.register(id, n);
    }
    String owner = nodes.get("node1").ownerOf(TOPIC);
    // talk to the other two nodes only: they forward every request to the owner
    List<String> others = nodes.keySet().stream().filter(n -> !n.equals(owner)).toList();
    QueueNode producerSide = nodes.get(others.get(0));
    QueueNode consumerSide = nodes.get(others.get(1));
    LOG.info("'{}' is owned by {} on the ring; clients use {} and {}", TOPIC, owner,
        others.get(0), others.get(1));

    // any node accepts a publish and forwards it to the owner
    List<String> published = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      StreamId id = done(clock, producerSide.publish(TOPIC, "{\"order\":" + i + "}"));
      published.add(id.toString());
    }
    LOG.info("published {}", published);

    List<Delivery> first = done(clock, consumerSide.consume(TOPIC, GROUP, "c1", 10, 0));
    for (Delivery d : first) {
      LOG.info("c1 got {} {} (delivery {})", d.id(),
          new String(d.payload(), StandardCharsets.UTF_8), d.deliveryCount());
    }
    // c1 acknowledges the first two and "crashes" before acknowledging the third
    for (Delivery d : first.subList(0, Math.min(2, first.size()))) {
      done(clock, consumerSide.ack(TOPIC, GROUP, d.id().toString()));
    }
    List<Delivery> early = done(clock, consumerSide.consume(TOPIC, GROUP, "c2", 10, 0));
    LOG.info("c2 before the visibility timeout: {} messages", early.size());

    clock.advance(visibilityTimeoutMillis + 1);
    List<Delivery> again = done(clock, consumerSide.consume(TOPIC, GROUP, "c2", 10, 0));
    for (Delivery d : again) {
      LOG.info("c2 got {} again (delivery {})", d.id(), d.deliveryCount());
      done(clock, consumerSide.ack(TOPIC, GROUP, d.id().toString()));
    }
    TopicStats stats = done(clock, producerSide.stats(TOPIC));
    long pending = stats.groups().stream().filter(g -> g.group().equals(GROUP))
        .mapToLong(TopicStats.GroupStats::pending).sum();
    LOG.info("group '{}' has {} pending", GROUP, pending);
    return new Result(owner, published, ids(first), ids(early), ids(again),
        again.isEmpty() ? 0 : again.get(0).deliveryCount(), pending);
  }

  private static List<String> ids(List<Delivery> ds) {
    return ds.stream().map(d -> d.id().toString()).toList();
  }

  /** Lets due virtual-time work run, then takes the result (complete by then). */
  private static <T> T done(VirtualScheduler clock, CompletionStage<T> s) {
    clock.advance(1);
    CompletableFuture<T> f = s.toCompletableFuture();
    if (!f.isDone()) {
      throw new IllegalStateException("the queue did not answer within virtual time");
    }
    return f.join();
  }
}
