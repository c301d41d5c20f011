package io.synod.raft.log;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of the replicated log. Immutable: the data array must not be changed after
 * construction (it is not copied, for speed).
 *
 * @param term the leader term in which the entry was created, at least 1
 * @param index the position in the log, at least 1
 * @param type what the entry carries
 * @param data the payload; empty for {@link EntryType#NOOP}
 * @since 1.0
 */
public record LogEntry(long term, long index, EntryType type, byte[] data) {

  private static final byte[] EMPTY = new byte[0];

  /** Checks the fields. */
  public LogEntry {
    if (term < 1) {
      throw new IllegalArgumentException("term must be >= 1: " + term);
    }
    if (index < 1) {
      throw new IllegalArgumentException("index must be >= 1: " + index);
    }
    Objects.requireNonNull(type, "type");
    data = data == null ? EMPTY : data;
  }

  /** A command entry. */
  public static LogEntry command(long term, long index, byte[] data) {
    return new LogEntry(term, index, EntryType.COMMAND, data);
  }

  /** An empty entry of a new leader's term. */
  public static LogEntry noop(long term, long index) {
    return new LogEntry(term, index, EntryType.NOOP, EMPTY);
  }

  /** Approximate size in bytes, used to bound batches. */
  public int sizeBytes() {
    return data.length + 24;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogEntry e
        && e.term == term
        && e.index == index
        && e.type == type
        && Arrays.equals(e.data, data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(term, index, type, Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    return "LogEntry{" + term + "/" + index + " " + type + " " + data.length + "B}";
  }
}
