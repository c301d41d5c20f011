package io.synod.raft.message;

import io.synod.raft.NodeId;

/**
 * A follower's answer to {@link AppendEntriesRequest}.
 *
 * <p>On success {@code matchIndex} is the last index known to match the leader's log. On
 * rejection the follower gives a conflict hint (Raft dissertation §5.3, "fast backtracking"):
 * {@code rejectedIndex} is the {@code prevLogIndex} it refused, and {@code hintIndex}/{@code
 * hintTerm} name the last entry of its log that may still match (the largest index not above the
 * request's {@code prevLogIndex} and the follower's last index whose term is at most the
 * request's {@code prevLogTerm}).
 *
 * @param groupId the group
 * @param from the follower
 * @param to the leader
 * @param term the follower's term
 * @param success whether the entries were appended
 * @param matchIndex on success, the last index matching the leader's log
 * @param rejectedIndex on rejection, the refused {@code prevLogIndex}
 * @param hintIndex on rejection, the last index that may match
 * @param hintTerm on rejection, the term of the entry at {@code hintIndex}
 * @since 1.0
 */
public record AppendEntriesResponse(
    int groupId,
    NodeId from,
    NodeId to,
    long term,
    boolean success,
    long matchIndex,
    long rejectedIndex,
    long hintIndex,
    long hintTerm)
    implements RaftMessage {}
