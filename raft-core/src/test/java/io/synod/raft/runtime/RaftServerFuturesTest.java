package io.synod.raft.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.ProposalDroppedException;
import io.synod.raft.RaftConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every caller future of {@link RaftServer} completes, also across leader changes. */
class RaftServerFuturesTest {

  private static final RaftConfig FAST = RaftConfig.builder().electionTimeoutTicks(10)
      .heartbeatIntervalTicks(2).build();

  /**
   * The old leader's uncommitted proposals are cut from its log by the next leader, and when it
   * leads again its new proposals land on the same indexes. Each old future must fail (the entry
   * at its index has another term), none may be forgotten.
   */
  @Test
  void proposalsReplacedAtTheSameIndexAfterReElectionFail() throws Exception {
    try (LocalRaftCluster c = LocalRaftCluster.start(3, FAST, Duration.ofMillis(10),
        id -> new RaftServerTest.CountingMachine())) {
      RaftServer old = c.awaitLeader(Duration.ofSeconds(20));
      old.propose(new byte[] {1}).toCompletableFuture().get(20, TimeUnit.SECONDS);
      // 1. cut off, the old leader accepts three entries it cannot commit (indexes i..i+2)
      c.network().isolate(old.id());
      List<CompletableFuture<Object>> cut = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        cut.add(old.propose(new byte[] {2}).toCompletableFuture());
      }
      // 2. the others elect a leader, whose only new entry is its no-op at index i
      RaftServerSnapshotTest.awaitTrue(() -> c.servers().values().stream()
          .anyMatch(s -> s != old && s.status().isLeader()
              && s.status().appliedIndex() >= s.status().lastIndex()), "a new leader commits");
      RaftServer next = c.servers().values().stream()
          .filter(s -> s != old && s.status().isLeader()).findFirst().orElseThrow();
      // 3. healed, the old leader takes the no-op at i (cutting i..i+2) and catches up
      c.network().heal(old.id());
      RaftServerSnapshotTest.awaitTrue(() -> old.status().appliedIndex()
          >= next.status().commitIndex() && old.status().lastIndex() == next.status().lastIndex(),
          "the old leader catches up");
      // 4. it leads again: its no-op lands at i+1 and a new proposal at i+2
      next.transferLeadership(old.id()).toCompletableFuture().get(20, TimeUnit.SECONDS);
      RaftServerSnapshotTest.awaitTrue(() -> old.status().isLeader(), "the old leader leads");
      Object fresh = null;
      for (int attempt = 0; attempt < 100 && fresh == null; attempt++) {
        try {
          fresh = old.propose(new byte[] {3}).toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          // its own-term entry may not be committed yet: try again
          java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
      }
      assertFalse(fresh == null, "the re-elected leader commits a new proposal");
      for (CompletableFuture<Object> f : cut) {
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> f.get(60, TimeUnit.SECONDS), "a cut proposal must not wait forever");
        assertInstanceOf(ProposalDroppedException.class, e.getCause());
      }
    }
  }

  /**
   * addVoter waits for a learner to catch up before promoting it. A learner that never answers
   * keeps it waiting; when the leader is deposed the future must fail with NotLeaderException.
   */
  @Test
  void aPendingPromotionFailsWhenTheLeaderIsDeposed() throws Exception {
    try (LocalRaftCluster c = LocalRaftCluster.start(3, FAST, Duration.ofMillis(10),
        id -> new RaftServerTest.CountingMachine())) {
      RaftServer leader = c.awaitLeader(Duration.ofSeconds(20));
      leader.propose(new byte[] {1}).toCompletableFuture().get(20, TimeUnit.SECONDS);
      NodeId ghost = NodeId.of("ghost");
      CompletableFuture<Membership> f = leader.addVoter(ghost).toCompletableFuture();
      RaftServerSnapshotTest.awaitTrue(
          () -> leader.status().membership().learners().contains(ghost)
              && leader.status().appliedIndex() >= leader.status().lastIndex(),
          "the ghost is a learner");
      assertFalse(f.isDone(), "the ghost never catches up, so its promotion waits");
      c.network().isolate(leader.id());
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> f.get(60, TimeUnit.SECONDS));
      assertInstanceOf(NotLeaderException.class, e.getCause());
    }
  }
}
