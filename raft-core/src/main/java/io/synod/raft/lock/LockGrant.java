package io.synod.raft.lock;

/**
 * A lock granted to a holder: the direct result of an {@link LockCommand.Acquire} that was granted
 * at once, and the {@link LockEvent} of every grant, including grants to queued requests when a
 * later command frees the lock.
 *
 * @param requestId the proposer's id of the acquire that is granted
 * @param resource the resource
 * @param holder the holder
 * @param mode the mode now held (exclusive after an upgrade)
 * @param fencingToken the fencing token of this hold: strictly greater than every token granted
 *     before on any resource, and at least the log index of the grant; a reentrant acquire keeps
 *     the token of the hold
 * @param index the log index of the command whose apply granted the lock (the commit index)
 * @param acquiredAtMillis the replicated clock when the hold began
 * @param holdCount the reentrancy count after this grant
 * @param reentrant true when the holder already held the lock (count incremented)
 * @param upgrade true when a sole shared holder was upgraded to exclusive (new token)
 * @since 1.0
 */
public record LockGrant(
    long requestId,
    String resource,
    HolderId holder,
    LockMode mode,
    long fencingToken,
    long index,
    long acquiredAtMillis,
    int holdCount,
    boolean reentrant,
    boolean upgrade)
    implements LockResult, LockEvent {}
