package io.synod.server.queue;

import io.synod.queue.Delivery;
import io.synod.queue.QueueConfig;
import io.synod.queue.QueueException;
import io.synod.queue.QueueMachine;
import io.synod.queue.QueueRequest;
import io.synod.queue.ring.HashRing;
import io.synod.queue.spi.TopicServers;
import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftRole;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.runtime.RaftStatus;
import io.synod.raft.spi.RaftLogStore;
import io.synod.raft.spi.SnapshotStore;
import io.synod.server.cluster.RaftGroups;
import io.synod.server.config.NodeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded queue of one node: {@code QUEUE_GROUPS} Raft groups, each a {@link RaftServer}
 * running a {@link QueueMachine} (through {@link QueueStateMachine}) over the node's shared Raft
 * transport. A topic belongs to the group the hash ring gives for its {@link
 * QueueMachine#routingKey} (so a dead-letter topic lives with its topic); the group's leader
 * serves it by proposing each request as one command, stamped with the leader's clock. A
 * publish is answered once its command is committed and applied: held by a majority of the
 * group, and fsync'd by each of them when {@code DATA_DIR} is set.
 *
 * <p>Members of a group: the first three nodes of the node ring at the group's name (every node
 * in a three-node cluster). The preferred leader of group {@code i} is member {@code i mod
 * members} in name order, so with as many groups as nodes every node leads one; {@link #balance}
 * hands leadership to it when it is up (Raft's transfer waits until its log is caught up).
 *
 * <p>Storage: {@code DATA_DIR/<node>/queue-<i>/raft-log} and {@code raft-snapshots}; in memory
 * without {@code DATA_DIR}.
 */
public final class QueueGroups implements TopicServers, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueueGroups.class);
  /** Members of each group, at most. */
  static final int REPLICAS = 3;
  /** Entries applied between two snapshots of a group. */
  static final long SNAPSHOT_THRESHOLD = 20_000;
  /** Longest wait for a command to commit before the request answers 503. */
  static final Duration PROPOSAL_TIMEOUT = Duration.ofSeconds(10);
  /** Shortest time between two leadership transfers of one group towards its preferred node. */
  static final long BALANCE_INTERVAL_MILLIS = 5_000;

  private final String self;
  private final QueueConfig config;
  private final LongSupplier clock;
  private final ScheduledExecutorService timers;
  private final List<Group> groups = new ArrayList<>();
  private final HashRing groupRing;
  private final Map<String, Set<Runnable>> waiters = new ConcurrentHashMap<>();

  /** One group as this node sees it. */
  private final class Group {
    final int index;
    final String name;
    final List<String> members;
    final String preferred;
    final RaftServer raft;
    final RaftLogStore log;
    final QueueMachine machine;
    volatile long lastTransfer = Long.MIN_VALUE / 2;

    Group(int index, String name, List<String> members, String preferred, RaftServer raft,
        RaftLogStore log, QueueMachine machine) {
      this.machine = machine;
      this.index = index;
      this.name = name;
      this.members = members;
      this.preferred = preferred;
      this.raft = raft;
      this.log = log;
    }
  }

  /**
   * Builds the groups this node is a member of (nothing runs until {@link #start()}).
   *
   * @param node the node's configuration
   * @param config queue settings, equal on every node
   * @param host the node's Raft groups (shared transport)
   * @param clock the clock stamped on commands
   * @param timers timers for long polls (must not be the Raft threads)
   */
  public QueueGroups(NodeConfig node, QueueConfig config, RaftGroups host, LongSupplier clock,
      ScheduledExecutorService timers) {
    this.self = node.nodeId();
    this.config = config;
    this.clock = clock;
    this.timers = timers;
    List<String> names = new ArrayList<>();
    for (int i = 0; i < node.queueGroups(); i++) {
      names.add(name(i));
    }
    this.groupRing = HashRing.of(names);
    HashRing nodes = HashRing.of(node.peers().keySet());
    RaftConfig raftConfig = RaftConfig.builder()
        .electionTimeoutTicks(node.raftElectionTimeoutTicks())
        .heartbeatIntervalTicks(node.raftHeartbeatTicks())
        .build();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      List<String> members = new ArrayList<>(new TreeSet<>(
          nodes.successors(name, Math.min(REPLICAS, node.peers().size()))));
      String preferred = members.get(i % members.size());
      if (!members.contains(self)) {
        groups.add(new Group(i, name, members, preferred, null, null, null));
        continue;
      }
      RaftGroups.Storage storage = host.openStorage(name);
      RaftLogStore log = storage.log();
      SnapshotStore snapshots = storage.snapshots();
      QueueMachine machine = new QueueMachine(config, this::published);
      List<NodeId> voters = new ArrayList<>();
      members.forEach(m -> voters.add(NodeId.of(m)));
      RaftServer raft = RaftServer.builder()
          .id(NodeId.of(self))
          .groupId(RaftGroups.QUEUE_GROUP_BASE + i)
          .membership(Membership.ofVoters(voters))
          .config(raftConfig)
          .tick(Duration.ofMillis(node.raftTickMillis()))
          .logStore(log)
          .snapshotStore(snapshots)
          .snapshotThreshold(SNAPSHOT_THRESHOLD)
          .stateMachine(new QueueStateMachine(machine))
          .transport(host.transport())
          .build();
      raft.addLeadershipListener((role, term, leader) -> {
        if (role == RaftRole.LEADER) {
          LOG.info("node {} leads {} (term {})", self, name, term);
        }
      });
      host.add(raft);
      groups.add(new Group(i, name, List.copyOf(members), preferred, raft, log, machine));
    }
  }

  private static String name(int i) {
    return "queue-" + i;
  }

  /** Starts the groups' Raft threads. */
  public void start() {
    for (Group g : groups) {
      if (g.raft != null) {
        g.raft.start();
      }
    }
  }

  private Group groupOf(String topic) {
    String name = groupRing.ownerOf(QueueMachine.routingKey(topic));
    return groups.get(Integer.parseInt(name.substring("queue-".length())));
  }

  /**
   * The group a topic belongs to.
   *
   * @param topic the topic
   * @return the group's name
   */
  public String groupName(String topic) {
    return groupOf(topic).name;
  }

  @Override
  public String serverOf(String topic) {
    Group g = groupOf(topic);
    if (g.raft == null) {
      // not a member: its preferred leader is the best guess
      return g.preferred;
    }
    NodeId leader = g.raft.status().leader();
    return leader == null ? null : leader.value();
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R> CompletionStage<R> serve(QueueRequest<R> request) {
    Group g = groupOf(request.topic());
    if (g.raft == null) {
      return CompletableFuture.failedFuture(new QueueException(QueueException.Code.NOT_OWNER,
          "node " + self + " is not a member of " + g.name));
    }
    if (request instanceof QueueRequest.Consume c && c.waitMillis() > 0) {
      CompletableFuture<List<Delivery>> out = new CompletableFuture<>();
      longPoll(g, c, clock.getAsLong() + c.waitMillis(), out);
      return (CompletionStage<R>) out;
    }
    return propose(g, request);
  }

  @SuppressWarnings("unchecked")
  private <R> CompletionStage<R> propose(Group g, QueueRequest<R> request) {
    byte[] command = QueueMachine.command(clock.getAsLong(), request);
    return g.raft.propose(command).toCompletableFuture()
        .orTimeout(PROPOSAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .handle((result, err) -> {
          if (err != null) {
            Throwable cause = err instanceof java.util.concurrent.CompletionException
                && err.getCause() != null ? err.getCause() : err;
            if (cause instanceof NotLeaderException) {
              throw new QueueException(QueueException.Code.NOT_OWNER,
                  "node " + self + " no longer leads " + g.name);
            }
            // dropped by a leader change or timed out: it may still commit (at-least-once)
            throw new QueueException(QueueException.Code.UNAVAILABLE,
                g.name + " did not commit the request: " + cause, cause);
          }
          if (result instanceof QueueException q) {
            throw q;
          }
          return (R) result;
        });
  }

  /**
   * A long poll: consume commands until one gives messages or the wait is over, woken by
   * publishes applied to the topic and re-checked every {@code longPollRecheckMillis} for
   * messages whose visibility ran out.
   */
  private void longPoll(Group g, QueueRequest.Consume c, long deadline,
      CompletableFuture<List<Delivery>> out) {
    propose(g, c).whenComplete((got, err) -> {
      if (err != null) {
        out.completeExceptionally(QueueException.of(err));
        return;
      }
      long now = clock.getAsLong();
      if (!got.isEmpty() || now >= deadline) {
        out.complete(got);
        return;
      }
      Set<Runnable> set = waiters.computeIfAbsent(c.topic(), k -> ConcurrentHashMap.newKeySet());
      Runnable[] again = new Runnable[1];
      java.util.concurrent.ScheduledFuture<?>[] timer =
          new java.util.concurrent.ScheduledFuture<?>[1];
      java.util.concurrent.atomic.AtomicBoolean fired =
          new java.util.concurrent.atomic.AtomicBoolean();
      again[0] = () -> {
        if (!fired.compareAndSet(false, true)) {
          return;
        }
        set.remove(again[0]);
        if (timer[0] != null) {
          timer[0].cancel(false);
        }
        longPoll(g, c, deadline, out);
      };
      if (set.size() >= config.maxWaitersPerTopic()) {
        out.complete(got);
        return;
      }
      set.add(again[0]);
      try {
        timer[0] = timers.schedule(again[0],
            Math.max(1, Math.min(deadline - now, config.longPollRecheckMillis())),
            TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        set.remove(again[0]);
        out.complete(got);
      }
    });
  }

  /** A publish was applied (Raft thread): wake the long polls of the topic, off that thread. */
  private void published(String topic) {
    Set<Runnable> set = waiters.get(topic);
    if (set == null || set.isEmpty()) {
      return;
    }
    for (Runnable r : List.copyOf(set)) {
      try {
        timers.execute(r);
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        return;
      }
    }
  }

  /**
   * Leader duty, on every heartbeat round: a group led here whose preferred node is up is handed
   * to it (not more often than every {@value #BALANCE_INTERVAL_MILLIS} ms per group). Raft's
   * transfer waits until the target's log is caught up and is abandoned after an election
   * timeout, so a slow node keeps nothing from committing for long.
   *
   * @param up whether a member answers heartbeats
   */
  public void balance(Predicate<String> up) {
    long now = clock.getAsLong();
    for (Group g : groups) {
      if (g.raft == null || g.preferred.equals(self) || !g.raft.status().isLeader()
          || !up.test(g.preferred) || now - g.lastTransfer < BALANCE_INTERVAL_MILLIS) {
        continue;
      }
      g.lastTransfer = now;
      g.raft.transferLeadership(NodeId.of(g.preferred)).whenComplete((v, e) -> {
        if (e == null) {
          LOG.info("node {} handed {} to its preferred leader {}", self, g.name, g.preferred);
        } else {
          LOG.debug("transfer of {} to {} did not finish: {}", g.name, g.preferred, e.toString());
        }
      });
    }
  }

  /**
   * Hands every group led here to another member (planned shutdown), waiting at most {@code
   * timeout} per group. Never throws.
   *
   * @param timeout the longest wait per group
   * @param up whether a member is up
   */
  public void transferAll(Duration timeout, Predicate<String> up) {
    for (Group g : groups) {
      if (g.raft == null || !g.raft.status().isLeader()) {
        continue;
      }
      for (String m : g.members) {
        if (m.equals(self) || !up.test(m)) {
          continue;
        }
        try {
          g.raft.transferLeadership(NodeId.of(m)).toCompletableFuture()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          break;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (Exception e) {
          LOG.debug("handing {} to {} failed: {}", g.name, m, e.toString());
        }
      }
    }
  }

  /**
   * The groups for {@code /v1/cluster}: name, Raft group id, members, preferred leader, and as
   * this node sees it the leader, term, commit and applied index.
   *
   * @return one map per group
   */
  public List<Map<String, Object>> describe() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Group g : groups) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", g.name);
      m.put("service", "queue");
      m.put("raft_group", RaftGroups.QUEUE_GROUP_BASE + g.index);
      m.put("members", g.members);
      m.put("preferred_leader", g.preferred);
      if (g.raft != null) {
        RaftStatus s = g.raft.status();
        m.put("leader", s.leader() == null ? null : s.leader().value());
        m.put("role", s.role().name().toLowerCase(java.util.Locale.ROOT));
        m.put("term", s.term());
        m.put("commit_index", s.commitIndex());
        m.put("applied_index", s.appliedIndex());
        m.put("last_index", s.lastIndex());
      }
      out.add(m);
    }
    return out;
  }

  /**
   * Lists the topics this node's replicas hold (dead-letter topics left out), for display: a
   * replica may lag its leader, and a topic of a group this node is no member of is not listed.
   *
   * @param limit the most names returned
   * @return sorted topic names, at most {@code limit + 1} (one more tells there are more)
   */
  public List<String> topics(int limit) {
    java.util.TreeSet<String> out = new java.util.TreeSet<>();
    for (Group g : groups) {
      if (g.machine == null) {
        continue; // a group this node is no member of
      }
      // InMemoryStreamStore.streams() is synchronized, so reading from this thread is safe
      for (String t : g.machine.topics()) {
        if (!t.endsWith(io.synod.queue.QueueCore.DLQ_SUFFIX)) {
          out.add(t);
          if (out.size() > limit + 1) {
            out.pollLast();
          }
        }
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * One group's page of topics, with how many topics the group holds.
   *
   * @param topics up to the asked limit of summaries, ascending by name
   * @param total topics the group holds (dead-letter topics included)
   */
  public record TopicPage(List<io.synod.queue.memory.InMemoryStreamStore.StreamSummary> topics,
                          int total) {}

  /**
   * Reads one page of topics from every group this node is a member of, each by a linearizable
   * read on the group's Raft thread (O(log n + limit) there); the caller merges the pages. Fails
   * (a {@link io.synod.raft.RaftException}) when a group knows no leader.
   *
   * @param after the last name of the previous page (exclusive), or {@code null} for the first
   * @param limit most topics read from each group, at least 1
   * @return one page per group this node replicates
   */
  public CompletionStage<List<TopicPage>> topicPages(String after, int limit) {
    List<CompletableFuture<TopicPage>> reads = new ArrayList<>();
    for (Group g : groups) {
      if (g.raft == null) {
        continue; // a group this node is no member of
      }
      reads.add(g.raft.linearizableRead(() -> new TopicPage(g.machine.topics(after, limit),
          g.machine.topicCount())).toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> reads.stream().map(CompletableFuture::join).toList());
  }

  /** @return whether this node is a member of every queue group (so it can list every topic) */
  public boolean replicatesAll() {
    for (Group g : groups) {
      if (g.raft == null) {
        return false;
      }
    }
    return true;
  }

  /** @return whether every group this node is a member of knows a leader */
  public boolean allLed() {
    for (Group g : groups) {
      if (g.raft != null && g.raft.status().leader() == null) {
        return false;
      }
    }
    return true;
  }

  /** @return how many groups this node leads */
  public int leading() {
    int n = 0;
    for (Group g : groups) {
      if (g.raft != null && g.raft.status().isLeader()) {
        n++;
      }
    }
    return n;
  }

  @Override
  public void close() {
    for (Group g : groups) {
      if (g.raft == null) {
        continue;
      }
      g.raft.close();
      try {
        g.log.close();
      } catch (Exception e) {
        LOG.warn("closing the log of {} on {} failed", g.name, self, e);
      }
    }
  }
}
