package io.synod.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.queue.memory.InMemoryQueueTransport;
import io.synod.queue.memory.InMemoryStreamStore;
import io.synod.queue.memory.TopicSnapshot;
import io.synod.queue.ring.HashRing;
import io.synod.queue.sim.VirtualScheduler;
import io.synod.queue.spi.QueueTransport;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class QueueWireCodecTest {
  private static StreamRecord rec(String s, String h) {
    TreeMap<String, String> headers = new TreeMap<>();
    headers.put("h", h);
    return new StreamRecord(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers);
  }

  @Test
  void everyRequestSurvivesARoundTrip() throws Exception {
    StreamId a = new StreamId(5, 1);
    StreamId b = new StreamId(6, 0);
    TopicSnapshot snap = new TopicSnapshot("t", 9, b,
        List.of(new TopicSnapshot.Entry(a, rec("x", "1")), new TopicSnapshot.Entry(b, rec("y", "ü"))),
        List.of(new TopicSnapshot.Group("g", a, List.of("c1", "c2"),
            List.of(new TopicSnapshot.Pending(a, "c1", 77, 3)))));
    List<QueueRequest<?>> all = List.of(
        new QueueRequest.Publish("t", List.of(rec("a", "1"), rec("", "2")), 0),
        new QueueRequest.Consume("t", "g", "c", 10, 500, 1),
        new QueueRequest.Ack("t", "g", List.of("1-1", "2-0"), 0),
        new QueueRequest.Nack("t", "g", "c", "1-1", 1),
        new QueueRequest.Extend("t", "g", "c", "1-1", 300, 0),
        new QueueRequest.Stats("t", 1),
        new QueueRequest.Browse("t.dlq", "0-0", 5, 0),
        new QueueRequest.Pending("t", "g", 5, 1),
        new QueueRequest.AckReceipts("t", "g", List.of("1-1~2", "2-0~1"), 0),
        new QueueRequest.NackReceipt("t", "g", "1-1~2", 1),
        new QueueRequest.ExtendReceipt("t", "g", "1-1~2", 300, 0),
        new QueueRequest.DeleteGroup("t", "g", 0),
        new QueueRequest.DeleteConsumer("t", "g", "c", 1));
    for (QueueRequest<?> r : all) {
      assertEquals(r, QueueWireCodec.decodeRequest(QueueWireCodec.encodeRequest(r)));
    }
    // a stream's full copy, as the replicated queue's snapshots write it
    java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bos)) {
      QueueWireCodec.writeTopicSnapshot(out, snap);
    }
    assertEquals(snap, QueueWireCodec.readTopicSnapshot(new java.io.DataInputStream(
        new java.io.ByteArrayInputStream(bos.toByteArray()))));
    // format 2 keeps each group's activity time (idle-group expiry)
    TopicSnapshot active = new TopicSnapshot("t", 9, b, snap.entries(),
        List.of(new TopicSnapshot.Group("g", a, List.of("c1"), List.of(), 1234)));
    java.io.ByteArrayOutputStream bos2 = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bos2)) {
      QueueWireCodec.writeTopicSnapshot(out, active, 2);
    }
    assertEquals(active, QueueWireCodec.readTopicSnapshot(new java.io.DataInputStream(
        new java.io.ByteArrayInputStream(bos2.toByteArray())), 2));
  }

  @Test
  void failuresKeepTheirCodeAndGarbageIsRefused() {
    QueueRequest.Stats s = new QueueRequest.Stats("t", 0);
    byte[] err = QueueWireCodec.encodeFailure(
        new QueueException(QueueException.Code.NOT_FOUND, "gone"));
    QueueException e = assertThrows(QueueException.class, () -> QueueWireCodec.decodeResponse(s, err));
    assertEquals(QueueException.Code.NOT_FOUND, e.code());
    assertEquals("gone", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> QueueWireCodec.decodeRequest(new byte[] {1, 99}));
    assertThrows(IllegalArgumentException.class,
        () -> QueueWireCodec.decodeRequest(new byte[] {1, 1, 0}));
  }

  /** A transport that ships only bytes, as an HTTP transport would. */
  private static QueueTransport bytesOnly(InMemoryQueueTransport inner) {
    return new QueueTransport() {
      @Override
      public <R> CompletionStage<R> send(String node, QueueRequest<R> request) {
        @SuppressWarnings("unchecked")
        QueueRequest<R> decoded =
            (QueueRequest<R>) QueueWireCodec.decodeRequest(QueueWireCodec.encodeRequest(request));
        return inner.send(node, decoded).handle((v, t) -> t == null
            ? QueueWireCodec.encodeResponse(decoded, v) : QueueWireCodec.encodeFailure(t))
            .thenApply(bytes -> QueueWireCodec.decodeResponse(request, bytes));
      }
    };
  }

  @Test
  void aClusterRunsOverTheWireFormat() {
    VirtualScheduler sched = new VirtualScheduler(1000);
    InMemoryQueueTransport inner = new InMemoryQueueTransport(Runnable::run);
    QueueTransport wire = bytesOnly(inner);
    AtomicReference<HashRing> ring =
        new AtomicReference<>(HashRing.of(List.of("n1", "n2", "n3"), 64, 1));
    Map<String, QueueNode> nodes = new TreeMap<>();
    // one store shared by the nodes, as Redis is
    InMemoryStreamStore shared = new InMemoryStreamStore(sched::now);
    for (String id : ring.get().nodes()) {
      QueueNode n = new QueueNode(id, QueueConfig.defaults().withVisibilityTimeoutMillis(100),
          ring::get, shared, wire, sched, sched::now);
      nodes.put(id, n);
      inner.register(id, n);
    }
    String topic = "orders";
    String owner = ring.get().ownerOf(topic);
    List<String> others = new ArrayList<>(nodes.keySet());
    others.remove(owner);
    QueueNode entry = nodes.get(others.get(0));
    List<StreamId> ids = join(sched, entry.publishBatch(topic, List.of(rec("a", "1"), rec("b", "2"))));
    List<Delivery> got = join(sched, entry.consume(topic, "g", "c", 1, 0));
    assertEquals(ids.get(0), got.get(0).id());
    assertEquals("1", got.get(0).headers().get("h"));
    join(sched, entry.extend(topic, "g", "c", ids.get(0).toString(), 100));
    join(sched, entry.nack(topic, "g", "c", ids.get(0).toString()));
    assertEquals(1, join(sched, entry.pending(topic, "g", 10)).size());
    join(sched, entry.ack(topic, "g", ids.get(0).toString()));
    CompletableFuture<Void> again = entry.ack(topic, "g", ids.get(0).toString())
        .toCompletableFuture();
    sched.advance(1);
    QueueException e = assertInstanceOf(QueueException.class,
        assertThrows(RuntimeException.class, again::join).getCause());
    assertEquals(QueueException.Code.NOT_FOUND, e.code());
    // work-queue retention: the acknowledged message left the topic, the unread one stays
    assertEquals(1, join(sched, entry.stats(topic)).length());
    assertEquals(List.of(ids.get(1)), join(sched, entry.browse(topic, "0-0", 10)).stream()
        .map(StreamEntry::id).toList());
    // the owner dies; the next node serves the topic from the shared store
    inner.unregister(owner);
    ring.set(ring.get().withoutNode(owner, 2));
    nodes.remove(owner);
    nodes.values().forEach(n -> n.onRingChange(ring.get()));
    List<Delivery> rest = join(sched, entry.consume(topic, "g", "c", 10, 0));
    assertEquals(List.of(ids.get(1)), rest.stream().map(Delivery::id).toList());
    assertTrue(rest.get(0).deliveryCount() == 1);
  }

  private static <T> T join(VirtualScheduler sched, CompletionStage<T> s) {
    sched.advance(1);
    CompletableFuture<T> f = s.toCompletableFuture();
    assertTrue(f.isDone());
    return f.join();
  }
}
