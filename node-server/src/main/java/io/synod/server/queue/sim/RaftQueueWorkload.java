package io.synod.server.queue.sim;

import io.synod.queue.Delivery;
import io.synod.queue.QueueConfig;
import io.synod.queue.QueueException;
import io.synod.queue.QueueMachine;
import io.synod.queue.QueueRequest;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.RaftException;
import io.synod.raft.sim.SimCluster;
import io.synod.raft.sim.SimOptions;
import io.synod.raft.sim.SimResult;
import io.synod.raft.sim.SimWorkload;
import io.synod.raft.sim.Simulation;
import io.synod.server.queue.QueueStateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The embedded queue on the Raft simulator: every node runs a {@link QueueMachine} (through
 * node-server's {@link QueueStateMachine}) as its state machine, so the queue lives through
 * crashes (torn and lost unsynced writes), partitions, message loss, pauses, leader changes,
 * membership changes and snapshots exactly as the Raft simulator draws them for a seed.
 * Producers publish and consumers consume and ack through whichever node they think leads; each
 * command is stamped with the proposing node's clock, which is skewed per node (a new leader's
 * clock may be behind).
 *
 * <p>Checked: no publish acknowledged to a producer is lost (after the run every node holds every
 * one in its topic's stream, unless a consumer acknowledged it: work-queue retention); no message is given to a consumer of a group while another
 * consumer's lease on it is unexpired (two deliveries of one message to one group are at least a
 * visibility timeout apart by the replicated clock, and come with increasing delivery counts);
 * no message whose ack was confirmed is delivered to the group again. Consumers never nack, so
 * every early redelivery is a violation.
 */
public final class RaftQueueWorkload implements SimWorkload {
  /** Visibility timeout of the simulated queue, in simulation units (treated as ms). */
  public static final long VISIBILITY = 300;
  private static final List<String> TOPICS = List.of("t0", "t1");
  private static final String GROUP = "g";
  private static final long TIMEOUT = 600;

  private final int producers;
  private final int consumers;
  private final Map<NodeId, Long> skew = new HashMap<>();
  private final Set<String> acked = new HashSet<>();
  /** topic/payload of every message a consumer proposed an ack for. */
  private final Set<String> ackSent = new HashSet<>();
  /** Deliveries by the log index of the consume that made them (log order). */
  private final TreeMap<Long, List<Seen>> deliveries = new TreeMap<>();
  /** Acks confirmed, by the log index of the ack: topic/id. */
  private final TreeMap<Long, List<String>> confirmedAcks = new TreeMap<>();
  private long ackedIndex;
  private long published;
  private long delivered;
  private long refused;
  private long next;

  private record Seen(String topic, String consumer, Delivery delivery) {}

  /**
   * A workload.
   *
   * @param producers producer clients
   * @param consumers consumer clients of group "g"
   */
  public RaftQueueWorkload(int producers, int consumers) {
    this.producers = producers;
    this.consumers = consumers;
  }

  /** @return the queue settings every simulated replica uses */
  public static QueueConfig config() {
    return QueueConfig.defaults().withVisibilityTimeoutMillis(VISIBILITY).withMaxDeliveries(1000);
  }

  /**
   * Runs one seed: the Raft simulator's options for it, with this workload and queue machines.
   *
   * @param options the simulator's options (for example {@code SimOptions.draw(seed, 3, ...)})
   * @return the result; {@code violation} names the broken rule
   */
  public static SimResult run(SimOptions options) {
    return run(options, VISIBILITY);
  }

  /**
   * Runs one seed with replicas whose visibility timeout may differ from the one the checker
   * holds them to (a shorter one is the broken rule the checker must catch).
   *
   * @param options the simulator's options
   * @param replicaVisibility the visibility timeout the replicas apply
   * @return the result
   */
  public static SimResult run(SimOptions options, long replicaVisibility) {
    QueueConfig c = config().withVisibilityTimeoutMillis(replicaVisibility);
    return Simulation.builder(options)
        .stateMachines(id -> new QueueStateMachine(new QueueMachine(c, t -> { })))
        .workload(new RaftQueueWorkload(2, 2))
        .build()
        .run();
  }

