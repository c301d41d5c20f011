package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A would-be candidate asking whether it could win an election, before it disturbs anyone by
 * raising its term (Raft dissertation §9.6, pre-vote). The receiver must not change its own term
 * or vote because of it.
 *
 * @param groupId the group
 * @param from the would-be candidate
 * @param to the voter
 * @param term the term the sender would campaign in (its current term + 1)
 * @param lastLogIndex index of the sender's last entry
 * @param lastLogTerm term of the sender's last entry
 * @since 1.0
 */
public record PreVoteRequest(
    int groupId, NodeId from, NodeId to, long term, long lastLogIndex, long lastLogTerm)
    implements RaftMessage {}
