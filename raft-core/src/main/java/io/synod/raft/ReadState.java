package io.synod.raft;

/**
 * The answer to a {@link RaftNode#readIndex(long)} request: once the local state machine has
 * applied {@code index}, a read of it is linearizable as of the request (Raft dissertation §6.4).
 *
 * @param context the caller's context, as given to {@code readIndex}
 * @param index the commit index the read must wait for
 * @since 1.0
 */
public record ReadState(long context, long index) {}
