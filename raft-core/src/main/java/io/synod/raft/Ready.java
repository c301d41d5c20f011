package io.synod.raft;

import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.message.RaftMessage;
import java.util.List;

/**
 * What a {@link RaftNode} wants done, handed out by {@link RaftNode#ready()}. The driver must act
 * on it in this order (see {@link ReadyProcessor}): install {@code snapshot} if any; persist
 * {@code entries} and {@code hardState}, syncing when {@code mustSync}; then send {@code
 * messages}; then apply {@code committedEntries} in order and serve {@code readStates} once
 * applied; then call {@link RaftNode#advance(Ready)}.
 *
 * @param softState the new role/term/leader, or {@code null} when unchanged
 * @param hardState the hard state to persist, or {@code null} when unchanged
 * @param snapshot a snapshot received from the leader to install, or {@code null}
 * @param entries entries to append to the log store (may overwrite a suffix)
 * @param mustSync whether the store must be synced before the messages go out
 * @param messages messages to send, after persisting
 * @param committedEntries committed entries to apply, in order, after persisting
 * @param readStates ReadIndex answers to serve once their index is applied
 * @since 1.0
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    ReceivedSnapshot snapshot,
    List<LogEntry> entries,
    boolean mustSync,
    List<RaftMessage> messages,
    List<LogEntry> committedEntries,
    List<ReadState> readStates) {

  /**
   * A complete snapshot received through InstallSnapshot, to restore into the state machine and
   * the log store before anything else in the {@link Ready}.
   *
   * @param lastIndex the last index it covers
   * @param lastTerm the term of that entry
   * @param membership the membership as of {@code lastIndex}
   * @param data the state machine's snapshot bytes
   */
  public record ReceivedSnapshot(long lastIndex, long lastTerm, Membership membership,
      byte[] data) {}
}
