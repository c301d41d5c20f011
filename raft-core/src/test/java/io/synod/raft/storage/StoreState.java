package io.synod.raft.storage;

import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.spi.RaftLogStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a {@link RaftLogStore} answers, as a value: used to compare a recovered store with
 * a model. Also a tiny model of the store and helpers that walk a segment's records.
 */
record StoreState(HardState hardState, long firstIndex, long snapshotTerm,
    List<LogEntry> entries) {

  StoreState {
    entries = List.copyOf(entries);
  }

  static StoreState of(RaftLogStore s) {
    return new StoreState(s.hardState(), s.firstIndex(), s.snapshotTerm(),
        s.entries(s.firstIndex(), s.lastIndex() + 1, Long.MAX_VALUE));
  }

  /** A plain model of the store, applied one record at a time. */
  static final class Model {
    HardState hardState = HardState.EMPTY;
    long firstIndex = 1;
    long snapshotTerm;
    final List<LogEntry> entries = new ArrayList<>();

    long lastIndex() {
      return firstIndex + entries.size() - 1;
    }

    void appendOne(LogEntry e) {
      int keep = (int) (e.index() - firstIndex);
      while (entries.size() > keep) {
        entries.remove(entries.size() - 1);
      }
      entries.add(e);
    }

    void compact(long index, long term) {
      if (index < firstIndex) {
        return;
      }
      int drop = (int) Math.min(entries.size(), index - firstIndex + 1);
      entries.subList(0, drop).clear();
      firstIndex = index + 1;
      snapshotTerm = term;
    }

    StoreState state() {
      return new StoreState(hardState, firstIndex, snapshotTerm, entries);
    }
  }

  /** Start offsets of the records of a segment file's bytes (stops at the first bad one). */
  static List<Integer> frameStarts(byte[] data) {
    List<Integer> out = new ArrayList<>();
    int pos = FileRaftLogStore.HEADER_BYTES;
    ByteBuffer b = ByteBuffer.wrap(data);
    while (pos + FileRaftLogStore.FRAME_OVERHEAD <= data.length) {
      int len = b.getInt(pos + 4);
      if (pos + FileRaftLogStore.FRAME_OVERHEAD + len > data.length) {
        break;
      }
      out.add(pos);
      pos += FileRaftLogStore.FRAME_OVERHEAD + len;
    }
    return out;
  }
}
