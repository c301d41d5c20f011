package io.synod.raft.runtime;

import io.synod.raft.*;

import io.synod.raft.spi.StateMachine;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
/**
 * One-off measurement for docs/PERFORMANCE.md (not a test): linearizable reads per second over 5 s
 * with 256 in flight, all at the leader vs spread over the three nodes of a {@link LocalRaftCluster}.
 */
public class ReadSpread {
  static final class M implements StateMachine {
    volatile long n;
    public Object apply(long i, byte[] c) { return ++n; }
    public SnapshotWriter snapshot() { long c = n; return out -> new java.io.DataOutputStream(out).writeLong(c); }
    public void restore(java.io.InputStream in) throws java.io.IOException { n = new java.io.DataInputStream(in).readLong(); }
  }
  public static void main(String[] a) throws Exception {
    RaftConfig cfg = RaftConfig.builder().electionTimeoutTicks(30).heartbeatIntervalTicks(2).build();
    try (LocalRaftCluster c = LocalRaftCluster.start(3, cfg, Duration.ofMillis(10), id -> new M())) {
      RaftServer leader = c.awaitLeader(Duration.ofSeconds(20));
      leader.propose(new byte[] {1}).toCompletableFuture().get(20, TimeUnit.SECONDS);
      Thread.sleep(500);
      for (String mode : new String[] {"leader", "spread", "leader", "spread"}) {
        List<RaftServer> targets = mode.equals("leader") ? List.of(leader) : new ArrayList<>(c.servers().values());
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Semaphore window = new Semaphore(256);
        int i = 0;
        while (System.nanoTime() < end) {
          window.acquire();
          RaftServer s = targets.get(i++ % targets.size());
          s.linearizableRead(() -> {
            // a query with some cost: what a lock-state read does (a view and its encoding)
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < 200; k++) b.append(k).append(',');
            return b.length();
          }).whenComplete((r, e) -> { if (e == null) done.incrementAndGet(); window.release(); });
        }
        window.acquire(256);
        System.out.printf("%s reads/s=%d%n", mode, done.get() / 5);
      }
    }
  }
}
