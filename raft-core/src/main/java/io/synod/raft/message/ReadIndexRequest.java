package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A follower asks the leader for a read index (dissertation §6.4, reads at followers): the leader
 * answers with {@link ReadIndexResponse} once a heartbeat round confirmed it still leads.
 *
 * @param groupId the group
 * @param from the follower
 * @param to the leader
 * @param term the follower's term
 * @param context the follower's identifier of the read, echoed in the answer
 * @since 1.0
 */
public record ReadIndexRequest(int groupId, NodeId from, NodeId to, long term, long context)
    implements RaftMessage {}
