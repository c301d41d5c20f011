package io.synod.jmh;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.RaftConfig;
import io.synod.raft.runtime.LocalRaftNetwork;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.storage.FileRaftLogStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Durable commits per second: a three-node Raft cluster in one JVM (in-memory transport) whose
 * nodes each keep their log in a {@link FileRaftLogStore} (every Ready's entries are fsync'd
 * before the node acknowledges them, so a commit means a majority of fsyncs). Each invocation
 * proposes {@code proposers} 64-byte commands at once to the leader and waits until all are
 * applied: {@code proposers} is the number of requests in flight, as that many concurrent
 * clients would keep.
 *
 * <p>The secondary results are the ones to read: {@code commits} (commands/s) and {@code fsyncs}
 * (the leader's {@code FileChannel.force} calls/s); fsyncs per entry = fsyncs / commits, which
 * group commit drives below 1 as proposers grow. Compare with {@link
 * FsyncBenchmark#rawWriteAndForce()}, the raw fsync rate of the same disk.
 *
 * <p>Run: {@code mvn -B -o -q -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar DurableLogBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class DurableLogBenchmark {

  @Param({"1", "16", "128"})
  public int proposers;

  private Path dir;
  private final LocalRaftNetwork network = new LocalRaftNetwork();
  private final List<RaftServer> servers = new ArrayList<>();
  private final List<FileRaftLogStore> stores = new ArrayList<>();
  private final byte[] command = new byte[64];

  /** Per-iteration counters JMH reports as rates next to the primary score. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Counts {
    /** Commands committed and applied on the leader. */
    public long commits;
    /** {@code FileChannel.force} calls on the leader's log. */
    public long fsyncs;
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("synod-durable-bench");
    List<NodeId> ids = List.of(NodeId.of("node1"), NodeId.of("node2"), NodeId.of("node3"));
    RaftConfig config = RaftConfig.builder().electionTimeoutTicks(20).heartbeatIntervalTicks(2)
        .build();
    for (NodeId id : ids) {
      FileRaftLogStore store = FileRaftLogStore.open(dir.resolve(id.value()));
      RaftServer s = RaftServer.builder().id(id).membership(Membership.ofVoters(ids))
          .config(config).tick(Duration.ofMillis(10)).logStore(store)
          .stateMachine(new RaftCommitBenchmark.NoState()).transport(network.transport(id))
          .build();
      network.register(id, s::receive);
      stores.add(store);
      servers.add(s);
    }
    servers.forEach(RaftServer::start);
    leaderIndex();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    servers.forEach(RaftServer::close);
    stores.forEach(FileRaftLogStore::close);
    deleteTree(dir);
  }

  private int leaderIndex() {
    for (int round = 0; round < 3000; round++) {
      for (int i = 0; i < servers.size(); i++) {
        if (servers.get(i).status().isLeader()) {
          return i;
        }
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("no leader elected");
  }

  /** {@code proposers} commands at once, waiting for all to commit. */
  @Benchmark
  public Object commitConcurrent(Counts counts) {
    int l = leaderIndex();
    FileRaftLogStore store = stores.get(l);
    long forcesBefore = store.forceCount();
    CompletableFuture<?>[] fs = new CompletableFuture<?>[proposers];
    for (int i = 0; i < proposers; i++) {
      fs[i] = servers.get(l).propose(command).toCompletableFuture();
    }
    Object r = CompletableFuture.allOf(fs).join();
    // completion happens on the Raft thread after the fsync: the count read here is current
    counts.commits += proposers;
    counts.fsyncs += store.forceCount() - forcesBefore;
    return r;
  }

  static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
