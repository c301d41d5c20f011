package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A voter's answer to {@link VoteRequest}.
 *
 * @param groupId the group
 * @param from the voter
 * @param to the candidate
 * @param term the voter's term
 * @param granted whether the vote was granted
 * @since 1.0
 */
public record VoteResponse(int groupId, NodeId from, NodeId to, long term, boolean granted)
    implements RaftMessage {}
