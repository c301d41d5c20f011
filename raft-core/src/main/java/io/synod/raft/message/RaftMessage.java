package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A message between two members of one Raft group. Every message names its group (several groups
 * may share a process and a transport), its sender, its addressee and the sender's term.
 *
 * <p>Messages are immutable values; a transport must deliver them unchanged or not at all (it
 * may drop, delay, duplicate or reorder them).
 *
 * @since 1.0
 */
public sealed interface RaftMessage
    permits AppendEntriesRequest,
        AppendEntriesResponse,
        VoteRequest,
        VoteResponse,
        PreVoteRequest,
        PreVoteResponse,
        HeartbeatRequest,
        HeartbeatResponse,
        InstallSnapshotRequest,
        InstallSnapshotResponse,
        TimeoutNow,
        ReadIndexRequest,
        ReadIndexResponse {

  /** The Raft group this message belongs to. */
  int groupId();

  /** The sender. */
  NodeId from();

  /** The addressee. */
  NodeId to();

  /** The sender's current term (for a pre-vote request: the term it would campaign in). */
  long term();
}
