package io.synod.raft.sim;

import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.spi.RaftLogStore;
import io.synod.raft.storage.InMemoryRaftLogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A {@link RaftLogStore} with real disk semantics for the simulator: writes go to a live view at
 * once but become durable only at {@link #sync()}. A {@link #crash(RandomGenerator)} keeps the
 * durable state plus a random prefix of the writes since the last sync (a crash may lose any
 * suffix of unsynced writes, never a synced one, never leave a hole). A sync can also be made to
 * fail as a crash ({@link #crashOnNextSync()}): the writes before it are then not durable.
 *
 * @since 1.0
 */
public final class SimLogStore implements RaftLogStore {

  /** Thrown by {@link #sync()} when the simulator crashes the node in the middle of it. */
  public static final class SimulatedCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SimulatedCrash() {
      super("simulated crash during sync", null, false, false);
    }
  }

  private sealed interface Op permits AppendOp, HardStateOp, CompactOp {}

  private record AppendOp(List<LogEntry> entries) implements Op {}

  private record HardStateOp(HardState state) implements Op {}

  private record CompactOp(long index, long term) implements Op {}

  private InMemoryRaftLogStore live = new InMemoryRaftLogStore();
  private final InMemoryRaftLogStore durable = new InMemoryRaftLogStore();
  private final ArrayList<Op> pending = new ArrayList<>();
  private boolean crashOnNextSync;
  private Consumer<List<LogEntry>> appendListener = e -> { };
  private long syncs;

  /** An empty store. */
  public SimLogStore() {}

  /** Observes every append (the simulator's Log Matching check). */
  public void onAppend(Consumer<List<LogEntry>> listener) {
    appendListener = listener;
  }

  /** The next {@link #sync()} throws {@link SimulatedCrash} without making anything durable. */
  public void crashOnNextSync() {
    crashOnNextSync = true;
  }

  /** Cancels a {@link #crashOnNextSync()} not yet triggered. */
  public void cancelCrashOnNextSync() {
    crashOnNextSync = false;
  }

  /**
   * Whether the durable state (what a crash now would keep for sure) holds entry {@code index}
   * of {@code term}, or a snapshot covering it: the committed-entry durability check.
   */
  public boolean durablyHolds(long index, long term) {
    if (index <= durable.snapshotIndex()) {
      return true;
    }
    return index <= durable.lastIndex() && durable.term(index) == term;
  }

  /** How many syncs completed. */
  public long syncCount() {
    return syncs;
  }

  /**
   * Simulates a power loss: the live view becomes the durable state plus a random prefix of the
   * unsynced writes.
   */
  public void crash(RandomGenerator random) {
    int keep = pending.isEmpty() ? 0 : random.nextInt(pending.size() + 1);
    for (int i = 0; i < keep; i++) {
      applyTo(durable, pending.get(i));
    }
    pending.clear();
    crashOnNextSync = false;
    live = copy(durable);
  }

  private static InMemoryRaftLogStore copy(InMemoryRaftLogStore from) {
    InMemoryRaftLogStore to = new InMemoryRaftLogStore();
    if (from.snapshotIndex() > 0) {
      to.compact(from.snapshotIndex(), from.snapshotTerm());
    }
    if (from.lastIndex() >= from.firstIndex()) {
      to.append(from.entries(from.firstIndex(), from.lastIndex() + 1, Long.MAX_VALUE));
    }
    to.setHardState(from.hardState());
    return to;
  }

  private static void applyTo(InMemoryRaftLogStore s, Op op) {
    if (op instanceof AppendOp a) {
      s.append(a.entries());
    } else if (op instanceof HardStateOp h) {
      s.setHardState(h.state());
    } else if (op instanceof CompactOp c) {
      s.compact(c.index(), c.term());
    }
  }

  @Override
  public HardState hardState() {
    return live.hardState();
  }

  @Override
  public void setHardState(HardState state) {
    live.setHardState(state);
    pending.add(new HardStateOp(state));
  }

  @Override
  public long firstIndex() {
    return live.firstIndex();
  }

  @Override
  public long lastIndex() {
    return live.lastIndex();
  }

  @Override
  public long snapshotTerm() {
    return live.snapshotTerm();
  }

  @Override
  public long term(long index) {
    return live.term(index);
  }

  @Override
  public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
    return live.entries(fromIndex, toIndex, maxBytes);
  }

  @Override
  public void append(List<LogEntry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    List<LogEntry> copy = List.copyOf(entries);
    live.append(copy);
    pending.add(new AppendOp(copy));
    appendListener.accept(copy);
  }

  @Override
  public void sync() {
    if (crashOnNextSync) {
      crashOnNextSync = false;
      throw new SimulatedCrash();
    }
    for (Op op : pending) {
      applyTo(durable, op);
    }
    pending.clear();
    syncs++;
  }

  @Override
  public void compact(long index, long term) {
    live.compact(index, term);
    pending.add(new CompactOp(index, term));
  }

  /**
   * Records the two writes of the default (so a crash may keep only the first, as a file store
   * may), without reporting the placeholder entry to the append listener: it is no entry of any
   * leader's log and is compacted away before anything could read it.
   */
  @Override
  public void installSnapshot(long index, long term) {
    if (index <= live.lastIndex() && index > live.snapshotIndex() && live.term(index) != term) {
      List<LogEntry> placeholder = List.of(LogEntry.noop(term, index));
      live.append(placeholder);
      pending.add(new AppendOp(placeholder));
    }
    live.installSnapshot(index, term);
    pending.add(new CompactOp(index, term));
  }

  @Override
  public void close() {
    // nothing to release
  }
}
