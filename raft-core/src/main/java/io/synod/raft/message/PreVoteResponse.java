package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A voter's answer to {@link PreVoteRequest}. A granted answer carries the request's term; a
 * refusal carries the voter's own term.
 *
 * @param groupId the group
 * @param from the voter
 * @param to the would-be candidate
 * @param term see above
 * @param granted whether the voter would grant its vote
 * @since 1.0
 */
public record PreVoteResponse(int groupId, NodeId from, NodeId to, long term, boolean granted)
    implements RaftMessage {}
