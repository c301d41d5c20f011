package io.synod.jmh;

import io.synod.transport.http.BatchingSender;
import io.synod.transport.http.ClientRequest;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpClientOptions;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.HttpServer;
import io.synod.transport.http.Router;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Small-message delivery rate over loopback HTTP: the {@link BatchingSender} that the Raft and
 * cache transports use (one connection, window of 4 pipelined batches, up to 256 messages per
 * POST) beside the baseline of one POST per message on the same pool (one connection, 4
 * pipelined). Each operation is one 100-byte message delivered to the server's handler; an
 * invocation offers 2000 and waits until all have arrived.
 *
 * <p>Run: {@code mvn -B -q -o -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar HttpBatchingBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HttpBatchingBenchmark {
  private static final int MESSAGES = 2000;

  private final AtomicLong delivered = new AtomicLong();
  private EventLoops loops;
  private HttpServer server;
  private HttpClientPool pool;
  private BatchingSender<byte[]> sender;
  private byte[] message;

  /** Starts the server, the pool and the sender. */
  @Setup(Level.Trial)
  public void setUp() {
    loops = EventLoops.create("bench-batching", 2);
    Router router = new Router()
        .post("/batch", req -> {
          ByteBuffer b = ByteBuffer.wrap(req.body());
          long n = 0;
          while (b.remaining() >= 4) {
            int len = b.getInt();
            b.position(b.position() + len);
            n++;
          }
          delivered.addAndGet(n);
          return CompletableFuture.completedFuture(HttpResponse.noContent());
        })
        .post("/one", req -> {
          delivered.incrementAndGet();
          return CompletableFuture.completedFuture(HttpResponse.noContent());
        });
    server = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops).build()
        .start();
    pool = HttpClientPool.create(loops, HttpClientOptions.builder()
        .maxConnectionsPerPeer(1).maxPipelinedPerConnection(4).maxPendingPerPeer(1 << 16)
        .build());
    sender = new BatchingSender<>(pool, URI.create("http://127.0.0.1:" + server.port()),
        "/batch", HttpResponse.OCTET_STREAM, HttpBatchingBenchmark::frame, 256, 1 << 16, 4,
        Duration.ofSeconds(10), (batch, e) -> {
          throw new IllegalStateException("batch failed", e);
        });
    message = new byte[100];
  }

  /** Stops everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    sender.close();
    pool.close();
    server.close();
    loops.close();
  }

  private static byte[] frame(List<byte[]> batch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] m : batch) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(m.length).array());
      out.writeBytes(m);
    }
    return out.toByteArray();
  }

  private void awaitDelivered(long target) {
    while (delivered.get() < target) {
      Thread.onSpinWait();
    }
  }

  /**
   * Batched: offers every message, then waits for delivery.
   *
   * @return messages delivered so far
   */
  @Benchmark
  @OperationsPerInvocation(MESSAGES)
  public long batched() {
    long target = delivered.get() + MESSAGES;
    for (int i = 0; i < MESSAGES; i++) {
      while (!sender.offer(message)) {
        Thread.onSpinWait();
      }
    }
    awaitDelivered(target);
    return target;
  }

  /**
   * Baseline: one pipelined POST per message.
   *
   * @return messages delivered so far
   */
  @Benchmark
  @OperationsPerInvocation(MESSAGES)
  public long onePostPerMessage() {
    long target = delivered.get() + MESSAGES;
    CompletableFuture<?>[] all = new CompletableFuture<?>[MESSAGES];
    for (int i = 0; i < MESSAGES; i++) {
      all[i] = pool.send("127.0.0.1", server.port(),
          ClientRequest.of("POST", "/one").body(message, HttpResponse.OCTET_STREAM))
          .toCompletableFuture();
    }
    CompletableFuture.allOf(all).join();
    awaitDelivered(target);
    return target;
  }
}
