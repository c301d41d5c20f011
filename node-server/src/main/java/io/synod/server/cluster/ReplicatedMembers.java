package io.synod.server.cluster;

import io.synod.raft.spi.StateMachine;
import io.synod.queue.ring.Membership;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which members are down, as a replicated table in the Raft log of the lock group, and the
 * {@link Membership} of the queue ring that follows it: the Raft leader turns a member's
 * heartbeat silence into a committed "down" entry (and its return into "up"), and every node
 * applies those entries at the same log index, so every node switches to the same ring, whose
 * epoch is that log index.
 *
 * <p>It is the state machine given to the Raft server: membership entries (first byte {@link
 * #FORMAT}) are applied here; every other entry goes to the wrapped lock state machine unchanged.
 * Snapshots hold both. {@link #apply} runs on the Raft thread and must not block: listeners are
 * told on the given executor, in order.
 */
public final class ReplicatedMembers implements StateMachine, Membership {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedMembers.class);
  /** First byte of a membership entry; lock entries start with their own format byte (1). */
  public static final byte FORMAT = 'M';
  private static final byte DOWN = 'D';
  private static final byte UP = 'U';
  private static final int SNAPSHOT_MAGIC = 0x534d4231; // "SMB1"

  private final StateMachine locks;
  private final SortedSet<String> all;
  private final Executor notifier;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final TreeSet<String> down = new TreeSet<>();
  private volatile SortedSet<String> up;
  private volatile long version;

  /**
   * Creates the table with every member up at version 0.
   *
   * @param locks the lock state machine that gets every other entry
   * @param members every member (the Raft voters)
   * @param notifier runs listener calls, one at a time, in order
   */
  public ReplicatedMembers(StateMachine locks, Collection<String> members, Executor notifier) {
    this.locks = locks;
    this.all = Collections.unmodifiableSortedSet(new TreeSet<>(members));
    this.notifier = notifier;
    this.up = all;
  }

  /**
   * Encodes a "node is down" entry.
   *
   * @param node the member
   * @return the bytes to propose
   */
  public static byte[] down(String node) {
    return entry(DOWN, node);
  }

  /**
   * Encodes a "node is up again" entry.
   *
   * @param node the member
   * @return the bytes to propose
   */
  public static byte[] up(String node) {
    return entry(UP, node);
  }

  private static byte[] entry(byte op, String node) {
    byte[] name = node.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[2 + name.length];
    out[0] = FORMAT;
    out[1] = op;
    System.arraycopy(name, 0, out, 2, name.length);
    return out;
  }

  @Override
  public Object apply(long index, byte[] command) {
    if (command.length < 2 || command[0] != FORMAT) {
      return locks.apply(index, command);
    }
    String node = new String(command, 2, command.length - 2, StandardCharsets.UTF_8);
    boolean changed;
    synchronized (this) {
      if (!all.contains(node)) {
        return Boolean.FALSE;
      }
      changed = command[1] == DOWN ? down.add(node) : command[1] == UP && down.remove(node);
      if (changed) {
        TreeSet<String> next = new TreeSet<>(all);
        next.removeAll(down);
        up = Collections.unmodifiableSortedSet(next);
        version = index;
      }
    }
    if (changed) {
      LOG.info("member {} is {} as of log index {}", node, command[1] == DOWN ? "down" : "up",
          index);
      publish();
    }
    return changed;
  }

  private void publish() {
    SortedSet<String> members = up;
    long v = version;
    notifier.execute(() -> {
      for (Listener l : listeners) {
        l.membersChanged(members, v);
      }
    });
  }

  /** @return the members the log says are down */
  public synchronized SortedSet<String> downMembers() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(down));
  }

  @Override
  public SortedSet<String> members() {
    return up;
  }

  @Override
  public long version() {
    return version;
  }

  @Override
  public AutoCloseable subscribe(Listener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public SnapshotWriter snapshot() {
    List<String> frozen;
    long v;
    synchronized (this) {
      frozen = new ArrayList<>(down);
      v = version;
    }
    SnapshotWriter lockSnapshot = locks.snapshot();
    return out -> {
      DataOutputStream d = new DataOutputStream(out);
      d.writeInt(SNAPSHOT_MAGIC);
      d.writeLong(v);
      d.writeInt(frozen.size());
      for (String n : frozen) {
        d.writeUTF(n);
      }
      d.flush();
      lockSnapshot.writeTo(out);
    };
  }

  @Override
  public void restore(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    if (d.readInt() != SNAPSHOT_MAGIC) {
      throw new IOException("not a Synod node snapshot");
    }
    long v = d.readLong();
    int n = d.readInt();
    if (n < 0 || n > all.size() + 1024) {
      throw new IOException("bad member count " + n);
    }
    TreeSet<String> restored = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      restored.add(d.readUTF());
    }
    locks.restore(d);
    synchronized (this) {
      down.clear();
      down.addAll(restored);
      TreeSet<String> next = new TreeSet<>(all);
      next.removeAll(down);
      up = Collections.unmodifiableSortedSet(next);
      version = v;
    }
    publish();
  }
}
