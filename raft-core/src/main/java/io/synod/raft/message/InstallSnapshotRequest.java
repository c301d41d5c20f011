package io.synod.raft.message;

import io.synod.raft.NodeId;
import java.util.List;

/**
 * One chunk of a snapshot sent to a follower whose next entry the leader has compacted away
 * (Raft Figure 13, InstallSnapshot RPC; dissertation §5.1).
 *
 * @param groupId the group
 * @param from the leader
 * @param to the follower
 * @param term the leader's term
 * @param lastIncludedIndex the last index the snapshot covers
 * @param lastIncludedTerm the term of that entry
 * @param voters the voters of the configuration as of {@code lastIncludedIndex}
 * @param learners the learners of that configuration
 * @param offset where this chunk starts in the snapshot bytes
 * @param data the chunk
 * @param done whether this is the last chunk
 * @since 1.0
 */
public record InstallSnapshotRequest(
    int groupId,
    NodeId from,
    NodeId to,
    long term,
    long lastIncludedIndex,
    long lastIncludedTerm,
    List<NodeId> voters,
    List<NodeId> learners,
    long offset,
    byte[] data,
    boolean done)
    implements RaftMessage {

  /** Copies the member lists. */
  public InstallSnapshotRequest {
    voters = List.copyOf(voters);
    learners = List.copyOf(learners);
    data = data == null ? new byte[0] : data;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InstallSnapshotRequest r
        && r.groupId == groupId
        && r.from.equals(from)
        && r.to.equals(to)
        && r.term == term
        && r.lastIncludedIndex == lastIncludedIndex
        && r.lastIncludedTerm == lastIncludedTerm
        && r.voters.equals(voters)
        && r.learners.equals(learners)
        && r.offset == offset
        && java.util.Arrays.equals(r.data, data)
        && r.done == done;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(groupId, from, to, term, lastIncludedIndex, offset)
        * 31 + java.util.Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "InstallSnapshotRequest{" + from + "->" + to + " t" + term + " last="
        + lastIncludedIndex + "/" + lastIncludedTerm + " off=" + offset + " len=" + data.length
        + (done ? " done" : "") + "}";
  }
}
