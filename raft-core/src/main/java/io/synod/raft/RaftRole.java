package io.synod.raft;

/**
 * The role a Raft node plays in its current term.
 *
 * @since 1.0
 */
public enum RaftRole {
  /** Follows a leader (or waits for one); answers votes and appends. */
  FOLLOWER,
  /** Asks for pre-votes without raising its term (Raft dissertation §9.6). */
  PRE_CANDIDATE,
  /** Campaigns for votes in a new term. */
  CANDIDATE,
  /** Replicates the log and serves proposals and reads. */
  LEADER
}
