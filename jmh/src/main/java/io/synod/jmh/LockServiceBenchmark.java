package io.synod.jmh;

import io.synod.raft.NodeId;
import io.synod.raft.RaftConfig;
import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.runtime.LockService;
import io.synod.raft.lock.runtime.LockServiceOptions;
import io.synod.raft.runtime.LocalRaftCluster;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Acquire + release pairs per second through {@link LockService} on a three-node Raft cluster
 * in one JVM (in-memory transport and logs). Each invocation runs {@value #CLIENTS} concurrent
 * clients, each doing one exclusive acquire (waiting as long as needed) then its release, and
 * waits for all: the score is pairs/s (two replicated commands each, plus the grant event).
 *
 * <p>{@code resources=uncontended}: every pair locks a resource nobody else uses.
 * {@code resources=hot10}: the {@value #CLIENTS} clients share 10 resources, so most acquires
 * queue in a resource's FIFO and are granted by another client's release.
 *
 * <p>Run: {@code mvn -B -o -q -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar LockServiceBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class LockServiceBenchmark {

  /** Concurrent acquire-release clients per invocation. */
  public static final int CLIENTS = 64;

  @Param({"uncontended", "hot10"})
  public String resources;

  private LocalRaftCluster cluster;
  private final TreeMap<NodeId, LockService> services = new TreeMap<>();
  private long seq;

  @Setup(Level.Trial)
  public void setUp() {
    RaftConfig config = RaftConfig.builder().electionTimeoutTicks(20).heartbeatIntervalTicks(2)
        .build();
    cluster = LocalRaftCluster.start(3, config, Duration.ofMillis(10), id -> {
      LockService s = LockService.create(System::currentTimeMillis, LockServiceOptions.create(),
          LockListener.NONE);
      services.put(id, s);
      return s.stateMachine();
    });
    services.forEach((id, s) -> s.bind(cluster.server(id)));
    // the first grant also waits out a new leader's grace period
    leader().acquire(HolderId.ownerOnly("warm"), "warm", LockMode.EXCLUSIVE, null)
        .toCompletableFuture().join();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    services.values().forEach(LockService::close);
    cluster.close();
  }

  private LockService leader() {
    return services.get(cluster.awaitLeader(Duration.ofSeconds(30)).id());
  }

  /** {@value #CLIENTS} concurrent acquire-then-release pairs. */
  @Benchmark
  @OperationsPerInvocation(CLIENTS)
  public Object acquireRelease() {
    LockService l = leader();
    boolean hot = resources.equals("hot10");
    CompletableFuture<?>[] fs = new CompletableFuture<?>[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
      long n = seq++;
      HolderId owner = HolderId.ownerOnly("c" + n);
      String resource = hot ? "hot-" + (n % 10) : "r-" + n;
      fs[i] = l.acquire(owner, resource, LockMode.EXCLUSIVE, null)
          .thenCompose(g -> l.release(owner, resource)).toCompletableFuture();
    }
    return CompletableFuture.allOf(fs).join();
  }
}
