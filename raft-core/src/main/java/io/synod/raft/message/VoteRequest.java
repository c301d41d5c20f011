package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A candidate's request for a vote (Raft Figure 2, RequestVote RPC).
 *
 * @param groupId the group
 * @param from the candidate
 * @param to the voter
 * @param term the candidate's term
 * @param lastLogIndex index of the candidate's last entry
 * @param lastLogTerm term of the candidate's last entry
 * @param transfer whether the campaign follows a leadership transfer (voters then ignore their
 *     leader lease, Raft dissertation §3.10 and §4.2.3)
 * @since 1.0
 */
public record VoteRequest(
    int groupId,
    NodeId from,
    NodeId to,
    long term,
    long lastLogIndex,
    long lastLogTerm,
    boolean transfer)
    implements RaftMessage {}
