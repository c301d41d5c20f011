package io.synod.raft.runtime;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.RaftRole;

/**
 * A point-in-time view of one Raft server, for status pages and tests.
 *
 * @param id the node
 * @param groupId the group
 * @param role its role
 * @param term its term
 * @param leader the leader it knows, or {@code null}
 * @param commitIndex its commit index
 * @param appliedIndex the last index its state machine applied
 * @param lastIndex the last index in its log
 * @param membership the latest membership in its log
 * @since 1.0
 */
public record RaftStatus(
    NodeId id,
    int groupId,
    RaftRole role,
    long term,
    NodeId leader,
    long commitIndex,
    long appliedIndex,
    long lastIndex,
    Membership membership) {

  /** Whether this server is the leader. */
  public boolean isLeader() {
    return role == RaftRole.LEADER;
  }
}
