package io.synod.raft;

import io.synod.raft.log.EntryType;
import io.synod.raft.log.LogEntry;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.spi.RaftLogStore;
import io.synod.raft.spi.SnapshotStore;
import io.synod.raft.spi.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/**
 * Acts on a {@link Ready} in the one order that keeps Raft safe, for the real runtime and the
 * simulator alike: (1) install a received snapshot, (2) append entries and write the hard state,
 * syncing when the Ready says so, (3) send the messages, (4) apply committed entries in order,
 * (5) hand out read states, (6) {@link RaftNode#advance(Ready)}.
 *
 * <p>Persisting before sending is what lets a vote or an append acknowledgement be trusted after
 * a crash (Raft Figure 2, "Persistent state ... updated on stable storage before responding to
 * RPCs").
 *
 * @since 1.0
 */
public final class ReadyProcessor {

  /** Where the processor delivers what is not storage or state machine work. */
  public interface Sink {
    /**
     * Sends messages; must not block. Called after the Ready's writes are durable.
     *
     * @param messages the messages, in the order the node produced them
     */
    void send(List<RaftMessage> messages);

    /**
     * One committed entry was applied.
     *
     * @param entry the entry
     * @param result the state machine's result ({@code null} for no-op and configuration)
     */
    default void applied(LogEntry entry, Object result) {}

    /** A ReadIndex answer; serve it once the state machine applied {@code rs.index()}. */
    default void readState(ReadState rs) {}

    /** The role, term or leader changed. */
    default void softStateChanged(SoftState state) {}

    /** A snapshot received from the leader was installed. */
    default void snapshotInstalled(Ready.ReceivedSnapshot snapshot) {}
  }

  private final RaftLogStore store;
  private final StateMachine stateMachine;
  private final SnapshotStore snapshots;
  private final Sink sink;
  private final EnumSet<Mutant> mutants;

  /**
   * A processor for one node.
   *
   * @param store the node's log store
   * @param stateMachine the node's state machine
   * @param snapshots the node's snapshot store, or {@code null}
   * @param sink where messages, results and events go
   */
  public ReadyProcessor(RaftLogStore store, StateMachine stateMachine, SnapshotStore snapshots,
      Sink sink) {
    this(store, stateMachine, snapshots, sink, EnumSet.noneOf(Mutant.class));
  }

  /** As the public constructor, with rules broken on purpose (see {@link Mutant#processor}). */
  ReadyProcessor(RaftLogStore store, StateMachine stateMachine, SnapshotStore snapshots,
      Sink sink, EnumSet<Mutant> mutants) {
    this.mutants = mutants;
    this.store = Objects.requireNonNull(store, "store");
    this.stateMachine = Objects.requireNonNull(stateMachine, "stateMachine");
    this.snapshots = snapshots;
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /**
   * Processes Ready values until the node has none left.
   *
   * @return how many were processed
   */
  public int drain(RaftNode node) {
    int n = 0;
    while (node.hasReady()) {
      Ready rd = node.ready();
      handle(rd);
      node.advance(rd);
      n++;
    }
    return n;
  }

  /** Acts on one Ready (steps 1 to 5); the caller must then call {@code advance}. */
  public void handle(Ready rd) {
    handle(rd, false);
  }

  /**
   * Acts on one Ready (steps 1 to 5); the caller must then call {@code advance}.
   *
   * @param rd the Ready
   * @param snapshotSaved whether the caller already saved {@code rd.snapshot()} durably to the
   *     snapshot store (the runtime saves it on its snapshot thread, serialized with its own
   *     snapshots); when {@code false} it is saved here, before the log is compacted
   */
  public void handle(Ready rd, boolean snapshotSaved) {
    if (rd.softState() != null) {
      sink.softStateChanged(rd.softState());
    }
    Ready.ReceivedSnapshot snap = rd.snapshot();
    if (snap != null) {
      try {
        stateMachine.restore(new ByteArrayInputStream(snap.data()));
        if (snapshots != null && !snapshotSaved) {
          snapshots.save(snap.lastIndex(), snap.lastTerm(), snap.membership(), snap.data());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot install snapshot " + snap.lastIndex(), e);
      }
      // the node sends a snapshot only when its log does not hold the snapshot's last entry:
      // the whole log goes (Figure 13 step 7)
      if (mutants.contains(Mutant.KEEP_SUFFIX_ON_SNAPSHOT_INSTALL)) {
        store.compact(snap.lastIndex(), snap.lastTerm());
      } else {
        store.installSnapshot(snap.lastIndex(), snap.lastTerm());
      }
    }
    boolean sendFirst = mutants.contains(Mutant.SEND_BEFORE_SYNC);
    if (sendFirst && !rd.messages().isEmpty()) {
      sink.send(rd.messages());
    }
    if (!rd.entries().isEmpty()) {
      store.append(rd.entries());
    }
    if (rd.hardState() != null) {
      store.setHardState(rd.hardState());
    }
    if (rd.mustSync()) {
      store.sync();
    }
    if (snap != null) {
      sink.snapshotInstalled(snap);
    }
    if (!sendFirst && !rd.messages().isEmpty()) {
      sink.send(rd.messages());
    }
    for (LogEntry e : rd.committedEntries()) {
      Object result = null;
      if (e.type() == EntryType.COMMAND) {
        result = stateMachine.apply(e.index(), e.data());
      }
      sink.applied(e, result);
    }
    for (ReadState rs : rd.readStates()) {
      sink.readState(rs);
    }
  }
}
