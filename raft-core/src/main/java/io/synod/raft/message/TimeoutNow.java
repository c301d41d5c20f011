package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * Tells an up-to-date follower to campaign at once, skipping pre-vote: the last step of a
 * leadership transfer (Raft dissertation §3.10).
 *
 * @param groupId the group
 * @param from the current leader
 * @param to the transferee
 * @param term the leader's term
 * @since 1.0
 */
public record TimeoutNow(int groupId, NodeId from, NodeId to, long term) implements RaftMessage {}
