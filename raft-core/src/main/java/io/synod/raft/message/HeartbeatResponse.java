package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A follower's answer to {@link HeartbeatRequest}.
 *
 * @param groupId the group
 * @param from the follower
 * @param to the leader
 * @param term the follower's term
 * @param readRound the round of the heartbeat answered
 * @param lastIndex the follower's last log index (lets the leader resume a paused probe)
 * @since 1.0
 */
public record HeartbeatResponse(
    int groupId, NodeId from, NodeId to, long term, long readRound, long lastIndex)
    implements RaftMessage {}
