package io.synod.raft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.RaftConfig;
import io.synod.raft.spi.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RaftServerTest {

  /** Sums the commands' lengths; returns the running count of applied commands. */
  static class CountingMachine implements StateMachine {
    volatile long count;
    final List<String> applied = new ArrayList<>();

    @Override
    public Object apply(long index, byte[] command) {
      applied.add(new String(command, StandardCharsets.UTF_8));
      return ++count;
    }

    @Override
    public SnapshotWriter snapshot() {
      long c = count;
      return out -> new DataOutputStream(out).writeLong(c);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      count = new DataInputStream(in).readLong();
    }
  }

  // 30 ticks of 10 ms: a loaded 2-core CI machine stalls threads for tens of milliseconds, and a
  // new leader must hear from a majority within its first election timeout (check-quorum)
  private static final RaftConfig FAST = RaftConfig.builder().electionTimeoutTicks(30)
      .heartbeatIntervalTicks(2).build();

  @Test
  void proposalsCommitInOrderOnEveryNode() throws Exception {
    List<CountingMachine> machines = new ArrayList<>();
    try (LocalRaftCluster c = LocalRaftCluster.start(3, FAST, Duration.ofMillis(10), id -> {
      CountingMachine m = new CountingMachine();
      machines.add(m);
      return m;
    })) {
      RaftServer leader = c.awaitLeader(Duration.ofSeconds(20));
      List<CompletableFuture<Object>> futures = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        futures.add(leader.propose(("c" + i).getBytes(StandardCharsets.UTF_8))
            .toCompletableFuture());
      }
      // On a loaded machine the leader may change mid-run; Raft then drops (and reports) the
      // proposals the next leader replaced. Every future completes, and each success reports
      // the position its command has in every node's applied sequence.
      java.util.TreeMap<Long, String> succeeded = new java.util.TreeMap<>();
      for (int i = 0; i < futures.size(); i++) {
        try {
          succeeded.put((Long) futures.get(i).get(20, TimeUnit.SECONDS), "c" + i);
        } catch (ExecutionException e) {
          assertTrue(e.getCause() instanceof io.synod.raft.RaftException, e.toString());
        }
      }
      long commit = c.servers().values().stream().mapToLong(x -> x.status().commitIndex()).max()
          .orElseThrow();
      // every node applies the same sequence
      for (RaftServer s : c.servers().values()) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (s.status().appliedIndex() < commit && System.nanoTime() < deadline) {
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
      }
      List<String> first = s(machines.get(0));
      for (CountingMachine m : machines) {
        assertEquals(first, s(m));
      }
      for (java.util.Map.Entry<Long, String> e : succeeded.entrySet()) {
        assertEquals(e.getValue(), first.get((int) (e.getKey() - 1)), "result " + e.getKey());
      }
      assertEquals(succeeded.size(), first.size(), "applied exactly the acknowledged commands");
      assertTrue(first.size() > 0);
      // with a stable leader, as in almost every run, all 500 commit
      RaftServer now = c.awaitLeader(Duration.ofSeconds(20));
      if (now == leader && succeeded.size() == 500) {
        long index = leader.readIndex().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertTrue(index >= 501, "read index covers the writes: " + index);
      }
    }
  }

  private static List<String> s(CountingMachine m) throws Exception {
    CompletableFuture<List<String>> f = new CompletableFuture<>();
    synchronized (m) {
      return List.copyOf(m.applied);
    }
  }

  @Test
  void followerRefusesWithTheKnownLeader() throws Exception {
    try (LocalRaftCluster c = LocalRaftCluster.start(3, FAST, Duration.ofMillis(10),
        id -> new CountingMachine())) {
      RaftServer leader = c.awaitLeader(Duration.ofSeconds(20));
      leader.propose(new byte[] {1}).toCompletableFuture().get(20, TimeUnit.SECONDS);
      RaftServer follower = c.servers().values().stream().filter(s -> s != leader).findFirst()
          .orElseThrow();
      // the follower learns the leader from the first append
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> follower.propose(new byte[] {2}).toCompletableFuture().get(20, TimeUnit.SECONDS));
      NotLeaderException nle = assertInstanceOf(NotLeaderException.class, e.getCause());
      assertEquals(leader.id(), nle.leader().orElseThrow());
    }
  }

  @Test
  void leadershipTransferMovesTheLeader() throws Exception {
    try (LocalRaftCluster c = LocalRaftCluster.start(3, FAST, Duration.ofMillis(10),
        id -> new CountingMachine())) {
      RaftServer leader = c.awaitLeader(Duration.ofSeconds(20));
      leader.propose(new byte[] {1}).toCompletableFuture().get(20, TimeUnit.SECONDS);
      NodeId target = c.servers().keySet().stream().filter(id -> !id.equals(leader.id()))
          .findFirst().orElseThrow();
      leader.transferLeadership(target).toCompletableFuture().get(20, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!c.server(target).status().isLeader() && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      assertTrue(c.server(target).status().isLeader());
    }
  }

  @Test
  void linearizableReadRunsTheQueryOnTheApplyingThreadAfterTheReadIndexIsApplied()
      throws Exception {
    // Issue 13 item 2: the query must see the state machine only on the thread that applies,
    // once the read index is applied; never on a caller's thread racing the apply loop. Reads
    // from several threads at once while writes are applied: every query must run on the Raft
    // thread, and see at least the writes acknowledged before the read started.
    CountingMachine m = new CountingMachine();
    try (LocalRaftCluster c = LocalRaftCluster.start(1, FAST, Duration.ofMillis(5), id -> m)) {
      RaftServer leader = c.awaitLeader(Duration.ofSeconds(20));
      Thread[] applier = new Thread[1];
      leader.execute(() -> applier[0] = Thread.currentThread()).toCompletableFuture()
          .get(20, TimeUnit.SECONDS);
      int threads = 4;
      int perThread = 1500;
      java.util.concurrent.atomic.AtomicInteger offThread =
          new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger stale =
          new java.util.concurrent.atomic.AtomicInteger();
      List<Thread> callers = new ArrayList<>();
      List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        Thread th = new Thread(() -> {
          try {
            List<CompletableFuture<Boolean>> pending = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
              long acked = (Long) leader.propose(new byte[] {1}).toCompletableFuture()
                  .get(20, TimeUnit.SECONDS);
              pending.add(leader.linearizableRead(() -> {
                if (Thread.currentThread() != applier[0]) {
                  offThread.incrementAndGet();
                }
                return m.count >= acked;
              }).toCompletableFuture());
            }
            for (CompletableFuture<Boolean> f : pending) {
              if (!f.get(20, TimeUnit.SECONDS)) {
                stale.incrementAndGet();
              }
            }
          } catch (Exception e) {
            errors.add(e);
          }
        });
        callers.add(th);
        th.start();
      }
      for (Thread th : callers) {
        th.join(TimeUnit.SECONDS.toMillis(120));
      }
      assertTrue(errors.isEmpty(), "reads failed: " + errors);
      assertEquals(0, offThread.get(), "queries that ran off the Raft thread");
      assertEquals(0, stale.get(), "queries that missed an acknowledged write");
    }
  }

  @Test
  void aFollowerServesLinearizableReadsOnItsRaftThreadAfterApplyingTheLeadersReadIndex()
      throws Exception {
    // Issue 22 item 6, dissertation §6.4 "reads at followers": the follower asks the leader for
    // the read index, waits until it applied it, and runs the query on its own Raft thread; a
    // write acknowledged by the leader before the read started is always seen
    java.util.Map<NodeId, CountingMachine> machines =
        new java.util.concurrent.ConcurrentHashMap<>();
    try (LocalRaftCluster c = LocalRaftCluster.start(3, FAST, Duration.ofMillis(10),
        id -> machines.computeIfAbsent(id, k -> new CountingMachine()))) {
      RaftServer leader = c.awaitLeader(Duration.ofSeconds(20));
      leader.propose(new byte[] {1}).toCompletableFuture().get(20, TimeUnit.SECONDS);
      for (RaftServer follower : c.servers().values()) {
        if (follower == leader) {
          continue;
        }
        Thread[] raftThread = new Thread[1];
        follower.execute(() -> raftThread[0] = Thread.currentThread()).toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
        for (int i = 0; i < 50; i++) {
          long acked = (Long) leader.propose(new byte[] {2}).toCompletableFuture()
              .get(20, TimeUnit.SECONDS);
          long seen = follower.linearizableRead(() -> {
            assertEquals(raftThread[0], Thread.currentThread(), "query on the follower's thread");
            return machines.get(follower.id()).count;
          }).toCompletableFuture().get(20, TimeUnit.SECONDS);
          assertTrue(seen >= acked, "the follower read saw " + seen + " of " + acked + " writes");
        }
      }
    }
  }

}
