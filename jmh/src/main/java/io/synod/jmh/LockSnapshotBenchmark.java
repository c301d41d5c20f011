package io.synod.jmh;

import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockLimits;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockStateMachine;
import io.synod.raft.spi.StateMachine;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
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

/**
 * What a snapshot of a lock table of {@code held} held locks costs the Raft thread (issue 24.1).
 *
 * <p>{@code snapshotCall}: {@link LockStateMachine#snapshot()}, the only part RaftServer runs on
 * the Raft thread; its writer is written outside the measured time, as RaftServer's snapshot
 * thread does. {@code encodeWholeTable}: {@link LockStateMachine#snapshotBytes()}, which is what
 * {@code snapshot()} did on the Raft thread before (the baseline). {@code writeFrozenView}: the
 * call and the whole write, i.e. the work that moved to the snapshot thread.
 *
 * <p>Run: {@code mvn -B -o -q -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar LockSnapshotBenchmark -f 1 -wi 2 -i 3 -w 2s -r 2s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LockSnapshotBenchmark {

  @Param({"10000", "1000000"})
  public int held;

  private LockStateMachine table;
  private StateMachine.SnapshotWriter pending;

  @Setup(Level.Trial)
  public void fill() {
    table = io.synod.jmh.scale.Subjects.lockTable(
        Math.max(LockLimits.DEFAULT.maxResources(), held));
    for (int i = 0; i < held; i++) {
      table.apply(i + 1, new LockCommand.Acquire(0, i + 1, HolderId.ownerOnly("owner-" + i),
          "resource-" + i, LockMode.EXCLUSIVE, 0));
    }
  }

  /** Writes the writer a {@code snapshotCall} left, as the snapshot thread would. */
  @TearDown(Level.Invocation)
  public void writePending() throws IOException {
    if (pending != null) {
      pending.writeTo(OutputStream.nullOutputStream());
      pending = null;
    }
  }

  /** The Raft thread's part of a snapshot now. */
  @Benchmark
  public Object snapshotCall() {
    pending = table.snapshot();
    return pending;
  }

  /** The Raft thread's part of a snapshot before: the whole table encoded there. */
  @Benchmark
  public byte[] encodeWholeTable() {
    return table.snapshotBytes();
  }

  /** The call and the full write: the work the snapshot thread does now. */
  @Benchmark
  public Object writeFrozenView() throws IOException {
    StateMachine.SnapshotWriter w = table.snapshot();
    w.writeTo(OutputStream.nullOutputStream());
    return w;
  }
}