  @Override
  public void start(SimCluster cluster) {
    for (NodeId id : cluster.nodes()) {
      skew.put(id, (long) cluster.random().nextInt(-150, 151));
    }
    for (int p = 0; p < producers; p++) {
      int client = p;
      cluster.schedule(1 + cluster.random().nextInt(20), () -> produce(cluster, client, null));
    }
    for (int c = 0; c < consumers; c++) {
      String name = "c" + c;
      cluster.schedule(1 + cluster.random().nextInt(20), () -> consume(cluster, name, null));
    }
  }

  private long stamp(SimCluster cluster, NodeId node) {
    return Math.max(0, cluster.now() + skew.getOrDefault(node, 0L));
  }

  private NodeId target(SimCluster cluster, NodeId hint) {
    NodeId t = hint;
    if (t == null || !cluster.isUp(t)) {
      t = cluster.leaderGuess();
    }
    if (t == null || cluster.random().nextInt(10) == 0) {
      List<NodeId> nodes = cluster.nodes();
      t = nodes.get(cluster.random().nextInt(nodes.size()));
    }
    return cluster.isUp(t) ? t : null;
  }

  private static NodeId hint(RaftException e) {
    return e instanceof NotLeaderException nle ? nle.leader().orElse(null) : null;
  }

  /** One proposal with a client-side timeout; {@code done} runs once, with null on failure. */
  private void propose(SimCluster cluster, NodeId node, QueueRequest<?> request,
      java.util.function.BiConsumer<Long, Object> done,
      java.util.function.Consumer<NodeId> failed) {
    boolean[] settled = new boolean[1];
    cluster.schedule(TIMEOUT, () -> {
      if (!settled[0]) {
        settled[0] = true;
        failed.accept(null);
      }
    });
    cluster.propose(node, QueueMachine.command(stamp(cluster, node), request),
        new SimCluster.ProposalCallback() {
          @Override
          public void applied(long index, Object result) {
            if (!settled[0]) {
              settled[0] = true;
              done.accept(index, result);
            }
          }

          @Override
          public void failed(RaftException e) {
            if (!settled[0]) {
              settled[0] = true;
              refused++;
              failed.accept(hint(e));
            }
          }
        });
  }

  private void produce(SimCluster cluster, int client, NodeId hint) {
    if (cluster.inLivenessPhase()) {
      return;
    }
    NodeId node = target(cluster, hint);
    if (node == null) {
      cluster.schedule(5 + cluster.random().nextInt(20), () -> produce(cluster, client, null));
      return;
    }
    String topic = TOPICS.get(cluster.random().nextInt(TOPICS.size()));
    String payload = "p" + client + "-" + (next++);
    QueueRequest.Publish p = new QueueRequest.Publish(topic,
        List.of(StreamRecord.of(payload.getBytes(StandardCharsets.UTF_8))), 0);
    propose(cluster, node, p, (index, result) -> {
      if (!(result instanceof QueueException)) {
        acked.add(topic + "/" + payload);
        published++;
        ackedIndex = Math.max(ackedIndex, index);
      }
      cluster.schedule(1 + cluster.random().nextInt(15), () -> produce(cluster, client, node));
    }, h -> cluster.schedule(1 + cluster.random().nextInt(15),
        () -> produce(cluster, client, h)));
  }

  @SuppressWarnings("unchecked")
  private void consume(SimCluster cluster, String consumer, NodeId hint) {
    if (cluster.inLivenessPhase()) {
      return;
    }
    NodeId node = target(cluster, hint);
    if (node == null) {
      cluster.schedule(5 + cluster.random().nextInt(20), () -> consume(cluster, consumer, null));
      return;
    }
    String topic = TOPICS.get(cluster.random().nextInt(TOPICS.size()));
    QueueRequest.Consume c = new QueueRequest.Consume(topic, GROUP, consumer, 5, 0, 0);
    propose(cluster, node, c, (index, result) -> {
      if (result instanceof List<?> list) {
        List<Seen> seen = new ArrayList<>();
        for (Delivery d : (List<Delivery>) list) {
          seen.add(new Seen(topic, consumer, d));
          delivered++;
        }
        deliveries.put(index, seen);
        // ack most, forget some (a consumer that crashed): those come back after the timeout
        for (Seen s : seen) {
          if (cluster.random().nextInt(4) != 0) {
            // never propose from inside an apply callback (a Ready is being processed)
            cluster.schedule(1 + cluster.random().nextInt(20), () -> ack(cluster, node, s));
          }
        }
      }
      cluster.schedule(1 + cluster.random().nextInt(30), () -> consume(cluster, consumer, node));
    }, h -> cluster.schedule(1 + cluster.random().nextInt(15),
        () -> consume(cluster, consumer, h)));
  }

