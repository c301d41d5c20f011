package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * The leader's answer to {@link ReadIndexRequest}: its commit index at the time of the request,
 * confirmed by a heartbeat round. The follower serves the read once it applied {@code index}.
 *
 * @param groupId the group
 * @param from the leader
 * @param to the follower
 * @param term the leader's term
 * @param context the follower's identifier of the read
 * @param index the read index
 * @since 1.0
 */
public record ReadIndexResponse(int groupId, NodeId from, NodeId to, long term, long context,
    long index) implements RaftMessage {}
