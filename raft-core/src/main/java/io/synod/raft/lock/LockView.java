package io.synod.raft.lock;

import java.util.List;

/**
 * The state of one resource: holders and waiters in order. A free resource has no holders, no
 * waiters and a null mode.
 *
 * @param resource the resource name
 * @param mode the mode held, or null when free
 * @param holders the holders in grant order
 * @param waiters the FIFO queue, head first
 * @since 1.0
 */
public record LockView(String resource, LockMode mode, List<Holder> holders, List<Waiter> waiters) {

  /** Copies the lists. */
  public LockView {
    holders = List.copyOf(holders);
    waiters = List.copyOf(waiters);
  }

  /** Whether nobody holds or waits for the resource. */
  public boolean free() {
    return holders.isEmpty() && waiters.isEmpty();
  }

  /**
   * One hold.
   *
   * @param holder who holds
   * @param mode in which mode
   * @param count reentrancy count
   * @param fencingToken token of the hold
   * @param acquiredAtMillis replicated time of the grant
   * @param grantIndex log index of the grant
   */
  public record Holder(
      HolderId holder,
      LockMode mode,
      int count,
      long fencingToken,
      long acquiredAtMillis,
      long grantIndex) {}

  /**
   * One queued request.
   *
   * @param holder who waits
   * @param mode the mode asked for
   * @param requestId the proposer's request id
   * @param deadlineMillis when it times out ({@link Long#MAX_VALUE} for never)
   * @param index log index of the acquire
   */
  public record Waiter(
      HolderId holder, LockMode mode, long requestId, long deadlineMillis, long index) {}
}
