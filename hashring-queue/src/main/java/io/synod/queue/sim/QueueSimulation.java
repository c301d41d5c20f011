package io.synod.queue.sim;

import io.synod.queue.Delivery;
import io.synod.queue.QueueConfig;
import io.synod.queue.QueueCore;
import io.synod.queue.QueueNode;
import io.synod.queue.memory.InMemoryStreamStore;
import io.synod.queue.ring.HashRing;
import io.synod.queue.ring.RingConfig;
import io.synod.queue.ring.RingView;
import io.synod.queue.ring.StaticMembership;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Deterministic simulation of a replicated queue cluster: nodes, producers and consumers on a
 * seeded network with message loss, delay, reordering and node crashes, in virtual time. One seed
 * replays to the event. Checked at every delivery and at the end:
 *
 * <ul>
 *   <li>a message acknowledged to its producer is delivered to every group (or dead-lettered);
 *   <li>a message is never delivered to two consumers of a group while its visibility lasts;
 *   <li>a message whose ack was confirmed is never delivered to that group again.
 * </ul>
 *
 * Duplicates (redeliveries and re-published retries, crashes included) are counted, not
 * violations: the queue is at-least-once.
 */
public final class QueueSimulation {
  /** A rule the simulation breaks on purpose, to show that the checker catches it. */
  public enum Fault {
    /** Nothing broken. */
    NONE,
    /** Each node keeps its topics in a store of its own: acknowledged messages die with it. */
    PRIVATE_STORES,
    /** Nodes use a quarter of the visibility timeout the checker holds them to. */
    SHORT_VISIBILITY
  }

  /**
   * Simulation settings.
   *
   * @param nodes cluster size
   * @param producers producer clients
   * @param consumers consumer clients of group "g" (one more consumer reads group "audit")
   * @param topics topics in use
   * @param activeMillis virtual time with producers, faults and loss
   * @param drainMillis virtual time afterwards, network healed, consumers acking everything
   * @param loss message loss probability during the active phase
   * @param crashes whether nodes crash (one at a time, restarting empty)
   * @param fault a deliberately broken rule, {@link Fault#NONE} normally
   */
  public record Options(int nodes, int producers, int consumers, int topics, long activeMillis,
      long drainMillis, double loss, boolean crashes, Fault fault) {
    /**
     * The defaults used by {@code synod simulate queue} and CI.
     *
     * @return the options
     */
    public static Options defaults() {
      return new Options(3, 2, 3, 3, 8_000, 12_000, 0.03, true, Fault.NONE);
    }

    /**
     * The same with a fault switched on.
     *
     * @param f the fault
     * @return new options
     */
    public Options withFault(Fault f) {
      return new Options(nodes, producers, consumers, topics, activeMillis, drainMillis, loss,
          crashes, f);
    }
  }

  /**
   * The outcome of one seed.
   *
   * @param seed the seed
   * @param violations what broke, empty when nothing did
   * @param acknowledgedPublishes messages acknowledged to producers
   * @param deliveries deliveries to consumers
   * @param duplicates deliveries of a message its group had seen before
   * @param crashes node crashes
   * @param messages network messages sent
   */
  public record SeedResult(long seed, List<String> violations, long acknowledgedPublishes,
      long deliveries, long duplicates, long crashes, long messages) {}

  /**
   * The outcome of many seeds.
   *
   * @param seeds how many ran
   * @param violations total violations
   * @param failing the results of the seeds that broke a rule
   * @param acknowledgedPublishes total acknowledged publishes
   * @param deliveries total deliveries
   * @param duplicates total duplicates
   * @param crashes total crashes
   */
  public record Summary(int seeds, long violations, List<SeedResult> failing,
      long acknowledgedPublishes, long deliveries, long duplicates, long crashes) {
    /**
     * The last line {@code synod simulate queue} prints.
     *
     * @return {@code simulate queue: N seeds, K violations}
     */
    public String lastLine() {
      return "simulate queue: " + seeds + " seeds, " + violations + " violations";
    }
  }

  private static final long VISIBILITY = 400;
  private static final String GROUP = "g";
  private static final String AUDIT = "audit";

