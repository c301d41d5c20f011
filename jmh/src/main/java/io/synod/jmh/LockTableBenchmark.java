package io.synod.jmh;

import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockLimits;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockStateMachine;
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

/**
 * The cost on the Raft thread of one lock-table operation with a long wait queue: {@code
 * waiters} exclusive requests queue behind one holder of one resource.
 *
 * <p>{@code queueAndCancel}: one more exclusive acquire is queued (with its deadlock check over
 * the whole queue) and cancelled again (two applies; the table returns to its size).
 * {@code nextWaitDeadline}: what the leader's maintenance asks every interval.
 *
 * <p>Run: {@code mvn -B -o -q -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar LockTableBenchmark -f 1 -wi 2 -i 3 -w 1s -r 2s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LockTableBenchmark {

  @Param({"10", "10000"})
  public int waiters;

  private LockStateMachine table;
  private long index;
  private long request;
  private static final HolderId PROBE = HolderId.ownerOnly("probe");

  @Setup(Level.Trial)
  public void setUp() {
    LockLimits defaults = LockLimits.DEFAULT;
    table = new LockStateMachine(new LockLimits(defaults.maxResources(), defaults.maxSessions(),
        waiters + 1, defaults.maxWaiters(), defaults.maxHoldCount(), defaults.maxNameBytes(),
        defaults.minTtlMillis(), defaults.maxTtlMillis()), LockListener.NONE);
    table.apply(++index, new LockCommand.Acquire(0, ++request, HolderId.ownerOnly("holder"), "r",
        LockMode.EXCLUSIVE, 0));
    for (int i = 0; i < waiters; i++) {
      table.apply(++index, new LockCommand.Acquire(0, ++request, HolderId.ownerOnly("w" + i), "r",
          LockMode.EXCLUSIVE, 1_000_000 + i));
    }
  }

  /** Queue one more exclusive request (deadlock check included), then cancel it. */
  @Benchmark
  public Object queueAndCancel() {
    table.apply(++index, new LockCommand.Acquire(0, ++request, PROBE, "r", LockMode.EXCLUSIVE,
        5_000_000));
    return table.apply(++index, new LockCommand.Release(0, PROBE, "r"));
  }

  /** The earliest wait deadline, as the leader's maintenance reads it. */
  @Benchmark
  public Object nextWaitDeadline() {
    return table.nextWaitDeadline();
  }
}
