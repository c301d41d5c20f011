package io.synod.raft;

import io.synod.raft.log.LogEntry;
import io.synod.raft.spi.RaftLogStore;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's view of its log: what the store holds (stable) plus entries appended since the last
 * {@link Ready} was processed (unstable), plus a received snapshot not yet installed. Read-only
 * towards the store: only the {@link ReadyProcessor} writes it.
 */
final class RaftLog {

  private final RaftLogStore store;
  /** Entries not yet persisted, contiguous from {@link #unstableOffset}. */
  private final ArrayList<LogEntry> unstable = new ArrayList<>();
  private long unstableOffset;
  /** A snapshot received but not yet installed into the store: index and term, or 0. */
  private long pendingSnapshotIndex;
  private long pendingSnapshotTerm;

  RaftLog(RaftLogStore store) {
    this.store = store;
    this.unstableOffset = store.lastIndex() + 1;
  }

  long snapshotIndex() {
    return pendingSnapshotIndex > 0 ? pendingSnapshotIndex : store.snapshotIndex();
  }

  long firstIndex() {
    return snapshotIndex() + 1;
  }

  long lastIndex() {
    if (!unstable.isEmpty()) {
      return unstableOffset + unstable.size() - 1;
    }
    return pendingSnapshotIndex > 0 ? pendingSnapshotIndex : store.lastIndex();
  }

  long lastTerm() {
    return term(lastIndex());
  }

  /** The term at {@code index}, or -1 when {@code index} is outside [snapshotIndex, lastIndex]. */
  long termOrMinus(long index) {
    if (index < snapshotIndex() || index > lastIndex()) {
      return -1;
    }
    return term(index);
  }

  long term(long index) {
    if (index >= unstableOffset && index < unstableOffset + unstable.size()) {
      return unstable.get((int) (index - unstableOffset)).term();
    }
    if (pendingSnapshotIndex > 0) {
      Invariants.check(index == pendingSnapshotIndex, "term below a pending snapshot: " + index);
      return pendingSnapshotTerm;
    }
    if (index == 0) {
      return 0;
    }
    if (index == store.snapshotIndex()) {
      return store.snapshotTerm();
    }
    return store.term(index);
  }

  boolean matchTerm(long index, long term) {
    return termOrMinus(index) == term;
  }

  /** Whether a log ending at (lastIndex, lastTerm) is at least as up to date as this one. */
  boolean isUpToDate(long lastIndex, long lastTerm) {
    long myTerm = lastTerm();
    return lastTerm > myTerm || (lastTerm == myTerm && lastIndex >= lastIndex());
  }

  /** Entries in [from, to), at most maxBytes (at least one). */
  List<LogEntry> entries(long from, long to, long maxBytes) {
    Invariants.check(from >= firstIndex() && to <= lastIndex() + 1, "entries out of range");
    if (from >= to) {
      return List.of();
    }
    List<LogEntry> out = new ArrayList<>((int) Math.min(to - from, 256));
    long bytes = 0;
    if (from < unstableOffset) {
      long storeTo = Math.min(to, unstableOffset);
      List<LogEntry> stable = store.entries(from, storeTo, maxBytes);
      for (LogEntry e : stable) {
        bytes += e.sizeBytes();
        out.add(e);
      }
      if (out.size() < storeTo - from || bytes >= maxBytes) {
        return out;
      }
    }
    long i = Math.max(from, unstableOffset);
    while (i < to) {
      LogEntry e = unstable.get((int) (i - unstableOffset));
      if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
        break;
      }
      bytes += e.sizeBytes();
      out.add(e);
      i++;
    }
    return out;
  }

  LogEntry entry(long index) {
    return entries(index, index + 1, Long.MAX_VALUE).get(0);
  }

  /** Appends entries contiguous from some index in [firstIndex, lastIndex + 1], truncating. */
  void append(List<LogEntry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long first = entries.get(0).index();
    Invariants.check(first >= firstIndex() && first <= lastIndex() + 1,
        "append at " + first + " outside [" + firstIndex() + ", " + (lastIndex() + 1) + "]");
    if (first >= unstableOffset + unstable.size() && !unstable.isEmpty()) {
      unstable.addAll(entries);
    } else if (first >= unstableOffset) {
      truncateUnstable(first);
      unstable.addAll(entries);
    } else {
      unstable.clear();
      unstableOffset = first;
      unstable.addAll(entries);
    }
  }

  private void truncateUnstable(long from) {
    int keep = (int) (from - unstableOffset);
    while (unstable.size() > keep) {
      unstable.remove(unstable.size() - 1);
    }
  }

  boolean hasUnstable() {
    return !unstable.isEmpty();
  }

  /** The unstable entries, for a Ready. */
  List<LogEntry> unstableEntries() {
    return unstable.isEmpty() ? List.of() : List.copyOf(unstable);
  }

  /** The persisted entries up to {@code index} (of {@code term}) are stable now. */
  void stableTo(long index, long term) {
    if (index < unstableOffset || index >= unstableOffset + unstable.size()) {
      return;
    }
    if (unstable.get((int) (index - unstableOffset)).term() != term) {
      return;
    }
    int n = (int) (index - unstableOffset + 1);
    unstable.subList(0, n).clear();
    unstableOffset = index + 1;
  }

  /** The index up to which entries are persisted (for a leader's own match index). */
  long stableLastIndex() {
    return unstableOffset - 1;
  }

  /** A received snapshot replaces the whole log up to {@code index}. */
  void restoreSnapshot(long index, long term) {
    unstable.clear();
    unstableOffset = index + 1;
    pendingSnapshotIndex = index;
    pendingSnapshotTerm = term;
  }

  boolean hasPendingSnapshot() {
    return pendingSnapshotIndex > 0;
  }

  /** The store now holds the snapshot. */
  void snapshotInstalled(long index) {
    if (pendingSnapshotIndex == index) {
      pendingSnapshotIndex = 0;
      pendingSnapshotTerm = 0;
    }
  }
}
