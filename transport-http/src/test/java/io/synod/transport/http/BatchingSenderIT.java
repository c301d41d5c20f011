package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Batches over real sockets: order, batching under a full window, failure reporting. */
class BatchingSenderIT {
  private static byte[] encode(List<String> batch) {
    return String.join("\n", batch).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyMessageArrivesOnceInOrderAndBatchesFormWhileTheWindowIsFull() throws Exception {
    List<String> received = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger batches = new AtomicInteger();
    CompletableFuture<HttpResponse> firstGate = new CompletableFuture<>();
    Router router = new Router().post("/internal/test", req -> {
      List<String> msgs = Arrays.asList(req.bodyAsString().split("\n"));
      received.addAll(msgs);
      // Hold the first batch so that later messages pile up behind the window.
      if (batches.getAndIncrement() == 0) {
        return firstGate;
      }
      return CompletableFuture.completedFuture(HttpResponse.noContent());
    });
    try (EventLoops loops = EventLoops.create("batch-it", 2);
        HttpServer server = HttpServer.builder(router).host("127.0.0.1").port(0)
            .eventLoops(loops).build().start();
        HttpClientPool pool = HttpClientPool.create(loops, HttpClientOptions.builder()
            .maxConnectionsPerPeer(1).maxPipelinedPerConnection(1).build())) {
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      BatchingSender<String> sender = new BatchingSender<>(pool,
          URI.create("http://127.0.0.1:" + server.port()), "/internal/test",
          HttpResponse.TEXT, BatchingSenderIT::encode, 64, 1000, 1, Duration.ofSeconds(10),
          (b, e) -> failures.add(e));
      assertTrue(sender.offer("m0"));
      for (int i = 1; i < 200; i++) {
        assertTrue(sender.offer("m" + i));
      }
      // With the window full, nothing beyond the first message has been sent.
      assertEquals(199, sender.queued());
      firstGate.complete(HttpResponse.noContent());
      for (int spins = 0; received.size() < 200 && spins < 2000; spins++) {
        Thread.sleep(5);
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        expected.add("m" + i);
      }
      assertEquals(expected, received);
      // 1 + ceil(199 / 64) batches: the queued messages went out together.
      assertEquals(5, batches.get());
      assertTrue(failures.isEmpty(), failures.toString());
      sender.close();
      assertFalse(sender.offer("late"));
    }
  }

  @Test
  void fullOutboxRefusesFurtherMessages() throws Exception {
    CompletableFuture<HttpResponse> gate = new CompletableFuture<>();
    Router router = new Router().post("/internal/test", req -> gate);
    try (EventLoops loops = EventLoops.create("batch-it-2", 1);
        HttpServer server = HttpServer.builder(router).host("127.0.0.1").port(0)
            .eventLoops(loops).build().start();
        HttpClientPool pool = HttpClientPool.create(loops, HttpClientOptions.create())) {
      BatchingSender<String> sender = new BatchingSender<>(pool,
          URI.create("http://127.0.0.1:" + server.port()), "/internal/test", HttpResponse.TEXT,
          BatchingSenderIT::encode, 8, 3, 1, Duration.ofSeconds(30), (b, e) -> { });
      // "a" goes out and is held by the server; b, c, d fill the outbox of 3.
      for (String m : List.of("a", "b", "c", "d")) {
        assertTrue(sender.offer(m));
      }
      assertFalse(sender.offer("e"));
      assertEquals(3, sender.queued());
      assertEquals(1, sender.counters()[2]);
      gate.complete(HttpResponse.noContent());
      sender.close();
    }
  }

  @Test
  void anUnreachablePeerReportsEachFailedBatch() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (EventLoops loops = EventLoops.create("batch-it-3", 1);
        HttpClientPool pool = HttpClientPool.create(loops, HttpClientOptions.create())) {
      CountDownLatch failed = new CountDownLatch(1);
      List<List<String>> failedBatches = new CopyOnWriteArrayList<>();
      List<Throwable> causes = new CopyOnWriteArrayList<>();
      BatchingSender<String> sender = new BatchingSender<>(pool,
          URI.create("http://127.0.0.1:" + port), "/internal/test", HttpResponse.TEXT,
          BatchingSenderIT::encode, 8, 100, 1, Duration.ofSeconds(5), (b, e) -> {
            causes.add(e);
            failedBatches.add(b);
            failed.countDown();
          });
      assertTrue(sender.offer("a"));
      assertTrue(failed.await(30, TimeUnit.SECONDS));
      assertEquals(List.of("a"), failedBatches.get(0));
      assertTrue(causes.get(0) instanceof PeerUnreachableException, causes.toString());
      assertEquals(1, sender.counters()[3]);
      sender.close();
    }
  }
}
