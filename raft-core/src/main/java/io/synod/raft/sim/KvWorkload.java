package io.synod.raft.sim;

import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.RaftException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The default simulation workload: clients writing unique values to a few keys and reading them
 * back through ReadIndex, each client one operation at a time, with a timeout after which the
 * outcome is unknown. At the end each key's history must be linearizable.
 *
 * @since 1.0
 */
public final class KvWorkload implements SimWorkload {

  private static final long SEARCH_BUDGET = 2_000_000;

  private final int clients;
  private final int keys;
  private final long timeoutUnits;
  private final TreeMap<Integer, List<LinearizabilityChecker.Op>> history = new TreeMap<>();
  // writes invoked whose outcome nobody learned yet: when the run ends with some of them still
  // open, they may have taken effect (a read may even have seen one), so verify() counts them
  // as unknown-outcome writes rather than dropping them
  private final LinkedHashSet<Attempt> openWrites = new LinkedHashSet<>();
  private long nextValue = 1;
  private long ackedIndex;
  private long writesOk;
  private long readsOk;
  private long followerReads;
  private long unknown;
  private long refused;

  /**
   * A workload.
   *
   * @param clients concurrent clients
   * @param keys distinct keys
   * @param timeoutUnits how long a client waits before giving up on an operation
   */
  public KvWorkload(int clients, int keys, long timeoutUnits) {
    this.clients = clients;
    this.keys = keys;
    this.timeoutUnits = timeoutUnits;
  }

  @Override
  public void start(SimCluster cluster) {
    for (int c = 0; c < clients; c++) {
      int client = c;
      cluster.schedule(1 + cluster.random().nextInt(20), () -> next(cluster, client, null));
    }
  }

  private final class Attempt {
    final int client;
    final int key;
    final boolean write;
    final long value;
    final long invoke;
    boolean done;

    Attempt(int client, int key, boolean write, long value, long invoke) {
      this.client = client;
      this.key = key;
      this.write = write;
      this.value = value;
      this.invoke = invoke;
    }
  }

  private void next(SimCluster cluster, int client, NodeId hint) {
    next(cluster, client, hint, -1);
  }

  /** The client's next operation; a read of {@code readKey} when it is not negative. */
  private void next(SimCluster cluster, int client, NodeId hint, int readKey) {
    if (cluster.inLivenessPhase()) {
      return;
    }
    boolean write = readKey < 0 && cluster.random().nextInt(10) < 6;
    NodeId target = hint;
    if (target == null || !cluster.isUp(target)) {
      target = cluster.leaderGuess();
    }
    // a quarter of the writes and half of the reads go to any node: followers serve reads
    // (follower ReadIndex), and a deposed leader that still believes it leads must be asked
    // too, or the read rules are never put to the test
    if (target == null || cluster.random().nextInt(write ? 4 : 2) == 0) {
      List<NodeId> nodes = cluster.nodes();
      target = nodes.get(cluster.random().nextInt(nodes.size()));
    }
    if (!cluster.isUp(target)) {
      cluster.schedule(5 + cluster.random().nextInt(20), () -> next(cluster, client, null));
      return;
    }
    int key = readKey >= 0 ? readKey : cluster.random().nextInt(keys);
    Attempt a = new Attempt(client, key, write, write ? nextValue++ : 0, cluster.now());
    if (write) {
      openWrites.add(a);
    }
    NodeId node = target;
    cluster.schedule(timeoutUnits, () -> {
      if (!a.done) {
        settle(a);
        unknown++;
        if (a.write) {
          record(a.key, new LinearizabilityChecker.Op(a.invoke, Long.MAX_VALUE, true, a.value,
              a.client));
        }
        next(cluster, client, null);
      }
    });
    if (write) {
      cluster.propose(node, KvStateMachine.put(key, a.value), new SimCluster.ProposalCallback() {
        @Override
        public void applied(long index, Object result) {
          if (a.done) {
            return;
          }
          settle(a);
          writesOk++;
          ackedIndex = Math.max(ackedIndex, index);
          record(a.key, new LinearizabilityChecker.Op(a.invoke, cluster.now(), true, a.value,
              a.client));
          if (cluster.random().nextBoolean()) {
            // read the value just acknowledged back, at any node: a read served from a stale
            // state (an old leader, a new one behind on commits, a follower behind on applies)
            // shows only on a key written just before
            int k = a.key;
            cluster.schedule(1 + cluster.random().nextInt(15),
                () -> next(cluster, client, null, k));
          } else {
            thinkThenNext(cluster, client, node);
          }
        }

        @Override
        public void failed(RaftException e) {
          if (a.done) {
            return;
          }
          settle(a);
          refused++;
          thinkThenNext(cluster, client, leaderHint(e));
        }
      });
    } else {
      cluster.readIndex(node, index -> {
        if (a.done) {
          return;
        }
        settle(a);
        readsOk++;
        io.synod.raft.RaftNode r = cluster.raft(node);
        if (r != null && r.role() != io.synod.raft.RaftRole.LEADER) {
          followerReads++;
        }
        KvStateMachine sm = (KvStateMachine) cluster.stateMachine(node);
        record(a.key, new LinearizabilityChecker.Op(a.invoke, cluster.now(), false,
            sm.get(a.key), a.client));
        thinkThenNext(cluster, client, node);
      }, e -> {
        if (a.done) {
          return;
        }
        settle(a);
        refused++;
        if (readKey >= 0) {
          // the read-back is retried until some node answers it
          cluster.schedule(1 + cluster.random().nextInt(15),
              () -> next(cluster, client, leaderHint(e), readKey));
        } else {
          thinkThenNext(cluster, client, leaderHint(e));
        }
      });
    }
  }

