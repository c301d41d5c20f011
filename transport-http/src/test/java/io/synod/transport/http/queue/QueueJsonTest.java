package io.synod.transport.http.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.synod.queue.Delivery;
import io.synod.queue.QueueRequest;
import io.synod.queue.TopicStats;
import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import io.synod.transport.http.HttpError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class QueueJsonTest {
  static final StreamId ID1 = new StreamId(1700000000000L, 0);
  static final StreamId ID2 = new StreamId(1700000000000L, 1);

  static StreamRecord record(String text) {
    TreeMap<String, String> headers = new TreeMap<>();
    headers.put("content-type", "text/plain");
    return new StreamRecord(text.getBytes(StandardCharsets.UTF_8), headers);
  }

  static List<QueueRequest<?>> everyRequest() {
    List<QueueRequest<?>> all = new ArrayList<>();
    all.add(new QueueRequest.Publish("orders", List.of(record("a"), record("\u00e9\u0000b")), 0));
    all.add(new QueueRequest.Consume("orders", "g", "c1", 10, 5000, 1));
    all.add(new QueueRequest.Ack("orders", "g", List.of(ID1.toString(), ID2.toString()), 0));
    all.add(new QueueRequest.Nack("orders", "g", "c1", ID1.toString(), 0));
    all.add(new QueueRequest.Extend("orders", "g", "c1", ID1.toString(), 30000, 0));
    all.add(new QueueRequest.Stats("orders", 0));
    all.add(new QueueRequest.Browse("orders", ID1.toString(), 100, 0));
    all.add(new QueueRequest.Pending("orders", "g", 100, 0));
    all.add(new QueueRequest.AckReceipts("orders", "g", List.of(ID1 + "~1", ID2 + "~3"), 0));
    all.add(new QueueRequest.NackReceipt("orders", "g", ID1 + "~2", 1));
    all.add(new QueueRequest.ExtendReceipt("orders", "g", ID1 + "~2", 5000, 0));
    all.add(new QueueRequest.DeleteGroup("orders", "g", 0));
    all.add(new QueueRequest.DeleteConsumer("orders", "g", "c1", 0));
    return all;
  }

  @Test
  void everyRequestTypeRoundTrips() {
    for (QueueRequest<?> r : everyRequest()) {
      byte[] json = QueueJson.encodeRequest(r);
      assertEquals(r, QueueJson.decodeRequest(json), new String(json, StandardCharsets.UTF_8));
    }
  }

  @Test
  void everyPermittedRequestTypeIsCoveredByTheTestAndHasAnAnswerType() {
    List<Class<?>> covered = new ArrayList<>();
    for (QueueRequest<?> r : everyRequest()) {
      if (!covered.contains(r.getClass())) {
        covered.add(r.getClass());
      }
      if (!(r instanceof QueueRequest.Nack) && !(r instanceof QueueRequest.Extend)
          && !(r instanceof QueueRequest.NackReceipt)
          && !(r instanceof QueueRequest.ExtendReceipt)
          && !(r instanceof QueueRequest.DeleteConsumer)) {
        assertNotNull(QueueJson.answerType(r), r.getClass().getSimpleName());
      }
    }
    for (Class<?> c : QueueRequest.class.getPermittedSubclasses()) {
      assertEquals(true, covered.contains(c), "no wire test for " + c.getSimpleName());
    }
  }

  @Test
  void answersRoundTripWithTheirTypes() throws Exception {
    QueueRequest.Publish publish = new QueueRequest.Publish("t", List.of(record("x")), 0);
    assertEquals(List.of(ID1, ID2),
        QueueJson.decodeAnswer(publish, QueueJson.encodeAnswer(List.of(ID1, ID2))));
    QueueRequest.Consume consume = new QueueRequest.Consume("t", "g", "c", 1, 0, 0);
    List<Delivery> deliveries = List.of(new Delivery(ID1, record("x"), 1, 2, 3));
    assertEquals(deliveries, QueueJson.decodeAnswer(consume, QueueJson.encodeAnswer(deliveries)));
    QueueRequest.Ack ack = new QueueRequest.Ack("t", "g", List.of("1-0"), 0);
    assertEquals(2L, QueueJson.decodeAnswer(ack, QueueJson.encodeAnswer(2L)));
    QueueRequest.Nack nack = new QueueRequest.Nack("t", "g", "c", "1-0", 0);
    assertNull(QueueJson.decodeAnswer(nack, QueueJson.encodeAnswer(null)));
    TopicStats stats = new TopicStats("t", 5,
        List.of(new TopicStats.GroupStats("g", 1, 2, 3, 4, 5, 6)));
    assertEquals(stats, QueueJson.decodeAnswer(new QueueRequest.Stats("t", 0),
        QueueJson.encodeAnswer(stats)));
    List<StreamEntry> entries = List.of(new StreamEntry(ID1, record("x"), 3));
    assertEquals(entries, QueueJson.decodeAnswer(new QueueRequest.Browse("t", "0-0", 1, 0),
        QueueJson.encodeAnswer(entries)));
    List<PendingEntry> pending = List.of(new PendingEntry(ID1, "c", 10, 2));
    assertEquals(pending, QueueJson.decodeAnswer(new QueueRequest.Pending("t", "g", 1, 0),
        QueueJson.encodeAnswer(pending)));
  }

  @Test
  void malformedRequestsAre400() {
    for (String bad : new String[] {"{", "{\"type\":\"Nope\"}", "[]",
        "{\"type\":\"Consume\",\"topic\":\"t\",\"max\":\"many\"}"}) {
      HttpError e = assertThrows(HttpError.class,
          () -> QueueJson.decodeRequest(bad.getBytes(StandardCharsets.UTF_8)), bad);
      assertEquals(400, e.status());
    }
  }
}
