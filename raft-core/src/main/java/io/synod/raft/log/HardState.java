package io.synod.raft.log;

import io.synod.raft.NodeId;

/**
 * The part of a node's state that must be durable before it answers a vote or append request
 * (Raft Figure 2, "Persistent state on all servers").
 *
 * @param term the latest term the node has seen, 0 at first boot
 * @param votedFor the candidate voted for in {@code term}, or {@code null}
 * @param commitIndex the highest index known committed; stored as a hint only, never trusted
 *     beyond what the log holds
 * @since 1.0
 */
public record HardState(long term, NodeId votedFor, long commitIndex) {

  /** The state of a node that has never run. */
  public static final HardState EMPTY = new HardState(0, null, 0);

  /** Checks the fields. */
  public HardState {
    if (term < 0 || commitIndex < 0) {
      throw new IllegalArgumentException("negative term or commit index");
    }
  }
}
