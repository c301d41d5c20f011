package io.synod.raft;

/**
 * The volatile part of a node's state that callers watch: its role, its term and the leader it
 * knows. Reported in a {@link Ready} whenever one of them changes.
 *
 * @param role the role
 * @param term the current term
 * @param leader the known leader, or {@code null}
 * @since 1.0
 */
public record SoftState(RaftRole role, long term, NodeId leader) {}
