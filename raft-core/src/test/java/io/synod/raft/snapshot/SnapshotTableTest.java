package io.synod.raft.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * A frozen {@link SnapshotTable} writes exactly the bytes the table had at the freeze, whatever
 * the apply thread does while it is written: adds, changes, removals and re-adds before, at and
 * behind the writer's position.
 */
class SnapshotTableTest {

  /** A row: a key and one mutable value. */
  static final class Cell extends SnapshotTable.Row {
    final int key;
    long value;

    Cell(int key, long value) {
      this.key = key;
      this.value = value;
    }
  }

  /** One change: 0 add (if absent) or set, 1 remove, 2 set (if present); on key, to value. */
  record Op(int kind, int key, long value) {}

  static SnapshotTable<Integer, Cell> table() {
    return new SnapshotTable<>((out, c) -> {
      out.writeInt(c.key);
      out.writeLong(c.value);
    });
  }

  /** Applies {@code op} to the table and to a model, as a state machine would. */
  static void apply(SnapshotTable<Integer, Cell> t, TreeMap<Integer, Long> model, Op op) {
    Cell c = t.get(op.key());
    switch (op.kind()) {
      case 1 -> {
        t.remove(op.key());
        model.remove(op.key());
      }
      default -> {
        if (c == null && op.kind() == 0) {
          t.add(op.key(), new Cell(op.key(), op.value()));
          model.put(op.key(), op.value());
        } else if (c != null) {
          t.touch(op.key(), c);
          c.value = op.value();
          model.put(op.key(), op.value());
        }
      }
    }
  }

  static byte[] now(SnapshotTable<Integer, Cell> t) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      t.writeNow(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  static byte[] encode(Map<Integer, Long> model) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeInt(model.size());
      for (Map.Entry<Integer, Long> e : model.entrySet()) {
        out.writeInt(e.getKey());
        out.writeLong(e.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 2),
            Arbitraries.integers().between(0, 24),
            Arbitraries.longs().between(-1_000, 1_000))
        .as(Op::new)
        .list().ofMaxSize(120);
  }

  /**
   * The writer is interleaved deterministically with the changes: before each of its writes to
   * the stream, the next change is applied, so changes land before, at and behind its position.
   */
  @Property(tries = 500)
  void aFrozenViewWritesTheStateAtTheFreeze(@ForAll("ops") List<Op> before,
      @ForAll("ops") List<Op> during) throws IOException {
    SnapshotTable<Integer, Cell> t = table();
    TreeMap<Integer, Long> model = new TreeMap<>();
    before.forEach(op -> apply(t, model, op));
    byte[] expected = encode(model);
    assertArrayEquals(expected, now(t));

    SnapshotTable.Frozen frozen = t.freeze();
    assertNotNull(frozen);
    InterleavingStream written = new InterleavingStream(
        during.stream().map(op -> (Runnable) () -> apply(t, model, op)).iterator());
    frozen.writeTo(new DataOutputStream(written));
    written.finish();

    assertArrayEquals(expected, written.bytes(), "the view differs from the freeze");
    assertArrayEquals(encode(model), now(t), "the live table differs from its model");
    assertEquals(model.size(), t.size());
    assertNotNull(t.freeze(), "a written view must close itself");
  }

  /** The same with a real second thread writing while the apply thread changes every row. */
  @Test
  void aViewWrittenOnAnotherThreadWhileRowsChangeHoldsTheFreeze() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    SnapshotTable<Integer, Cell> t = table();
    TreeMap<Integer, Long> model = new TreeMap<>();
    for (int i = 0; i < 20_000; i++) {
      apply(t, model, new Op(0, i, i));
    }
    for (int round = 0; round < 20; round++) {
      byte[] expected = encode(model);
      SnapshotTable.Frozen frozen = t.freeze();
      CompletableFuture<byte[]> view = CompletableFuture.supplyAsync(() -> {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buf)) {
          frozen.writeTo(out);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
      });
      while (!view.isDone()) {
        apply(t, model, new Op(random.nextInt(3), random.nextInt(25_000), random.nextLong()));
      }
      assertArrayEquals(expected, view.get(30, TimeUnit.SECONDS), "round " + round);
      assertArrayEquals(encode(model), now(t));
    }
  }

  @Test
  void oneViewAtATimeAndEachIsWrittenOnce() throws IOException {
    SnapshotTable<Integer, Cell> t = table();
    t.add(1, new Cell(1, 10));
    SnapshotTable.Frozen first = t.freeze();
    assertNull(t.freeze(), "a second view while the first is open");
    first.close();
    SnapshotTable.Frozen second = t.freeze();
    assertNotNull(second);
    second.writeTo(new DataOutputStream(OutputStream.nullOutputStream()));
    assertThrows(IllegalStateException.class,
        () -> second.writeTo(new DataOutputStream(OutputStream.nullOutputStream())));
    assertThrows(IllegalStateException.class, () -> t.add(1, new Cell(1, 11)));
  }

  @Test
  void aRowRemovedAndAddedAgainAfterTheFreezeIsWrittenAsFrozen() {
    SnapshotTable<Integer, Cell> t = table();
    t.add(1, new Cell(1, 10));
    SnapshotTable.Frozen frozen = t.freeze();
    t.remove(1);
    t.add(1, new Cell(1, 12));
    t.add(2, new Cell(2, 20));
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    // removed, re-added and a new row: still the one row as frozen
    try (DataOutputStream out = new DataOutputStream(buf)) {
      frozen.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TreeMap<Integer, Long> atFreeze = new TreeMap<>(Map.of(1, 10L));
    assertArrayEquals(encode(atFreeze), buf.toByteArray());
  }

  /**
   * Freezing reads no row, whatever the table holds: the apply thread's cost of a snapshot is
   * the rows it changes while the view is open, each encoded once, not the table.
   */
  @Test
  void freezingEncodesNoRowAndAChangedRowIsEncodedOncePerView() throws IOException {
    int[] encoded = {0};
    SnapshotTable<Integer, Cell> t = new SnapshotTable<>((out, c) -> {
      encoded[0]++;
      out.writeInt(c.key);
      out.writeLong(c.value);
    });
    for (int i = 0; i < 10_000; i++) {
      t.add(i, new Cell(i, i));
    }
    SnapshotTable.Frozen frozen = t.freeze();
    assertEquals(0, encoded[0], "the freeze itself");
    Cell hot = t.get(42);
    for (int i = 0; i < 100; i++) {
      t.touch(42, hot);
      hot.value++;
    }
    assertEquals(1, encoded[0], "one pre-image for a row changed a hundred times");
    frozen.writeTo(new DataOutputStream(OutputStream.nullOutputStream()));
    assertEquals(10_000, encoded[0], "the writer encodes the other rows, off the apply thread");
  }
}
