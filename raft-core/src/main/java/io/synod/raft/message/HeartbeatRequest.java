package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A leader's heartbeat: keeps followers from campaigning, advances their commit index (never
 * beyond what the leader knows they hold) and confirms leadership for ReadIndex rounds (Raft
 * dissertation §6.4).
 *
 * @param groupId the group
 * @param from the leader
 * @param to the follower
 * @param term the leader's term
 * @param commitIndex {@code min(leader commit, follower match index)}
 * @param readRound the leader's latest ReadIndex round number, echoed in the response
 * @since 1.0
 */
public record HeartbeatRequest(
    int groupId, NodeId from, NodeId to, long term, long commitIndex, long readRound)
    implements RaftMessage {}
