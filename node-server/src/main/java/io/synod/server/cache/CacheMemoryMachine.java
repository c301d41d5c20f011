package io.synod.server.cache;

import io.synod.raft.spi.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

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

  private record Stored(byte[] value, String writer, long incarnation, long seq) {}

  private final HashMap<String, Stored> values = new HashMap<>();

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
    return s == null ? null : s.value();
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
      if (before != null && before.writer().equals(writer)
          && (incarnation < before.incarnation()
              || (incarnation == before.incarnation() && seq < before.seq()))) {
        return STALE;
      }
      values.put(address, new Stored(value, writer, incarnation, seq));
      return APPLIED;
    } catch (IOException e) {
      return "malformed command: " + e;
    }
  }

  @Override
  public SnapshotWriter snapshot() {
    // a frozen copy: the records and their byte arrays are never changed after a put
    Map<String, Stored> frozen = new HashMap<>(values);
    return out -> {
      DataOutputStream d = new DataOutputStream(out);
      d.writeInt(SNAPSHOT_FORMAT);
      d.writeInt(frozen.size());
      for (Map.Entry<String, Stored> e : frozen.entrySet()) {
        Stored s = e.getValue();
        d.writeUTF(e.getKey());
        d.writeUTF(s.writer());
        d.writeLong(s.incarnation());
        d.writeLong(s.seq());
        d.writeInt(s.value().length);
        d.write(s.value());
      }
      d.flush();
    };
  }

  @Override
  public void restore(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    int format = d.readInt();
    if (format != SNAPSHOT_FORMAT) {
      throw new IOException("not a cache memory snapshot (format " + format + ")");
    }
    int n = d.readInt();
    HashMap<String, Stored> restored = new HashMap<>(Math.max(16, n * 2));
    for (int i = 0; i < n; i++) {
      String address = d.readUTF();
      String writer = d.readUTF();
      long incarnation = d.readLong();
      long seq = d.readLong();
      byte[] value = new byte[d.readInt()];
      d.readFully(value);
      restored.put(address, new Stored(value, writer, incarnation, seq));
    }
    values.clear();
    values.putAll(restored);
  }
}
