package io.synod.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Majority counting ([1] §3.4, §3.6): only voters count, a majority decides. */
class QuorumTest {

  static final NodeId A = NodeId.of("a");
  static final NodeId B = NodeId.of("b");
  static final NodeId C = NodeId.of("c");
  static final NodeId D = NodeId.of("d");
  static final NodeId L = NodeId.of("learner");

  @Test
  void committedIndexIsTheLargestIndexAMajorityHolds() {
    Map<NodeId, Long> match = Map.of(A, 9L, B, 5L, C, 3L, D, 7L, L, 100L);
    assertEquals(5, Quorum.committedIndex(Set.of(A, B, C), match::get));
    assertEquals(5, Quorum.committedIndex(Set.of(A, B, C, D), match::get), "3 of 4 hold 5");
    assertEquals(9, Quorum.committedIndex(Set.of(A), match::get));
    assertEquals(0, Quorum.committedIndex(Set.of(), match::get));
  }

  @Test
  void votesOfNonVotersDoNotCountAndAMajorityOfRefusalsLoses() {
    TreeMap<NodeId, Boolean> votes = new TreeMap<>(Map.of(A, true, L, true));
    assertEquals(Quorum.VoteResult.PENDING, Quorum.voteResult(Set.of(A, B, C), votes));
    votes.put(B, true);
    assertEquals(Quorum.VoteResult.WON, Quorum.voteResult(Set.of(A, B, C), votes));
    TreeMap<NodeId, Boolean> refused = new TreeMap<>(Map.of(A, true, B, false, C, false));
    assertEquals(Quorum.VoteResult.LOST, Quorum.voteResult(Set.of(A, B, C), refused));
  }

  @Test
  void hasMajorityCountsOnlyVoters() {
    assertTrue(Quorum.hasMajority(Set.of(A, B, C), Set.of(A, C)::contains));
    assertFalse(Quorum.hasMajority(Set.of(A, B, C, D), Set.of(A, C, L)::contains));
  }
}
