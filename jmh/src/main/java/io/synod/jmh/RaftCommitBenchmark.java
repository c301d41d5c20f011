package io.synod.jmh;

import io.synod.raft.RaftConfig;
import io.synod.raft.runtime.LocalRaftCluster;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.spi.StateMachine;
import java.io.InputStream;
import java.time.Duration;
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
 * Committed commands per second of a three-node Raft cluster in one JVM: three {@link
 * RaftServer}s (one Raft thread each) on the in-memory {@link
 * io.synod.raft.runtime.LocalRaftNetwork} and in-memory log stores. Each invocation proposes a
 * window of {@value #WINDOW} 64-byte commands to the leader and waits until all are applied
 * there (committed by a majority), so the score is commands/s with {@value #WINDOW} in flight.
 *
 * <p>{@code batching=on} uses the defaults (up to 512 entries per AppendEntries, 64 appends in
 * flight per follower); {@code batching=off} sends one entry per AppendEntries (same pipelining
 * window), which is the baseline the ratio in {@code docs/perf-raft.md} is taken against.
 *
 * <p>Run: {@code mvn -B -o -q -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar RaftCommitBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class RaftCommitBenchmark {

  /** Commands in flight per invocation. */
  public static final int WINDOW = 256;

  @Param({"on", "off"})
  public String batching;

  private LocalRaftCluster cluster;
  private final byte[] command = new byte[64];

  @Setup(Level.Trial)
  public void setUp() {
    RaftConfig.Builder b = RaftConfig.builder().electionTimeoutTicks(20)
        .heartbeatIntervalTicks(2);
    if (batching.equals("off")) {
      b.maxEntriesPerAppend(1);
    }
    cluster = LocalRaftCluster.start(3, b.build(), Duration.ofMillis(10), id -> new NoState());
    cluster.awaitLeader(Duration.ofSeconds(30));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    cluster.close();
  }

  /** Proposes {@value #WINDOW} commands and waits for all to be applied on the leader. */
  @Benchmark
  @OperationsPerInvocation(WINDOW)
  public Object commitWindow() {
    RaftServer leader = cluster.awaitLeader(Duration.ofSeconds(30));
    CompletableFuture<?>[] fs = new CompletableFuture<?>[WINDOW];
    for (int i = 0; i < WINDOW; i++) {
      fs[i] = leader.propose(command).toCompletableFuture();
    }
    return CompletableFuture.allOf(fs).join();
  }

  /** A state machine that keeps nothing: the benchmark measures replication and commit. */
  static final class NoState implements StateMachine {
    @Override
    public Object apply(long index, byte[] command) {
      return null;
    }

    @Override
    public SnapshotWriter snapshot() {
      return out -> { };
    }

    @Override
    public void restore(InputStream in) {}
  }
}
