package io.synod.raft;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Majority counting over one configuration's voters, in one place (etcd's {@code quorum}
 * package): the index a majority holds, the outcome of a vote, whether a majority answered.
 * Only voters count; learners and strangers never do.
 */
final class Quorum {

  /** The outcome of counting votes. */
  enum VoteResult {
    /** A majority granted. */
    WON,
    /** A majority refused: the election cannot be won. */
    LOST,
    /** Neither yet. */
    PENDING
  }

  private Quorum() {}

  /** How many voters make a majority of {@code voters}. */
  static int majority(Set<NodeId> voters) {
    return voters.size() / 2 + 1;
  }

  /**
   * The largest index that a majority of {@code voters} holds ({@code match} of each), which is
   * the highest index that may commit by counting ([1] §3.6); 0 without voters.
   */
  static long committedIndex(Set<NodeId> voters, ToLongFunction<NodeId> match) {
    if (voters.isEmpty()) {
      return 0;
    }
    long[] matches = new long[voters.size()];
    int i = 0;
    for (NodeId v : voters) {
      matches[i++] = match.applyAsLong(v);
    }
    Arrays.sort(matches);
    return matches[matches.length - majority(voters)];
  }

  /** The outcome of {@code votes} (granted or not, per node) among {@code voters}. */
  static VoteResult voteResult(Set<NodeId> voters, Map<NodeId, Boolean> votes) {
    int granted = 0;
    int rejected = 0;
    for (Map.Entry<NodeId, Boolean> e : votes.entrySet()) {
      if (voters.contains(e.getKey())) {
        if (e.getValue()) {
          granted++;
        } else {
          rejected++;
        }
      }
    }
    int need = majority(voters);
    return granted >= need ? VoteResult.WON : rejected >= need ? VoteResult.LOST
        : VoteResult.PENDING;
  }

  /** Whether a majority of {@code voters} satisfies {@code yes}. */
  static boolean hasMajority(Set<NodeId> voters, Predicate<NodeId> yes) {
    int n = 0;
    for (NodeId v : voters) {
      if (yes.test(v)) {
        n++;
      }
    }
    return n >= majority(voters);
  }
}
