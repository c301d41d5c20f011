package io.synod.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockMode;
import io.synod.server.SynodNode;
import io.synod.server.cluster.ClusterView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24: a member that is alive is never marked down because its node is busy with
 * state-machine work. A follower restarted on its data directory finds the leader's log
 * compacted past its own and must install a snapshot of a large lock table; while it does,
 * nobody marks anyone down (not the failure detectors of the three nodes, not the replicated
 * member table), the lock group keeps its leader and term, and the leader keeps granting locks.
 */
class LargeSnapshotLivenessIT {
  // 50k held locks: five local snapshots on the leader (one per 10k entries), so the log is
  // compacted well past the follower's last entry
  private static final int LOCKS = 50_000;

  @Test
  void aFollowerInstallingALargeSnapshotStaysALiveMember(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir);
    try (InProcessCluster c = new InProcessCluster(3, Map.of("DATA_DIR", dir.toString(),
        "FAILURE_TIMEOUT_MILLIS", "1500")).start()) {
      String leaderId = awaitLockLeader(c);
      SynodNode leader = c.node(leaderId);
      String followerId = c.urls().keySet().stream().filter(id -> !id.equals(leaderId))
          .findFirst().orElseThrow();
      c.stop(followerId);
      fill(leader, "held-", LOCKS);
      long term = leader.locks().status().term();

      SynodNode follower = c.start(followerId);
      Await.until(Duration.ofSeconds(30), "every node sees every other up again", () -> {
        for (SynodNode n : c.running()) {
          if (n.cluster().upCount() != 3) {
            return false;
          }
        }
        return leader.locks().members().downMembers().isEmpty();
      });
      // from here on, any member seen down anywhere is a violation
      List<String> violations = new CopyOnWriteArrayList<>();
      for (SynodNode n : c.running()) {
        ClusterView view = n.cluster();
        view.onChange(() -> {
          if (view.upCount() != 3) {
            violations.add(view.self() + " saw " + view.describe(null).get("members"));
          }
        });
        if (n == follower) {
          continue; // its table is catching up through old entries: checked once caught up
        }
        n.locks().members().subscribe((up, index) -> {
          if (!n.locks().members().downMembers().isEmpty()) {
            violations.add(n.config().nodeId() + "'s member table at " + index + ": down "
                + n.locks().members().downMembers());
          }
        });
      }
      // the leader keeps granting while the follower installs
      fill(leader, "during-", 2_000);
      long target = leader.locks().status().commitIndex();
      Await.until(Duration.ofSeconds(60), followerId + " applies the leader's table", () ->
          follower.locks().status().appliedIndex() >= target);
      assertTrue(follower.locks().raft().snapshotsInstalled() >= 1,
          followerId + " caught up by installing a snapshot");
      assertEquals(java.util.Set.of(), follower.locks().members().downMembers(),
          "the follower's member table, caught up, has nobody down");
      assertEquals(leader.locks().machine().resourceCount(),
          follower.locks().machine().resourceCount(), "the follower holds the same table");
      // two failure timeouts more: a member the install made miss heartbeats would show now
      TimeUnit.MILLISECONDS.sleep(3_000);
      assertEquals(List.of(), violations, "no member was marked down");
      for (SynodNode n : c.running()) {
        assertEquals(term, n.locks().status().term(), n.config().nodeId() + " saw no election");
        assertEquals(leaderId, n.locks().leader(), n.config().nodeId() + " follows the leader");
      }
    }
  }

  private static String awaitLockLeader(InProcessCluster c) {
    String[] leader = new String[1];
    Await.until(Duration.ofSeconds(30), "a lock leader all nodes agree on", () -> {
      java.util.Set<String> seen = new java.util.TreeSet<>();
      for (SynodNode n : c.running()) {
        seen.add(String.valueOf(n.locks().leader()));
      }
      leader[0] = seen.iterator().next();
      return seen.size() == 1 && c.urls().containsKey(leader[0]);
    });
    return leader[0];
  }

  /** Grants {@code n} exclusive locks, each to its own owner, in windows of 1,000. */
  private static void fill(SynodNode leader, String prefix, int n) throws Exception {
    for (int from = 0; from < n; from += 1_000) {
      List<CompletableFuture<?>> window = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 1_000); i++) {
        window.add(leader.locks().service().acquire(HolderId.ownerOnly(prefix + "o" + i),
            prefix + i, LockMode.EXCLUSIVE, Duration.ZERO).toCompletableFuture());
      }
      CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
  }
}
