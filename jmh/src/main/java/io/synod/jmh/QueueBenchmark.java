package io.synod.jmh;

import io.synod.queue.Delivery;
import io.synod.queue.QueueConfig;
import io.synod.queue.QueueCore;
import io.synod.queue.memory.InMemoryStreamStore;
import io.synod.queue.spi.QueueScheduler;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * In-memory publish + consume + ack per second, one thread, one message per round trip:
 * {@link QueueCore} over the {@link InMemoryStreamStore} (groups, pending list, visibility,
 * delivery counts), the bare store calls underneath it, and a {@link ArrayBlockingQueue}
 * offer/poll as the ceiling of a queue that promises nothing.
 *
 * <p>Run: {@code mvn -B -q -o -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar QueueBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class QueueBenchmark {
  private static final QueueScheduler NO_TIMERS = (delay, task) -> () -> { };
  private final AtomicLong clock = new AtomicLong(1);
  private QueueCore core;
  private InMemoryStreamStore store;
  private ArrayBlockingQueue<byte[]> abq;
  private final StreamRecord record = StreamRecord.of(new byte[64]);
  private final List<StreamRecord> one = List.of(record);

  @Setup
  public void setUp() {
    core = new QueueCore(QueueConfig.defaults(), new InMemoryStreamStore(clock::incrementAndGet),
        NO_TIMERS, clock::get, null);
    store = new InMemoryStreamStore(clock::incrementAndGet);
    store.createGroup("raw", "g");
    abq = new ArrayBlockingQueue<>(1024);
  }

  /** publish, consume one, ack it, through the queue core. */
  @Benchmark
  public long queueCorePublishConsumeAck() {
    core.publish("bench", one).toCompletableFuture().join();
    List<Delivery> got = core.consume("bench", "g", "c", 1, 0).toCompletableFuture().join();
    return core.ack("bench", "g", List.of(got.get(0).id().toString())).toCompletableFuture()
        .join();
  }

  /** The same three store calls without the queue semantics. */
  @Benchmark
  public long storeAppendReadAck() {
    store.append("raw", one).toCompletableFuture().join();
    List<StreamEntry> got = store.readNew("raw", "g", "c", 1).toCompletableFuture().join();
    StreamId id = got.get(0).id();
    long n = store.ack("raw", "g", List.of(id)).toCompletableFuture().join();
    store.trim("raw", 1000, StreamId.MIN);
    return n;
  }

  /** Ceiling: a bounded JDK queue, no ids, no groups, no acknowledgements. */
  @Benchmark
  public byte[] arrayBlockingQueueOfferPoll() {
    abq.offer(record.payload());
    return abq.poll();
  }
}