  /**
   * Runs seeds {@code first .. first + count - 1}.
   *
   * @param first the first seed
   * @param count how many, at least 1
   * @param options the settings
   * @return the summary
   */
  public static Summary runMany(long first, int count, Options options) {
    long v = 0;
    long acked = 0;
    long del = 0;
    long dup = 0;
    long cr = 0;
    List<SeedResult> failing = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      SeedResult r = run(first + i, options);
      v += r.violations().size();
      acked += r.acknowledgedPublishes();
      del += r.deliveries();
      dup += r.duplicates();
      cr += r.crashes();
      if (!r.violations().isEmpty()) {
        failing.add(r);
      }
    }
    return new Summary(count, v, failing, acked, del, dup, cr);
  }

  /**
   * Runs one seed.
   *
   * @param seed the seed
   * @param options the settings
   * @return its result
   */
  public static SeedResult run(long seed, Options options) {
    return new QueueSimulation(seed, options).execute();
  }

  // ------------------------------------------------------------------ one run

  private final long seed;
  private final Options o;
  private final SplittableRandom rnd;
  private final VirtualScheduler sched = new VirtualScheduler(1_000_000);
  private final SimNetwork net;
  private final StaticMembership members;
  private final RingView view;
  private final Map<String, QueueNode> nodes = new TreeMap<>();
  private final Map<String, SimNetwork.Endpoint> endpoints = new TreeMap<>();
  private final List<String> nodeIds = new ArrayList<>();
  private final List<String> topics = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final QueueConfig config;
  private boolean active = true;
  private long crashes;
  private long deliveries;
  private long duplicates;
  /** Payload key -> topic, for publishes acknowledged to their producer. */
  private final Map<String, String> acked = new TreeMap<>();
  /** group -> payload keys delivered. */
  private final Map<String, TreeSet<String>> delivered = new TreeMap<>();
  /** group + id -> the live delivery. */
  private final Map<String, Live> live = new TreeMap<>();
  /** group + id -> time its ack was confirmed. */
  private final Map<String, Long> ackConfirmed = new TreeMap<>();

  private static final class Live {
    final String consumer;
    final long deliveredAt;
    boolean released;

    Live(String consumer, long deliveredAt) {
      this.consumer = consumer;
      this.deliveredAt = deliveredAt;
    }
  }

  /** The store every node shares, as they share Redis in node-server; it survives crashes. */
  private final InMemoryStreamStore sharedStore = new InMemoryStreamStore(sched::now, 100_000);

  private QueueSimulation(long seed, Options o) {
    this.seed = seed;
    this.o = o;
    this.rnd = new SplittableRandom(seed);
    this.net = new SimNetwork(sched, rnd.split(), o.loss(), 1, 25, 600);
    long nodeVisibility = o.fault() == Fault.SHORT_VISIBILITY ? VISIBILITY / 4 : VISIBILITY;
    this.config = QueueConfig.defaults().withVisibilityTimeoutMillis(nodeVisibility)
        .withLongPollRecheckMillis(100);
    for (int i = 1; i <= o.nodes(); i++) {
      nodeIds.add("node" + i);
    }
    for (int i = 0; i < o.topics(); i++) {
      topics.add("topic-" + i);
    }
    this.members = new StaticMembership(nodeIds);
    this.view = new RingView(members, new RingConfig(64, java.util.OptionalDouble.empty()),
        this::ringChanged);
  }

  private void ringChanged(HashRing r) {
    for (Map.Entry<String, QueueNode> e : nodes.entrySet()) {
      if (net.isUp(e.getKey())) {
        e.getValue().onRingChange(r);
      }
    }
  }

  private void startNode(String id) {
    InMemoryStreamStore store = o.fault() == Fault.PRIVATE_STORES
        ? new InMemoryStreamStore(sched::now, 100_000) : sharedStore;
    QueueNode[] holder = new QueueNode[1];
    SimNetwork.Endpoint ep = net.attach(id, new io.synod.queue.spi.QueueRequestHandler() {
      @Override
      public <R> java.util.concurrent.CompletionStage<R> handle(
          io.synod.queue.QueueRequest<R> request) {
        return holder[0].handle(request);
      }
    });
    holder[0] = new QueueNode(id, config, view::current, store, net.transportFor(ep), sched,
        sched::now);
    nodes.put(id, holder[0]);
    endpoints.put(id, ep);
  }

  private SeedResult execute() {
    for (String id : nodeIds) {
      startNode(id);
    }
    // both groups join every topic before anything is published: with work-queue retention a
    // message every existing group has acknowledged leaves the topic, so a group created later
    // never sees it (the guarantee checked below is "delivered to every group that existed")
    for (String topic : topics) {
      for (String group : List.of(GROUP, AUDIT)) {
        nodes.get(view.current().ownerOf(topic)).consume(topic, group, "join", 1, 0);
      }
    }
    sched.runUntil(sched.now() + 10);
    for (int p = 0; p < o.producers(); p++) {
      String name = "p" + p;
      long[] counter = new long[1];
      sched.schedule(rnd.nextLong(50), () -> produce(name, counter));
    }
    for (int c = 0; c < o.consumers(); c++) {
      String name = "c" + c;
      sched.schedule(rnd.nextLong(50), () -> consume(GROUP, name));
    }
    sched.schedule(rnd.nextLong(50), () -> consume(AUDIT, "a0"));
    if (o.crashes()) {
      sched.schedule(1000 + rnd.nextLong(1000), this::crashOne);
    }
    long start = sched.now();
    sched.runUntil(start + o.activeMillis());
    active = false;
    net.setLoss(0);
    for (String id : nodeIds) {
      if (!net.isUp(id)) {
        restart(id);
      }
    }
    sched.runUntil(start + o.activeMillis() + o.drainMillis());
    finalCheck();
    return new SeedResult(seed, List.copyOf(violations), acked.size(), deliveries, duplicates,
        crashes, net.messages());
  }

  private String anyNode() {
    return nodeIds.get(rnd.nextInt(nodeIds.size()));
  }

  // ------------------------------------------------------------------ faults

  private void crashOne() {
    if (!active) {
      return;
    }
    boolean allUp = nodeIds.stream().allMatch(net::isUp);
    if (allUp) {
      String victim = anyNode();
      crashes++;
      net.crash(victim);
      // failure detection takes a while; then the ring drops the node
      sched.schedule(200 + rnd.nextLong(300), () -> members.leave(victim));
      sched.schedule(1500 + rnd.nextLong(1500), () -> {
        if (active && !net.isUp(victim)) {
          restart(victim);
        }
      });
    }
    sched.schedule(2500 + rnd.nextLong(2000), this::crashOne);
  }

  private void restart(String id) {
    startNode(id);
    members.leave(id);
    members.join(id);
  }

  // ------------------------------------------------------------------ producers

  private void produce(String producer, long[] counter) {
    if (!active) {
      return;
    }
    String key = producer + "-" + (counter[0]++);
    String topic = topics.get(rnd.nextInt(topics.size()));
    publish(producer, counter, key, topic, 0);
  }

  private void publish(String producer, long[] counter, String key, String topic, int attempt) {
    String entry = anyNode();
    net.call(null, entry, () -> nodes.get(entry).publish(topic, key))
        .whenComplete((id, t) -> {
          if (t == null) {
            acked.put(key, topic);
            sched.schedule(20 + rnd.nextLong(80), () -> produce(producer, counter));
          } else if (attempt < 20) {
            sched.schedule(50 + rnd.nextLong(100),
                () -> publish(producer, counter, key, topic, attempt + 1));
          } else {
            sched.schedule(20, () -> produce(producer, counter));
          }
        });
  }

  // ------------------------------------------------------------------ consumers

  private void consume(String group, String consumer) {
    String topic = topics.get(rnd.nextInt(topics.size()));
    String entry = anyNode();
    net.call(null, entry, () -> nodes.get(entry).consume(topic, group, consumer, 5, 200))
        .whenComplete((got, t) -> {
          if (t != null || got.isEmpty()) {
            sched.schedule(10 + rnd.nextLong(40), () -> consume(group, consumer));
            return;
          }
          for (Delivery d : got) {
            observe(topic, group, consumer, d);
          }
          for (Delivery d : got) {
            handleDelivery(topic, group, consumer, d);
          }
          sched.schedule(10 + rnd.nextLong(40), () -> consume(group, consumer));
        });
  }

  private void observe(String topic, String group, String consumer, Delivery d) {
    deliveries++;
    String key = new String(d.payload(), StandardCharsets.UTF_8);
    String gid = group + "|" + topic + "|" + d.id();
    if (!delivered.computeIfAbsent(group, g -> new TreeSet<>()).add(key)) {
      duplicates++;
    }
    Long confirmed = ackConfirmed.get(gid);
    if (confirmed != null && d.deliveredAt() > confirmed) {
      violations.add("seed " + seed + ": " + d.id() + " of " + topic + " delivered to " + consumer
          + " of group " + group + " at " + d.deliveredAt() + " after its ack was confirmed at "
          + confirmed);
    }
    Live prev = live.get(gid);
    if (prev != null && !prev.released && !prev.consumer.equals(consumer)
        && d.deliveredAt() < prev.deliveredAt + VISIBILITY) {
      violations.add("seed " + seed + ": " + d.id() + " of " + topic + " delivered to "
          + prev.consumer + " at " + prev.deliveredAt + " and to " + consumer + " at "
          + d.deliveredAt() + " in group " + group + " within the visibility timeout");
    }
    live.put(gid, new Live(consumer, d.deliveredAt()));
  }

  private void handleDelivery(String topic, String group, String consumer, Delivery d) {
    String gid = group + "|" + topic + "|" + d.id();
    double roll = rnd.nextDouble();
    if (active && roll < 0.05) {
      return; // the consumer "dies" with it: redelivered after the timeout
    }
    if (active && roll < 0.10) {
      live.get(gid).released = true;
      String entry = anyNode();
      net.call(null, entry, () -> nodes.get(entry).nack(topic, group, consumer, d.id().toString()));
      return;
    }
    long work = active ? rnd.nextLong(VISIBILITY * 3 / 2) : rnd.nextLong(50);
    sched.schedule(work, () -> ack(topic, group, d.id(), gid, 0));
  }

  private void ack(String topic, String group, StreamId id, String gid, int attempt) {
    String entry = anyNode();
    net.call(null, entry, () -> nodes.get(entry).ack(topic, group, id.toString()))
        .whenComplete((v, t) -> {
          if (t == null) {
            ackConfirmed.putIfAbsent(gid, sched.now());
          } else if (attempt < 5 && !(t.getCause() instanceof io.synod.queue.QueueException q
              && q.code() == io.synod.queue.QueueException.Code.NOT_FOUND)) {
            sched.schedule(30, () -> ack(topic, group, id, gid, attempt + 1));
          }
        });
  }

  // ------------------------------------------------------------------ the end

  private void finalCheck() {
    TreeSet<String> dead = new TreeSet<>();
    for (String topic : topics) {
      String owner = view.current().ownerOf(topic + QueueCore.DLQ_SUFFIX);
      var f = nodes.get(owner).browse(topic + QueueCore.DLQ_SUFFIX, "0-0", 1000)
          .toCompletableFuture();
      sched.advance(2000);
      if (f.isDone() && !f.isCompletedExceptionally()) {
        for (StreamEntry e : f.join()) {
          dead.add(new String(e.record().payload(), StandardCharsets.UTF_8));
        }
      }
    }
    for (String group : List.of(GROUP, AUDIT)) {
      TreeSet<String> seen = delivered.getOrDefault(group, new TreeSet<>());
      for (Map.Entry<String, String> e : acked.entrySet()) {
        if (!seen.contains(e.getKey()) && !dead.contains(e.getKey())) {
          violations.add("seed " + seed + ": message " + e.getKey() + " of " + e.getValue()
              + " was acknowledged to its producer and never delivered to group " + group);
        }
      }
    }
  }
}
