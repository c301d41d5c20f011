package io.synod.raft.snapshot;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A sorted table of a state machine's rows that can be frozen in constant time and written out
 * on another thread while the apply thread goes on changing it: the point-in-time view a snapshot
 * needs without stopping the Raft thread for a pass over the whole state (etcd gets the same from
 * bbolt's read transactions, Ratis state machines from RocksDB checkpoints).
 *
 * <p>How: {@link #freeze()} only notes an epoch and the row count. From then until the view is
 * written, the first change of a row that existed at the freeze saves its encoded pre-image
 * ({@link #touch}, called by the owner before it changes a row; {@link #remove} does it itself),
 * and a row added after the freeze is marked as absent from the view. The writer walks the live
 * rows in key order and, per row and under that row's monitor, either encodes the row as it still
 * is or takes its pre-image; removed rows come from their pre-images in the same key order. So the
 * bytes equal what {@link #writeNow} would have written at the freeze, the cost on the apply
 * thread is one encoding per row changed while a view is being written, and nothing else waits.
 *
 * <p>Threads: every method but {@link Frozen#writeTo} belongs to the one apply thread. At most one
 * view is open at a time; {@link #freeze()} answers {@code null} while one is.
 *
 * @param <K> the key; its natural order is the order rows are written in
 * @param <V> the row
 * @since 1.0
 */
public final class SnapshotTable<K extends Comparable<K>, V extends SnapshotTable.Row> {

  /**
   * A row's bookkeeping: the epoch of the last view it was settled for (written, saved as a
   * pre-image, or added after the freeze). A row's subclass holds the row's data.
   */
  public abstract static class Row {
    int epoch;
  }

  /** Writes one row; the same encoding for a live row and for a pre-image. */
  @FunctionalInterface
  public interface Encoder<V> {
    /**
     * Writes {@code row}.
     *
     * @param out the stream
     * @param row the row
     * @throws IOException from the stream
     */
    void write(DataOutputStream out, V row) throws IOException;
  }

  private static final byte[] ABSENT = new byte[0];

  private final ConcurrentSkipListMap<K, V> rows = new ConcurrentSkipListMap<>();
  private final Encoder<V> encoder;
  private int size;
  private int epoch;
  private volatile View<K, V> open;

  /**
   * Creates an empty table.
   *
   * @param encoder how a row is written
   */
  public SnapshotTable(Encoder<V> encoder) {
    this.encoder = encoder;
  }

  /**
   * The row under {@code key}.
   *
   * @param key the key
   * @return the row, or {@code null}
   */
  public V get(K key) {
    return rows.get(key);
  }

  /** @return the number of rows, in constant time */
  public int size() {
    return size;
  }

  /** @return whether the table has no row */
  public boolean isEmpty() {
    return size == 0;
  }

  /** @return the rows in key order, read-only (the apply thread's view, never a frozen one) */
  public Collection<V> values() {
    return Collections.unmodifiableCollection(rows.values());
  }

  /**
   * The rows after a key, in key order, read-only: a page of the table walks it in
   * O(log n + page), never touching the rows before {@code after}.
   *
   * @param after the key to start after (exclusive), or {@code null} for every row
   * @return a live view (the apply thread's, never a frozen one)
   */
  public Collection<V> valuesAfter(K after) {
    return Collections.unmodifiableCollection(
        after == null ? rows.values() : rows.tailMap(after, false).values());
  }

  /** @return the keys in order, read-only */
  public NavigableSet<K> keySet() {
    return Collections.unmodifiableNavigableSet(rows.keySet());
  }

  /**
   * Adds a row under a key that has none.
   *
   * @param key the key
   * @param row the new row
   * @throws IllegalStateException if the key has a row
   */
  public void add(K key, V row) {
    View<K, V> v = open;
    if (v != null) {
      row.epoch = v.epoch;
      v.images.putIfAbsent(key, ABSENT);
    }
    if (rows.putIfAbsent(key, row) != null) {
      throw new IllegalStateException("a row exists under " + key);
    }
    size++;
  }

  /**
   * Announces a change of {@code row}'s data: call it before every change while the row is in
   * the table. Costs one volatile read unless a view is being written.
   *
   * @param key the row's key
   * @param row the row about to change
   */
  public void touch(K key, V row) {
    View<K, V> v = open;
    if (v != null && row.epoch != v.epoch) {
      synchronized (row) {
        if (row.epoch != v.epoch) {
          v.images.putIfAbsent(key, encode(row));
          row.epoch = v.epoch;
        }
      }
    }
  }

  /**
   * Removes the row under {@code key}, if any.
   *
   * @param key the key
   * @return the removed row, or {@code null}
   */
  public V remove(K key) {
    V row = rows.get(key);
    if (row == null) {
      return null;
    }
    touch(key, row);
    rows.remove(key);
    size--;
    return row;
  }

  /**
   * Writes the row count and every row in key order, now, on this thread.
   *
   * @param out the stream
   * @throws IOException from the stream
   */
  public void writeNow(DataOutputStream out) throws IOException {
    out.writeInt(size);
    for (V row : rows.values()) {
      encoder.write(out, row);
    }
  }

  /**
   * Freezes the table as it is now, in constant time.
   *
   * @return the view, to be written exactly once on any thread; {@code null} while an earlier
   *     view is still open
   */
  public Frozen freeze() {
    if (open != null) {
      return null;
    }
    View<K, V> v = new View<>(this, ++epoch, size);
    open = v;
    return v;
  }

  private byte[] encode(V row) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      encoder.write(out, row);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  /**
   * A frozen table: writes it as it was at {@link #freeze()}, in the format of writeNow. Until it
   * is written or closed, changes of rows keep pre-images: a view that is taken must end.
   */
  public interface Frozen extends AutoCloseable {
    /**
     * Writes the frozen rows and closes the view; call once, on any thread.
     *
     * @param out the stream
     * @throws IOException from the stream, or if the view lost a row (a bug: it is then not
     *     a snapshot and must not be saved)
     */
    void writeTo(DataOutputStream out) throws IOException;

    /** Ends the view without writing it (a no-op once written); any thread. */
    @Override
    void close();
  }

  private static final class View<K extends Comparable<K>, V extends Row> implements Frozen {
    private final SnapshotTable<K, V> table;
    private final ConcurrentSkipListMap<K, V> rows;
    private final int epoch;
    private final int size;
    private final ConcurrentSkipListMap<K, byte[]> images = new ConcurrentSkipListMap<>();
    private boolean written;

    View(SnapshotTable<K, V> table, int epoch, int size) {
      this.table = table;
      this.rows = table.rows;
      this.epoch = epoch;
      this.size = size;
    }

    @Override
    public synchronized void writeTo(DataOutputStream out) throws IOException {
      if (written) {
        throw new IllegalStateException("a frozen table is written once");
      }
      written = true;
      try {
        out.writeInt(size);
        int count = 0;
        K prev = null;
        // one buffer for every live row: encoded under the row's monitor, copied out after it,
        // so a slow stream never holds up the apply thread's touch of that row
        ByteArrayOutputStream scratch = new ByteArrayOutputStream(256);
        DataOutputStream scratchOut = new DataOutputStream(scratch);
        for (Map.Entry<K, V> e : rows.entrySet()) {
          K key = e.getKey();
          // rows removed since the freeze that sort before this one: only their images are left
          count += images(prev, key, out);
          boolean live = false;
          V row = e.getValue();
          synchronized (row) {
            if (row.epoch != epoch) {
              scratch.reset();
              table.encoder.write(scratchOut, row);
              row.epoch = epoch;
              live = true;
            }
          }
          if (live) {
            scratch.writeTo(out);
            count++;
          } else {
            // changed (or removed and added again) since the freeze, or added after it
            byte[] image = images.get(key);
            if (image != null && image != ABSENT) {
              out.write(image);
              count++;
            }
          }
          prev = key;
        }
        count += images(prev, null, out);
        if (count != size) {
          throw new IOException("frozen table wrote " + count + " rows of " + size);
        }
      } finally {
        end();
      }
    }

    @Override
    public synchronized void close() {
      written = true;
      end();
    }

    private void end() {
      if (table.open == this) {
        table.open = null;
      }
      images.clear();
    }

    /** Writes the pre-images with keys strictly between {@code from} and {@code to} (null: open). */
    private int images(K from, K to, DataOutputStream out) throws IOException {
      Map<K, byte[]> range;
      if (from == null && to == null) {
        range = images;
      } else if (from == null) {
        range = images.headMap(to, false);
      } else if (to == null) {
        range = images.tailMap(from, false);
      } else {
        range = images.subMap(from, false, to, false);
      }
      int n = 0;
      for (byte[] image : range.values()) {
        if (image != ABSENT) {
          out.write(image);
          n++;
        }
      }
      return n;
    }
  }
}
