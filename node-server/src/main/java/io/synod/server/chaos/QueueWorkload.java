package io.synod.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.server.chaos.ChaosHttp.Outcome;
import io.synod.server.chaos.ChaosHttp.Reply;
import io.synod.server.chaos.QueueChecker.Publish;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Publishers and consumers on a few topics through random nodes. Each published message carries a
 * unique id ({@code {"cid": "p0-17"}}); consumers note every delivery and acknowledge it. One
 * topic, the backlog, is consumed only by the final drain, so its messages sit in the store
 * through every fault. After
 * the last heal a final drain consumes from every node until every acknowledged publish was seen,
 * or until nothing more comes for longer than the visibility timeout (so anything delivered but
 * not acknowledged had its chance to come back).
 */
final class QueueWorkload implements Workload {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final String GROUP = "chaos";
  private static final String BACKLOG = "chaos-backlog";

  private final ChaosHttp http = ChaosHttp.shared();
  private final RunClock clock;
  private final Workers workers;
  private final List<String> topics = new ArrayList<>();
  private final List<Publish> publishes = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> deliveries = new ConcurrentHashMap<>();
  private final long visibilityMillis;
  private final long drainBudgetMillis;
  private String drainNote = "";

  QueueWorkload(RunClock clock, List<URI> nodes, long seed, int topicCount, int publishers,
      int consumers, long visibilityMillis, long drainBudgetMillis) {
    this.clock = clock;
    this.workers = new Workers(nodes);
    this.visibilityMillis = visibilityMillis;
    this.drainBudgetMillis = drainBudgetMillis;
    for (int t = 0; t < topicCount; t++) {
      topics.add("chaos-t" + t);
    }
    // one more topic nobody consumes until the final drain: its messages must outlive every
    // fault of the run in the store (consumed topics are emptied within moments of a publish)
    topics.add(BACKLOG);
    for (int p = 0; p < publishers; p++) {
      String prefix = "p" + p;
      workers.spawn("publish-" + p, seed * 37 + p, rnd -> publishLoop(prefix, rnd));
    }
    for (int c = 0; c < consumers; c++) {
      String consumer = "c" + c;
      workers.spawn("consume-" + c, seed * 41 + c, rnd -> consumeLoop(consumer, rnd));
    }
  }

  @Override
  public String service() {
    return "queue";
  }

  @Override
  public void start() {
    workers.start();
  }

  @Override
  public void stop() throws InterruptedException {
    workers.stop();
  }

  private void publishLoop(String prefix, Random rnd) throws InterruptedException {
    long n = 0;
    while (workers.running()) {
      String id = prefix + "-" + n++;
      String topic = topics.get(rnd.nextInt(topics.size()));
      long invoke = clock.now();
      Reply r = http.post(workers.anyNode(rnd).resolve("/v1/topics/" + topic + "/publish"),
          Map.of("message", Map.of("cid", id)), TIMEOUT);
      long complete = clock.now();
      publishes.add(new Publish(id, invoke, complete, r.outcome()));
      if (r.ok()) {
        clock.answered("queue", complete);
      }
      Workers.pause(5 + rnd.nextInt(20));
    }
  }

  private void consumeLoop(String consumer, Random rnd) throws InterruptedException {
    List<String> live = topics.subList(0, topics.size() - 1);
    while (workers.running()) {
      String topic = live.get(rnd.nextInt(live.size()));
      if (consumeOnce(workers.anyNode(rnd), topic, consumer, 200, 20) < 0) {
        Workers.pause(50);
      }
    }
  }

  /** One consume and ack; returns the number of messages received, -1 when it did not answer. */
  private int consumeOnce(URI node, String topic, String consumer, int waitMillis, int max) {
    Reply r = http.post(node.resolve("/v1/topics/" + topic + "/consume"),
        Map.of("consumer_group", GROUP, "consumer_id", consumer, "max_messages", max,
            "wait_ms", waitMillis), TIMEOUT.plusMillis(waitMillis));
    if (!r.ok()) {
      return -1;
    }
    clock.answered("queue", clock.now());
    List<String> ids = new ArrayList<>();
    for (JsonNode m : r.json().path("messages")) {
      String cid = m.path("data").path("cid").asText(null);
      if (cid != null) {
        deliveries.merge(cid, 1, Integer::sum);
      }
      ids.add(m.path("id").asText());
    }
    if (!ids.isEmpty()) {
      http.post(node.resolve("/v1/topics/" + topic + "/ack"),
          Map.of("consumer_group", GROUP, "message_ids", ids), TIMEOUT);
    }
    return ids.size();
  }

  @Override
  public void finish() {
    long start = clock.now();
    long deadline = start + drainBudgetMillis * 1_000_000;
    long quietSince = clock.now();
    int rounds = 0;
    while (clock.now() < deadline) {
      rounds++;
      int got = 0;
      for (URI node : workers.nodes()) {
        for (String topic : topics) {
          got += Math.max(0, consumeOnce(node, topic, "drain", 100, 200));
        }
      }
      if (got > 0) {
        quietSince = clock.now();
      }
      boolean allSeen = publishes.stream()
          .allMatch(p -> p.outcome() != Outcome.OK || deliveries.containsKey(p.id()));
      if (allSeen && got == 0) {
        break;
      }
      if (clock.now() - quietSince > (visibilityMillis + 3000) * 1_000_000) {
        break;
      }
    }
    drainNote = ", drained in " + rounds + " rounds, "
        + LockChecker.ms(clock.now() - start);
  }

  @Override
  public List<Property> check() {
    List<Publish> ps = new ArrayList<>(publishes);
    QueueChecker.Result r = QueueChecker.check(ps, deliveries, clock.now());
    long ok = ps.stream().filter(p -> p.outcome() == Outcome.OK).count();
    long unknown = ps.stream().filter(p -> p.outcome() == Outcome.UNKNOWN).count();
    String counts = ps.size() + " publishes, " + ok + " acknowledged, " + unknown + " unknown, "
        + deliveries.size() + " distinct delivered, " + r.duplicates() + " duplicates"
        + drainNote;
    return List.of(
        new Property("queue: every acknowledged publish delivered at least once", counts,
            r.lost()),
        new Property("queue: no delivery of a message never published",
            deliveries.size() + " distinct delivered", r.phantoms()));
  }
}
