package io.synod.raft.message;

import io.synod.raft.NodeId;
import io.synod.raft.log.LogEntry;
import java.util.List;

/**
 * A leader's request to append {@code entries} after the entry at {@code prevLogIndex} (Raft
 * Figure 2, AppendEntries RPC).
 *
 * @param groupId the group
 * @param from the leader
 * @param to the follower
 * @param term the leader's term
 * @param prevLogIndex index of the entry just before the new ones
 * @param prevLogTerm term of that entry
 * @param entries the entries to append, contiguous from {@code prevLogIndex + 1}; may be empty
 * @param leaderCommit the leader's commit index
 * @since 1.0
 */
public record AppendEntriesRequest(
    int groupId,
    NodeId from,
    NodeId to,
    long term,
    long prevLogIndex,
    long prevLogTerm,
    List<LogEntry> entries,
    long leaderCommit)
    implements RaftMessage {

  /** Copies the entry list. */
  public AppendEntriesRequest {
    entries = List.copyOf(entries);
  }
}
