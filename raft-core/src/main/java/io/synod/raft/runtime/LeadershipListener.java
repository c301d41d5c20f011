package io.synod.raft.runtime;

import io.synod.raft.NodeId;
import io.synod.raft.RaftRole;

/**
 * Told when a server's role, term or known leader changes. Called on the server's Raft thread:
 * implementations must return quickly and must not block.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface LeadershipListener {

  /**
   * The role, term or leader changed.
   *
   * @param role the new role
   * @param term the new term
   * @param leader the known leader, or {@code null}
   */
  void onChange(RaftRole role, long term, NodeId leader);
}
