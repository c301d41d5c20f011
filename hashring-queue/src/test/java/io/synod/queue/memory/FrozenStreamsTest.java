package io.synod.queue.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.synod.queue.QueueWireCodec;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link InMemoryStreamStore#freeze()} writes each stream exactly as the full copy ({@link
 * InMemoryStreamStore#snapshot}) taken at the freeze would, however the store changes while the
 * view is written: publishes, deliveries, acks, deletes and trims before, at and behind the
 * writer's position.
 */
class FrozenStreamsTest {
  private static final List<String> TOPICS = List.of("a", "b");

  /** One change: kind, topic, and a number (how many, or which). */
  record Op(int kind, int topic, int n) {}

  private final AtomicLong now = new AtomicLong(1_000);

  @Provide
  Arbitrary<List<Op>> ops() {
    return Combinators.combine(Arbitraries.integers().between(0, 5),
            Arbitraries.integers().between(0, TOPICS.size() - 1),
            Arbitraries.integers().between(0, 40))
        .as(Op::new).list().ofMaxSize(60);
  }

  private static <T> T await(CompletionStage<T> s) {
    try {
      return s.toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private void apply(InMemoryStreamStore s, Op op) {
    String t = TOPICS.get(op.topic());
    now.addAndGet(op.n());
    switch (op.kind()) {
      case 0, 1 -> {
        List<StreamRecord> rs = new ArrayList<>();
        for (int i = 0; i <= op.n() % 4; i++) {
          rs.add(StreamRecord.of(new byte[] {(byte) op.n(), (byte) i}));
        }
        await(s.createGroup(t, "g"));
        await(s.append(t, rs));
      }
      case 2 -> {
        await(s.createGroup(t, "g"));
        await(s.readNew(t, "g", "c" + op.n() % 3, 1 + op.n() % 3));
      }
      case 3 -> {
        await(s.createGroup(t, "g"));
        List<StreamId> pending = new ArrayList<>();
        for (var p : await(s.pending(t, "g", StreamId.MIN, 1 + op.n() % 3))) {
          pending.add(p.id());
        }
        await(s.ack(t, "g", pending));
      }
      case 4 -> {
        List<StreamEntry> some = await(s.range(t, StreamId.MIN, 10));
        if (!some.isEmpty()) {
          await(s.delete(t, List.of(some.get(op.n() % some.size()).id())));
        }
      }
      default -> await(s.trim(t, op.n() % 6, StreamId.MIN));
    }
  }

  private static byte[] copies(InMemoryStreamStore s, List<String> topics) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      for (String t : topics) {
        QueueWireCodec.writeTopicSnapshot(out, s.snapshot(t), 2);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  @Property(tries = 300)
  void frozenStreamsWriteWhatTheCopyAtTheFreezeHeld(@ForAll("ops") List<Op> before,
      @ForAll("ops") List<Op> during) throws IOException {
    InMemoryStreamStore s = new InMemoryStreamStore(now::get);
    before.forEach(op -> apply(s, op));
    List<String> topics = s.streams();
    byte[] expected = copies(s, topics);

    List<InMemoryStreamStore.FrozenTopic> views = s.freeze();
    assertNotNull(views);
    Iterator<Op> pending = during.iterator();
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    OutputStream interleaving = new OutputStream() {
      @Override
      public void write(int b) {
        step();
        written.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        step();
        written.write(b, off, len);
      }

      private void step() {
        if (pending.hasNext()) {
          apply(s, pending.next());
        }
      }
    };
    DataOutputStream out = new DataOutputStream(interleaving);
    for (InMemoryStreamStore.FrozenTopic v : views) {
      QueueWireCodec.writeTopicSnapshot(out, v, 2);
    }
    out.flush();
    pending.forEachRemaining(op -> apply(s, op));

    assertArrayEquals(expected, written.toByteArray(), "the frozen streams differ from the copy");
    List<InMemoryStreamStore.FrozenTopic> next = s.freeze();
    assertNotNull(next, "written views must end themselves");
    next.forEach(InMemoryStreamStore.FrozenTopic::close);
  }

  @Test
  void aStreamWrittenOnAnotherThreadWhileItIsPublishedAndTrimmedHoldsTheFreeze()
      throws Exception {
    InMemoryStreamStore s = new InMemoryStreamStore(now::get);
    for (int i = 0; i < 200; i++) {
      List<StreamRecord> batch = new ArrayList<>();
      for (int j = 0; j < 100; j++) {
        batch.add(StreamRecord.of(new byte[] {(byte) i, (byte) j}));
      }
      await(s.append("a", batch));
    }
    for (int round = 0; round < 10; round++) {
      byte[] expected = copies(s, List.of("a"));
      List<InMemoryStreamStore.FrozenTopic> views = s.freeze();
      CompletableFuture<byte[]> view = CompletableFuture.supplyAsync(() -> {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buf)) {
          QueueWireCodec.writeTopicSnapshot(out, views.get(0), 2);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
      });
      int k = 0;
      while (!view.isDone()) {
        now.incrementAndGet();
        await(s.append("a", List.of(StreamRecord.of(new byte[] {(byte) k++}))));
        List<StreamEntry> head = await(s.range("a", StreamId.MIN, 3));
        await(s.delete("a", List.of(head.get(k % head.size()).id())));
      }
      assertArrayEquals(expected, view.get(30, TimeUnit.SECONDS), "round " + round);
    }
  }

  @Test
  void oneFreezeAtATimeAndAViewIsWrittenOnce() throws IOException {
    InMemoryStreamStore s = new InMemoryStreamStore(now::get);
    await(s.append("a", List.of(StreamRecord.of(new byte[] {1}))));
    List<InMemoryStreamStore.FrozenTopic> first = s.freeze();
    assertNull(s.freeze(), "a second freeze while the first is open");
    first.forEach(InMemoryStreamStore.FrozenTopic::close);
    List<InMemoryStreamStore.FrozenTopic> second = s.freeze();
    DataOutputStream sink = new DataOutputStream(OutputStream.nullOutputStream());
    QueueWireCodec.writeTopicSnapshot(sink, second.get(0), 2);
    assertThrows(IllegalStateException.class,
        () -> QueueWireCodec.writeTopicSnapshot(sink, second.get(0), 2));
  }
}
