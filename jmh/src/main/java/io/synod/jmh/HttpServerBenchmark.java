package io.synod.jmh;

import io.synod.transport.http.ClientRequest;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpClientOptions;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.HttpServer;
import io.synod.transport.http.Router;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * Request throughput over loopback of the Synod {@link HttpServer} (router, aggregation, ordered
 * async responses, JSON) beside the plain Netty {@link HelloWorldServer} as the ceiling, each on
 * epoll and NIO, with the pooled {@link HttpClientPool} as the load source (4 JMH threads, one
 * synchronous round trip per operation, 4 keep-alive connections).
 *
 * <p>Run: {@code mvn -B -q -o -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar HttpServerBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(4)
public class HttpServerBenchmark {
  /** Which Netty transport the server and client use. */
  @Param({"epoll", "nio"})
  public String transport;

  private EventLoops serverLoops;
  private EventLoops clientLoops;
  private HelloWorldServer hello;
  private HttpServer synod;
  private HttpClientPool pool;
  private ClientRequest echo;

  /** Starts both servers and the client. */
  @Setup(Level.Trial)
  public void setUp() {
    System.setProperty(EventLoops.FORCE_NIO_PROPERTY, Boolean.toString("nio".equals(transport)));
    serverLoops = EventLoops.create("bench-server", 1);
    clientLoops = EventLoops.create("bench-client", 1);
    hello = HelloWorldServer.start("127.0.0.1", 0, serverLoops);
    Router router = new Router()
        .get("/hello", req -> CompletableFuture.completedFuture(
            HttpResponse.text(200, "Hello, World!")))
        .post("/echo", req -> CompletableFuture.completedFuture(HttpResponse.ok(req.json())));
    synod = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(serverLoops).build()
        .start();
    pool = HttpClientPool.create(clientLoops,
        HttpClientOptions.builder().maxConnectionsPerPeer(4).build());
    echo = ClientRequest.postJson("/echo",
        Map.of("resource", "resource1", "owner_id", "client-1", "mode", "exclusive"));
  }

  /** Stops everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
    synod.close();
    hello.close();
    clientLoops.close();
    serverLoops.close();
    System.clearProperty(EventLoops.FORCE_NIO_PROPERTY);
  }

  /**
   * Ceiling: plain Netty, fixed body, no routing.
   *
   * @return the response
   */
  @Benchmark
  public HttpResponse helloWorldNetty() {
    return pool.send("127.0.0.1", hello.port(), ClientRequest.get("/hello"))
        .toCompletableFuture().join();
  }

  /**
   * Synod server, routed GET with a text body.
   *
   * @return the response
   */
  @Benchmark
  public HttpResponse synodGet() {
    return pool.send("127.0.0.1", synod.port(), ClientRequest.get("/hello"))
        .toCompletableFuture().join();
  }

  /**
   * Synod server, routed POST parsing and writing a small JSON object.
   *
   * @return the response
   */
  @Benchmark
  public HttpResponse synodJsonEcho() {
    return pool.send("127.0.0.1", synod.port(), echo).toCompletableFuture().join();
  }
}
