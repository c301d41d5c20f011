package io.synod.jmh;

import io.synod.raft.log.LogEntry;
import io.synod.raft.storage.FileRaftLogStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The disk's floor for durable writes, one thread: {@code rawWriteAndForce} appends 64 bytes to a
 * file and calls {@link FileChannel#force(boolean) force(false)} (one fdatasync) per operation,
 * the most durable appends per second one writer can get; {@code fileLogAppendAndSync} appends
 * one 64-byte entry to a {@link FileRaftLogStore} and syncs it (record framing, CRC32C, the sync
 * mark, segment rolls). Their ratio is the store's overhead per fsync; {@link
 * DurableLogBenchmark} shows how group commit spreads an fsync over many entries.
 *
 * <p>Files go to {@code java.io.tmpdir} (pass {@code -Djava.io.tmpdir=...} to the forked JVM with
 * {@code -jvmArgs} to measure another disk; tmpfs would measure nothing).
 *
 * <p>Run: {@code mvn -B -o -q -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar FsyncBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class FsyncBenchmark {

  private Path dir;
  private FileChannel raw;
  private long rawPosition;
  private final ByteBuffer payload = ByteBuffer.allocate(64);
  private FileRaftLogStore store;
  private final byte[] command = new byte[64];

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("synod-fsync-bench");
    raw = FileChannel.open(dir.resolve("raw.bin"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    store = FileRaftLogStore.open(dir.resolve("log"));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    raw.close();
    store.close();
    DurableLogBenchmark.deleteTree(dir);
  }

  /** 64 bytes appended with a positional write, then fdatasync. */
  @Benchmark
  public long rawWriteAndForce() throws IOException {
    payload.clear();
    rawPosition += raw.write(payload, rawPosition);
    raw.force(false);
    return rawPosition;
  }

  /** One 64-byte entry appended to the file log, then {@code sync()}. */
  @Benchmark
  public long fileLogAppendAndSync() {
    long index = store.lastIndex() + 1;
    store.append(List.of(LogEntry.command(1, index, command)));
    store.sync();
    return index;
  }
}