  private void ack(SimCluster cluster, NodeId node, Seen s) {
    if (!cluster.isUp(node)) {
      return;
    }
    ackSent.add(s.topic() + "/" + new String(s.delivery().payload(), StandardCharsets.UTF_8));
    QueueRequest.Ack a = new QueueRequest.Ack(s.topic(), GROUP,
        List.of(s.delivery().id().toString()), 0);
    propose(cluster, node, a, (index, result) -> {
      if (!(result instanceof QueueException)) {
        confirmedAcks.computeIfAbsent(index, k -> new ArrayList<>())
            .add(s.topic() + "/" + s.delivery().id());
      }
    }, h -> { });
  }

  @Override
  public long ackedIndex() {
    return ackedIndex;
  }

  @Override
  @SuppressWarnings("unchecked")
  public String verify(SimCluster cluster) {
    // leases: replay the deliveries and confirmed acks in log order
    Map<String, Seen> lastLease = new HashMap<>();
    Set<String> ackedIds = new HashSet<>();
    TreeMap<Long, Object> events = new TreeMap<>();
    deliveries.forEach(events::put);
    confirmedAcks.forEach(events::put);
    for (Map.Entry<Long, Object> e : events.entrySet()) {
      if (confirmedAcks.get(e.getKey()) == e.getValue()) {
        ackedIds.addAll((List<String>) e.getValue());
        continue;
      }
      for (Seen s : (List<Seen>) e.getValue()) {
        String key = s.topic() + "/" + s.delivery().id();
        if (ackedIds.contains(key)) {
          return "queue: " + key + " delivered to " + s.consumer() + " at index " + e.getKey()
              + " after its ack was confirmed";
        }
        Seen prev = lastLease.get(key);
        if (prev != null) {
          long gap = s.delivery().deliveredAt() - prev.delivery().deliveredAt();
          if (gap < VISIBILITY) {
            return "queue: " + key + " delivered to " + s.consumer() + " at index " + e.getKey()
                + " while " + prev.consumer() + "'s lease was unexpired (" + gap + " < "
                + VISIBILITY + " by the replicated clock)";
          }
          if (s.delivery().deliveryCount() <= prev.delivery().deliveryCount()) {
            return "queue: delivery count of " + key + " did not grow: "
                + prev.delivery().deliveryCount() + " then " + s.delivery().deliveryCount();
          }
        }
        lastLease.put(key, s);
      }
    }
    // durability: every node holds every acknowledged publish (after healing, all caught up),
    // unless a consumer acknowledged it: work-queue retention removes a message once its only
    // group acknowledged it, and only then (a message gone that no consumer sent an ack for is
    // lost)
    Set<String> handed = ackSent;
    int checked = 0;
    for (NodeId id : cluster.nodes()) {
      io.synod.raft.RaftNode raft = cluster.raft(id);
      // a node removed from the group, or not caught up, is not held to the acked index
      if (raft == null || raft.appliedIndex() < ackedIndex
          || !(cluster.stateMachine(id) instanceof QueueStateMachine q)) {
        continue;
      }
      checked++;
      Set<String> held = new HashSet<>();
      for (String topic : TOPICS) {
        StreamId from = StreamId.MIN;
        while (true) {
          Object r = q.machine().apply(QueueMachine.command(0,
              new QueueRequest.Browse(topic, from.toString(), 1000, 0)));
          if (!(r instanceof List<?> list) || list.isEmpty()) {
            break;
          }
          for (StreamEntry se : (List<StreamEntry>) list) {
            held.add(topic + "/" + new String(se.record().payload(), StandardCharsets.UTF_8));
            from = new StreamId(se.id().ms(), se.id().seq() + 1);
          }
        }
      }
      for (String a : acked) {
        if (!held.contains(a) && !handed.contains(a)) {
          return "queue: acknowledged publish " + a + " is missing on " + id;
        }
      }
    }
    return checked == 0 ? "queue: no node has applied every acknowledged publish" : null;
  }

  @Override
  public String summary() {
    return "published=" + published + " delivered=" + delivered + " acks="
        + confirmedAcks.values().stream().mapToInt(List::size).sum() + " refused=" + refused;
  }
}
