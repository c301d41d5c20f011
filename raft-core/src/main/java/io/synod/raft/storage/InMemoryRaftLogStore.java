package io.synod.raft.storage;

import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.spi.RaftLogStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link RaftLogStore} in memory: for tests, simulations and embedded single-process use.
 * {@link #sync()} does nothing (nothing survives the process). Not thread-safe: the contract
 * allows one caller thread.
 *
 * @since 1.0
 */
public final class InMemoryRaftLogStore implements RaftLogStore {

  private HardState hardState = HardState.EMPTY;
  private final ArrayList<LogEntry> entries = new ArrayList<>();
  /** Index of the entry at list position 0, i.e. snapshotIndex + 1. */
  private long offset = 1;
  private long snapshotTerm;

  /** An empty store. */
  public InMemoryRaftLogStore() {}

  @Override
  public HardState hardState() {
    return hardState;
  }

  @Override
  public void setHardState(HardState state) {
    hardState = Objects.requireNonNull(state, "state");
  }

  @Override
  public long firstIndex() {
    return offset;
  }

  @Override
  public long lastIndex() {
    return offset + entries.size() - 1;
  }

  @Override
  public long snapshotTerm() {
    return snapshotTerm;
  }

  @Override
  public long term(long index) {
    if (index == offset - 1) {
      return snapshotTerm;
    }
    if (index < offset || index > lastIndex()) {
      throw new IndexOutOfBoundsException("index " + index + " outside [" + (offset - 1) + ", "
          + lastIndex() + "]");
    }
    return entries.get((int) (index - offset)).term();
  }

  @Override
  public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
    if (fromIndex < offset || toIndex > lastIndex() + 1 || fromIndex > toIndex) {
      throw new IndexOutOfBoundsException("range [" + fromIndex + ", " + toIndex + ") outside ["
          + offset + ", " + (lastIndex() + 1) + "]");
    }
    List<LogEntry> out = new ArrayList<>((int) Math.min(toIndex - fromIndex, 1024));
    long bytes = 0;
    for (long i = fromIndex; i < toIndex; i++) {
      LogEntry e = entries.get((int) (i - offset));
      bytes += e.sizeBytes();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public void append(List<LogEntry> newEntries) {
    if (newEntries.isEmpty()) {
      return;
    }
    long first = newEntries.get(0).index();
    if (first < offset || first > lastIndex() + 1) {
      throw new IndexOutOfBoundsException("append at " + first + " outside [" + offset + ", "
          + (lastIndex() + 1) + "]");
    }
    int keep = (int) (first - offset);
    if (keep < entries.size()) {
      entries.subList(keep, entries.size()).clear();
    }
    long expect = first;
    for (LogEntry e : newEntries) {
      if (e.index() != expect++) {
        throw new IllegalArgumentException("entries not contiguous at " + e.index());
      }
      entries.add(e);
    }
  }

  @Override
  public void sync() {
    // nothing to do: memory is all there is
  }

  @Override
  public void compact(long index, long term) {
    if (index < offset) {
      return;
    }
    if (index > lastIndex()) {
      entries.clear();
    } else {
      entries.subList(0, (int) (index - offset + 1)).clear();
    }
    offset = index + 1;
    snapshotTerm = term;
  }

  @Override
  public void close() {
    // nothing to release
  }
}