  /**
   * Clients on the isolated side: at {@code from} a burst of writes to a key nobody reads (an
   * uncommitted suffix on a stale leader), then reads of the workload's keys at {@code node},
   * one at a time, until {@code until}.
   */
  @Override
  public void isolated(SimCluster cluster, NodeId node, long from, long until) {
    int client = clients + (int) (nextValue % 1_000_000) + 1_000;
    cluster.schedule(from - cluster.now(), () -> {
      int burst = 1 + cluster.random().nextInt(64);
      for (int i = 0; i < burst; i++) {
        cluster.propose(node, KvStateMachine.put(keys, nextValue++),
            new SimCluster.ProposalCallback() {
              @Override
              public void applied(long index, Object result) {
                // the key is never read: nothing to record
              }

              @Override
              public void failed(RaftException e) {
                // refused or replaced: nothing to record
              }
            });
      }
      isolatedRead(cluster, client, node, until);
    });
  }

  private void isolatedRead(SimCluster cluster, int client, NodeId node, long until) {
    if (cluster.inLivenessPhase() || cluster.now() >= until || !cluster.isUp(node)) {
      return;
    }
    int key = cluster.random().nextInt(keys);
    Attempt a = new Attempt(client, key, false, 0, cluster.now());
    Runnable again = () -> cluster.schedule(1 + cluster.random().nextInt(5),
        () -> isolatedRead(cluster, client, node, until));
    cluster.schedule(timeoutUnits, () -> {
      if (!a.done) {
        settle(a);
        unknown++;
        again.run();
      }
    });
    cluster.readIndex(node, index -> {
      if (a.done) {
        return;
      }
      settle(a);
      readsOk++;
      KvStateMachine sm = (KvStateMachine) cluster.stateMachine(node);
      record(a.key, new LinearizabilityChecker.Op(a.invoke, cluster.now(), false, sm.get(a.key),
          a.client));
      again.run();
    }, e -> {
      if (a.done) {
        return;
      }
      settle(a);
      refused++;
      again.run();
    });
  }

  private static NodeId leaderHint(RaftException e) {
    return e instanceof NotLeaderException nle ? nle.leader().orElse(null) : null;
  }

  private void thinkThenNext(SimCluster cluster, int client, NodeId hint) {
    cluster.schedule(1 + cluster.random().nextInt(15), () -> next(cluster, client, hint));
  }

  private void record(int key, LinearizabilityChecker.Op op) {
    history.computeIfAbsent(key, k -> new ArrayList<>()).add(op);
  }

  private void settle(Attempt a) {
    a.done = true;
    openWrites.remove(a);
  }

  @Override
  public long ackedIndex() {
    return ackedIndex;
  }

  @Override
  public String verify(SimCluster cluster) {
    TreeMap<Integer, List<LinearizabilityChecker.Op>> all = new TreeMap<>();
    history.forEach((k, v) -> all.put(k, new ArrayList<>(v)));
    for (Attempt a : openWrites) {
      all.computeIfAbsent(a.key, k -> new ArrayList<>()).add(new LinearizabilityChecker.Op(
          a.invoke, Long.MAX_VALUE, true, a.value, a.client));
    }
    return verifyHistory(all, SEARCH_BUDGET);
  }

  /**
   * The verdict on a history, key by key: {@code null} when every key's history is
   * linearizable, else what is wrong. A search that runs out of budget fails too.
   */
  static String verifyHistory(Map<Integer, List<LinearizabilityChecker.Op>> all, long budget) {
    for (var e : all.entrySet()) {
      List<LinearizabilityChecker.Op> ops = LinearizabilityChecker.withoutUnobservedUnknownWrites(
          e.getValue());
      LinearizabilityChecker.Outcome o = LinearizabilityChecker.check(ops, 0, budget);
      int from = Math.max(0, ops.size() - 12);
      if (o == LinearizabilityChecker.Outcome.NOT_LINEARIZABLE) {
        return "linearizability: history of key " + e.getKey() + " (" + ops.size()
            + " ops) is not linearizable; last ops " + ops.subList(from, ops.size());
      }
      if (o == LinearizabilityChecker.Outcome.UNKNOWN) {
        // an unchecked history is no pass: a real bug may hide in exactly such a history
        return "linearizability: search budget of " + budget + " steps exhausted on"
            + " key " + e.getKey() + " (" + ops.size() + " ops); last ops "
            + ops.subList(from, ops.size());
      }
    }
    return null;
  }

  @Override
  public String summary() {
    return "writes=" + writesOk + " reads=" + readsOk + " (at followers " + followerReads
        + ") unknown=" + unknown + " refused="
        + refused;
  }
}
