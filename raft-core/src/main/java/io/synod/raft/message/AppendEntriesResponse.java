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
    implements RaftMessage {

  /** Success: the follower's log matches the leader's up to {@code matchIndex}. */
  public static AppendEntriesResponse accept(int groupId, NodeId from, NodeId to, long term,
      long matchIndex) {
    return new AppendEntriesResponse(groupId, from, to, term, true, matchIndex, 0, 0, 0);
  }

  /** Rejection for a log mismatch at {@code rejectedIndex}, with the conflict hint. */
  public static AppendEntriesResponse reject(int groupId, NodeId from, NodeId to, long term,
      long rejectedIndex, long hintIndex, long hintTerm) {
    return new AppendEntriesResponse(groupId, from, to, term, false, 0, rejectedIndex, hintIndex,
        hintTerm);
  }

  /**
   * Rejection of a request from a stale term: carries only the newer {@code term}, so the
   * sender steps down (Figure 3.1, receiver rule 1). Recognised by {@link #isStaleTermReject}.
   */
  public static AppendEntriesResponse staleTerm(int groupId, NodeId from, NodeId to, long term) {
    return new AppendEntriesResponse(groupId, from, to, term, false, 0, 0, 0, 0);
  }

  /** Whether this is a {@link #staleTerm} answer (no hint: nothing to back up to). */
  public boolean isStaleTermReject() {
    return !success && rejectedIndex == 0 && hintIndex == 0 && matchIndex == 0;
  }
}
