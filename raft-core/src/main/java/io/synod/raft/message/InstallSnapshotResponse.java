package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A follower's answer to one {@link InstallSnapshotRequest} chunk.
 *
 * @param groupId the group
 * @param from the follower
 * @param to the leader
 * @param term the follower's term
 * @param lastIncludedIndex the snapshot the answer is about
 * @param nextOffset the offset of the next chunk the follower expects; after the last chunk,
 *     the snapshot's size
 * @param done whether the follower has installed the whole snapshot
 * @since 1.0
 */
public record InstallSnapshotResponse(
    int groupId,
    NodeId from,
    NodeId to,
    long term,
    long lastIncludedIndex,
    long nextOffset,
    boolean done)
    implements RaftMessage {}
