package io.synod.raft.sim;

import io.synod.raft.spi.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulator's key-value state machine: commands are {@code put(key, value)} with int keys
 * and long values; reads go through ReadIndex and {@link #get(int)}.
 *
 * @since 1.0
 */
public final class KvStateMachine implements StateMachine {

  private final TreeMap<Integer, Long> data = new TreeMap<>();
  private long lastApplied;

  /** An empty store. */
  public KvStateMachine() {}

  /** Encodes {@code put(key, value)}. */
  public static byte[] put(int key, long value) {
    return ByteBuffer.allocate(12).putInt(key).putLong(value).array();
  }

  /** The value of {@code key}, 0 when absent. */
  public long get(int key) {
    Long v = data.get(key);
    return v == null ? 0 : v;
  }

  /** The last index applied. */
  public long lastApplied() {
    return lastApplied;
  }

  @Override
  public Object apply(long index, byte[] command) {
    if (index <= lastApplied) {
      throw new IllegalStateException("apply out of order: " + index + " after " + lastApplied);
    }
    lastApplied = index;
    ByteBuffer b = ByteBuffer.wrap(command);
    if (command.length != 12) {
      return "malformed";
    }
    int key = b.getInt();
    long value = b.getLong();
    data.put(key, value);
    return null;
  }

  @Override
  public SnapshotWriter snapshot() {
    TreeMap<Integer, Long> frozen = new TreeMap<>(data);
    long at = lastApplied;
    return out -> {
      DataOutputStream d = new DataOutputStream(out);
      d.writeLong(at);
      d.writeInt(frozen.size());
      for (Map.Entry<Integer, Long> e : frozen.entrySet()) {
        d.writeInt(e.getKey());
        d.writeLong(e.getValue());
      }
      d.flush();
    };
  }

  @Override
  public void restore(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    long at = d.readLong();
    int n = d.readInt();
    data.clear();
    for (int i = 0; i < n; i++) {
      data.put(d.readInt(), d.readLong());
    }
    lastApplied = at;
  }
}
