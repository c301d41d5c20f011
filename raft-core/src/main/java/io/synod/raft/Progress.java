package io.synod.raft;

import java.util.ArrayDeque;

/**
 * A leader's view of one follower's replication (etcd's Progress): match and next index, the
 * replication state and the window of AppendEntries in flight.
 */
final class Progress {

  enum State {
    /** Probing for the match point: one append at a time. */
    PROBE,
    /** Streaming: optimistic next index, a bounded window of appends in flight. */
    REPLICATE,
    /** Receiving a snapshot: appends paused. */
    SNAPSHOT
  }

  long match;
  long next;
  State state = State.PROBE;
  /** In PROBE: an append was sent and no answer came yet. */
  boolean probeSent;
  /**
   * The highest commit index this follower was told and can take (an append's commit is capped
   * at its last entry, a heartbeat's at the match index).
   */
  long sentCommit;
  /** Heard from since the last check-quorum round. */
  boolean recentActive;
  /** Last index of each append in flight, oldest first. */
  final ArrayDeque<Long> inflight = new ArrayDeque<>();
  final int maxInflight;
  /** In SNAPSHOT: the snapshot being sent, and the offset the follower expects next. */
  long snapshotIndex;
  long snapshotOffset;
  /** Ticks since the last snapshot chunk was sent (to resend a lost one). */
  int snapshotIdleTicks;

  Progress(long next, int maxInflight) {
    this.next = next;
    this.maxInflight = maxInflight;
  }

  boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflight.size() >= maxInflight;
      case SNAPSHOT -> true;
    };
  }

  void becomeProbe() {
    if (state == State.SNAPSHOT) {
      next = Math.max(match + 1, snapshotIndex + 1);
    } else {
      next = match + 1;
    }
    state = State.PROBE;
    probeSent = false;
    inflight.clear();
    snapshotIndex = 0;
    snapshotOffset = 0;
  }

  void becomeReplicate() {
    state = State.REPLICATE;
    next = match + 1;
    probeSent = false;
    inflight.clear();
  }

  void becomeSnapshot(long index) {
    state = State.SNAPSHOT;
    inflight.clear();
    snapshotIndex = index;
    snapshotOffset = 0;
    snapshotIdleTicks = 0;
  }

  /** Records a success up to {@code n}; returns whether the match index grew. */
  boolean maybeUpdate(long n) {
    boolean updated = false;
    if (match < n) {
      match = n;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, n + 1);
    return updated;
  }

  void freeInflightTo(long index) {
    while (!inflight.isEmpty() && inflight.peekFirst() <= index) {
      inflight.pollFirst();
    }
  }

  @Override
  public String toString() {
    return state + " match=" + match + " next=" + next + " inflight=" + inflight.size();
  }
}
