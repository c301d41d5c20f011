package io.synod.server.cache;

import io.synod.raft.snapshot.SnapshotTable;
import io.synod.raft.spi.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The cache's main memory of one Raft group (embedded storage): address to value, applied from
 * committed put commands in log order. Called on the group's Raft thread only.
 *
 * <p>Each put carries its writer (the home's node id and incarnation) and the writer's sequence
 * number, which grows with every attempt. A put older than the one applied last for the address
 * by the same writer is stale (a forwarded attempt that arrived after its own retry, or after a
 * later put) and is dropped, so a late duplicate never turns an address back; the result says so
 * ({@link #STALE}), and the writer then knows a newer attempt of its own is in the log.
 */
public final class CacheMemoryMachine implements StateMachine {
  /** Result of a put that was applied. */
  public static final String APPLIED = "applied";
  /** Result of a put dropped as older than one already applied by the same writer. */
  public static final String STALE = "stale";

  private static final byte PUT = 1;
  private static final int SNAPSHOT_FORMAT = 1;

  /** One address's value and the put that wrote it; changed in place (after a touch). */
  private static final class Stored extends SnapshotTable.Row {
    final String address;
    byte[] value;
    String writer;
    long incarnation;
    long seq;

    Stored(String address, byte[] value, String writer, long incarnation, long seq) {
      this.address = address;
      set(value, writer, incarnation, seq);
    }

    void set(byte[] value, String writer, long incarnation, long seq) {
      this.value = value;
      this.writer = writer;
      this.incarnation = incarnation;
      this.seq = seq;
    }
  }

  // Freezes in constant time, so a snapshot is encoded off the Raft thread; replaced on restore.
  private SnapshotTable<String, Stored> values = newTable();

  /**
   * Encodes a put.
   *
   * @param writer the home's node id
   * @param incarnation the home's incarnation
   * @param seq the writer's sequence number of this attempt (strictly increasing per writer)
   * @param address the address
   * @param value the value's bytes
   * @return the command
   */
  public static byte[] put(String writer, long incarnation, long seq, String address,
      byte[] value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length + address.length() + 32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(PUT);
      out.writeUTF(writer);
      out.writeLong(incarnation);
      out.writeLong(seq);
      out.writeUTF(address);
      out.writeInt(value.length);
      out.write(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * The value of an address (read it on the Raft thread, e.g. inside a linearizable read).
   *
   * @param address the address
   * @return its bytes, or null when never written
   */
  public byte[] get(String address) {
    Stored s = values.get(address);
    return s == null ? null : s.value;
  }

  /** @return how many addresses hold a value */
  public int size() {
    return values.size();
  }

  @Override
  public Object apply(long index, byte[] command) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(command))) {
      byte op = in.readByte();
      if (op != PUT) {
        return "unknown command " + op; // a rejection is a result (StateMachine contract)
      }
      String writer = in.readUTF();
      long incarnation = in.readLong();
      long seq = in.readLong();
      String address = in.readUTF();
      byte[] value = new byte[in.readInt()];
      in.readFully(value);
      Stored before = values.get(address);
      if (before != null && before.writer.equals(writer)
          && (incarnation < before.incarnation
              || (incarnation == before.incarnation && seq < before.seq))) {
        return STALE;
      }
      if (before == null) {
        values.add(address, new Stored(address, value, writer, incarnation, seq));
      } else {
        values.touch(address, before);
        before.set(value, writer, incarnation, seq);
      }
      return APPLIED;
    } catch (IOException e) {
      return "malformed command: " + e;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Constant time on the Raft thread: the table is frozen and encoded by the writer's thread,
   * in address order.
   */
  @Override
  public SnapshotWriter snapshot() {
    SnapshotTable.Frozen frozen = values.freeze();
    if (frozen == null) {
      // an earlier writer is still open (never under RaftServer): encode now, here
      ByteArrayOutputStream now = new ByteArrayOutputStream();
      try (DataOutputStream d = new DataOutputStream(now)) {
        d.writeInt(SNAPSHOT_FORMAT);
        values.writeNow(d);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      byte[] bytes = now.toByteArray();
      return out -> out.write(bytes);
    }
    return out -> {
      try (frozen) {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(SNAPSHOT_FORMAT);
        frozen.writeTo(d);
        d.flush();
      }
    };
  }

  private static SnapshotTable<String, Stored> newTable() {
    return new SnapshotTable<>((d, s) -> {
      d.writeUTF(s.address);
      d.writeUTF(s.writer);
      d.writeLong(s.incarnation);
      d.writeLong(s.seq);
      d.writeInt(s.value.length);
      d.write(s.value);
    });
  }

  @Override
  public void restore(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    int format = d.readInt();
    if (format != SNAPSHOT_FORMAT) {
      throw new IOException("not a cache memory snapshot (format " + format + ")");
    }
    int n = d.readInt();
    if (n < 0) {
      throw new IOException("negative count in cache memory snapshot");
    }
    SnapshotTable<String, Stored> restored = newTable();
    for (int i = 0; i < n; i++) {
      String address = d.readUTF();
      String writer = d.readUTF();
      long incarnation = d.readLong();
      long seq = d.readLong();
      byte[] value = new byte[d.readInt()];
      d.readFully(value);
      if (restored.get(address) != null) {
        throw new IOException("address " + address + " twice in cache memory snapshot");
      }
      restored.add(address, new Stored(address, value, writer, incarnation, seq));
    }
    values = restored;
  }
}
