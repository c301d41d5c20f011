package io.synod.raft.spi;

import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import java.util.List;

/**
 * Where a Raft node keeps its log and hard state. Implementations: {@code InMemoryRaftLogStore}
 * (tests, embedded default) and {@code FileRaftLogStore} (segmented, CRC-checked, fsync'd).
 *
 * <p>The log holds a contiguous range of entries {@code [firstIndex, lastIndex]}; everything
 * before {@code firstIndex} has been compacted into a snapshot whose last index is {@code
 * firstIndex - 1} and whose term is {@link #snapshotTerm()}. An empty log has {@code lastIndex ==
 * firstIndex - 1}.
 *
 * <p>Threading: called from the node's Raft thread only, one call at a time. Reads must not block
 * on I/O for entries that were appended through this store (implementations cache what they need).
 * Writes become durable only when {@link #sync()} returns: a crash before that may lose any
 * suffix of the writes since the last sync, but never an entry or hard state from before it, and
 * never leaves a hole.
 *
 * @since 1.0
 */
public interface RaftLogStore extends AutoCloseable {

  /** The hard state last written, or {@link HardState#EMPTY}. */
  HardState hardState();

  /** Records a new hard state; durable after the next {@link #sync()}. */
  void setHardState(HardState state);

  /** The index of the first entry held; {@code snapshotIndex() + 1}. */
  long firstIndex();

  /** The index of the last entry held, or {@code firstIndex() - 1} when none is. */
  long lastIndex();

  /** The last index covered by the latest snapshot (0 when there is none). */
  default long snapshotIndex() {
    return firstIndex() - 1;
  }

  /** The term of the entry at {@link #snapshotIndex()} (0 when there is no snapshot). */
  long snapshotTerm();

  /**
   * The term of the entry at {@code index}. Must answer for {@code snapshotIndex() <= index <=
   * lastIndex()}; throws {@link IndexOutOfBoundsException} otherwise.
   */
  long term(long index);

  /**
   * Entries from {@code fromIndex} (inclusive) to {@code toIndex} (exclusive), stopping early
   * once their {@link LogEntry#sizeBytes()} add up to more than {@code maxBytes} (at least one
   * entry is always returned when the range is not empty). Throws {@link
   * IndexOutOfBoundsException} if the range is not within {@code [firstIndex, lastIndex + 1]}.
   */
  List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes);

  /**
   * Appends entries, which must be contiguous and start at some index in {@code [firstIndex,
   * lastIndex + 1]}: every entry already held at or after the first new index is discarded first
   * (this is how a follower truncates a conflicting suffix). Durable after the next {@link
   * #sync()}.
   */
  void append(List<LogEntry> entries);

  /**
   * Makes every write so far durable (fsync for file stores). Many appends may share one sync;
   * this is where group commit happens.
   */
  void sync();

  /**
   * Drops entries up to and including {@code index}, which a snapshot now covers, remembering
   * {@code term} as {@link #snapshotTerm()}. If {@code index > lastIndex()} the whole log is
   * dropped and the next append must start at {@code index + 1}. Durable after the next sync.
   */
  void compact(long index, long term);

  /**
   * Makes the log start after a snapshot ending at ({@code index}, {@code term}) that came from
   * elsewhere (a leader's InstallSnapshot, or a snapshot saved before a crash): if the log holds
   * the entry at {@code index} with that term, the entries after it are kept (dissertation
   * Figure 13 step 6: they extend the snapshot); otherwise the whole log is dropped (step 7: a
   * suffix after an entry of another term may conflict with the snapshot's history, and keeping
   * it would leave a log whose terms are not monotonic and whose last entry votes wrongly).
   * Durable after the next sync.
   *
   * <p>The default drops the whole log with the two writes the contract already has: an entry of
   * {@code term} at {@code index} (which discards every entry at or after it, as {@link #append}
   * does) followed by {@link #compact}. A crash may keep only the first write; the caller must
   * have made the snapshot durable before, so a restart finds the snapshot covering that entry
   * and calls this method again (the entry is then compacted away, never applied).
   */
  default void installSnapshot(long index, long term) {
    if (index < snapshotIndex()) {
      throw new IllegalArgumentException("snapshot " + index + " below the compaction point "
          + snapshotIndex());
    }
    boolean holds = index <= lastIndex();
    if (holds && term(index) == term) {
      compact(index, term);
      return;
    }
    if (holds && index > snapshotIndex()) {
      append(List.of(LogEntry.noop(term, index)));
    }
    compact(index, term);
    if (lastIndex() > index) {
      throw new IllegalStateException("log kept entries after snapshot " + index);
    }
  }

  /** Releases files and other resources. */
  @Override
  void close();
}
