package io.synod.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EmbeddedLockServiceTest {

  @Test
  void exclusiveLockRefusesThenQueuesTheSecondOwnerAndFencesItsGrant() throws Exception {
    EmbeddedLockService.Result r = EmbeddedLockService.run(Duration.ofSeconds(30));

    assertTrue(Set.of("node1", "node2", "node3").contains(r.leader()), r.leader());
    assertTrue(r.followerRefusalNamedLeader(), "a follower refuses writes naming the leader");
    assertTrue(r.aliceToken() > 0);
    assertTrue(r.bobRefusedWhileHeld(), "mutual exclusion: bob's try-lock is refused");
    assertFalse(r.bobGrantedBeforeRelease(), "bob waits while alice holds the lock");
    assertTrue(r.bobToken() > r.aliceToken(), "the later grant carries a larger fencing token");
    assertEquals("bob", r.holderOnEveryReplica(), "all three replicas applied the same grants");
  }
}
