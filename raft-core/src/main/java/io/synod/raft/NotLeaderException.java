package io.synod.raft;

import java.util.Optional;

/**
 * Thrown (or used to fail a future) when an operation that needs the leader reaches a node that is
 * not the leader. Carries the leader this node knows of, if any, so the caller can redirect.
 *
 * @since 1.0
 */
public final class NotLeaderException extends RaftException {
  private static final long serialVersionUID = 1L;

  private final transient NodeId leader;

  /**
   * An exception naming the node that refused and the leader it knows.
   *
   * @param self the node that is not the leader
   * @param leader the known leader, or {@code null}
   */
  public NotLeaderException(NodeId self, NodeId leader) {
    super(self + " is not the leader" + (leader == null ? " (leader unknown)" : "; leader is "
        + leader));
    this.leader = leader;
  }

  /** The leader known to the refusing node, if any. */
  public Optional<NodeId> leader() {
    return Optional.ofNullable(leader);
  }
}
