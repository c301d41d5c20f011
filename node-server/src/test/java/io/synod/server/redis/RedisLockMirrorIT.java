package io.synod.server.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockStateMachine;
import io.synod.transport.http.Json;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Redis mirror of the lock table against a real redis-server: the first system's hash
 * fields, deletion on release, and index order across replicas (a lagging replica never brings
 * back a released hold nor overwrites a newer state). The replicas here are lock state machines
 * applying the same commands at the same log indexes, as Raft would make them.
 */
@ExtendWith(RedisServerExtension.class)
class RedisLockMirrorIT {
  private static final HolderId C1 = HolderId.ownerOnly("c1");
  private static final HolderId C2 = HolderId.ownerOnly("c2");

  private RedisConnector connector;
  private RedisLockMirror mirrorA;
  private RedisLockMirror mirrorB;

  @AfterEach
  void close() {
    if (mirrorA != null) {
      mirrorA.close();
    }
    if (mirrorB != null) {
      mirrorB.close();
    }
    connector.close();
  }

  private LockStateMachine replica(RedisLockMirror mirror) {
    LockStateMachine m = new LockStateMachine(io.synod.raft.lock.LockLimits.DEFAULT, mirror);
    mirror.attach(m);
    return m;
  }

  private static void drained(RedisLockMirror mirror, long index) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (mirror.backlog() > 0 || mirror.writtenIndex() < index) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the mirror did not write up to index " + index);
      }
      Thread.sleep(10);
    }
  }

  private static Map<String, String> hash(RedisTestServer server, String key) throws Exception {
    String all = server.command("HGETALL", key);
    Map<String, String> out = new LinkedHashMap<>();
    if (all == null || all.isEmpty()) {
      return out;
    }
    String[] parts = all.split("\n");
    for (int i = 0; i + 1 < parts.length; i += 2) {
      out.put(parts[i], parts[i + 1]);
    }
    return out;
  }

  @Test
  void aHeldResourceShowsTheFirstSystemsFieldsAndIsDeletedOnRelease(URI uri,
      RedisTestServer server) throws Exception {
    connector = RedisConnector.connect(uri.toString());
    mirrorA = new RedisLockMirror(connector, "a");
    LockStateMachine a = replica(mirrorA);
    a.apply(1, new LockCommand.Acquire(1_700_000_000_123L, 1, C1, "resource1",
        LockMode.EXCLUSIVE, 0));
    drained(mirrorA, 1);
    Map<String, String> h = hash(server, "lock:resource1");
    assertEquals("c1", h.get("owner_id"));
    assertEquals("exclusive", h.get("mode"));
    assertEquals("1700000000.123", h.get("acquired_at"));
    assertEquals("1", h.get("mirror_index"));
    JsonNode holders = Json.mapper().readTree(h.get("holders"));
    assertEquals(1, holders.size());
    assertEquals(h.get("fencing_token"), holders.get(0).get("fencing_token").asText());

    a.apply(2, new LockCommand.Acquire(1_700_000_000_200L, 2, C2, "shared1",
        LockMode.SHARED, 0));
    a.apply(3, new LockCommand.Acquire(1_700_000_000_300L, 3, C1, "shared1",
        LockMode.SHARED, 0));
    drained(mirrorA, 3);
    Map<String, String> s = hash(server, "lock:shared1");
    assertEquals("shared", s.get("mode"));
    assertEquals("c2", s.get("owner_id"), "the first holder in grant order");
    assertEquals(2, Json.mapper().readTree(s.get("holders")).size());

    a.apply(4, new LockCommand.Release(1_700_000_000_400L, C1, "resource1"));
    drained(mirrorA, 4);
    assertEquals(":0", server.command("EXISTS", "lock:resource1"), "a free resource has no hash");
  }

  @Test
  void aLaggingReplicaNeitherRevivesAReleasedHoldNorOverwritesANewerState(URI uri,
      RedisTestServer server) throws Exception {
    connector = RedisConnector.connect(uri.toString());
    mirrorA = new RedisLockMirror(connector, "a");
    mirrorB = new RedisLockMirror(connector, "b");
    LockStateMachine a = replica(mirrorA);
    LockStateMachine b = replica(mirrorB);
    LockCommand grant1 = new LockCommand.Acquire(1_000, 1, C1, "r", LockMode.EXCLUSIVE, 0);
    LockCommand release2 = new LockCommand.Release(2_000, C1, "r");
    LockCommand grant3 = new LockCommand.Acquire(3_000, 2, C2, "r", LockMode.EXCLUSIVE, 0);

    // replica A is ahead: it applied the grant and the release
    a.apply(1, grant1);
    a.apply(2, release2);
    drained(mirrorA, 2);
    assertEquals(":0", server.command("EXISTS", "lock:r"));
    // replica B applies the old grant only now: the release marker keeps the hash away
    b.apply(1, grant1);
    drained(mirrorB, 1);
    assertEquals(":0", server.command("EXISTS", "lock:r"), "no revived hold");

    // A grants again; B's late release (index 2) must not delete the newer hold (index 3)
    a.apply(3, grant3);
    drained(mirrorA, 3);
    b.apply(2, release2);
    drained(mirrorB, 2);
    Map<String, String> h = hash(server, "lock:r");
    assertEquals("c2", h.get("owner_id"));
    assertEquals("3", h.get("mirror_index"));
    assertEquals(2, mirrorB.writtenIndex(), "B sent its stale states; the script refused them");
  }

  /**
   * A replica that catches up by an installed snapshot gets no event for the grants and releases
   * it covers: the mirror must re-read the restored table, clearing the hold it showed and
   * writing the one it never saw.
   */
  @Test
  void aRestoredSnapshotResyncsTheMirror(URI uri, RedisTestServer server) throws Exception {
    connector = RedisConnector.connect(uri.toString());
    mirrorB = new RedisLockMirror(connector, "b");
    LockStateMachine leader = new LockStateMachine();
    LockStateMachine b = replica(mirrorB);
    LockCommand grant1 = new LockCommand.Acquire(1_000, 1, C1, "r", LockMode.EXCLUSIVE, 0);
    leader.apply(1, grant1);
    leader.apply(2, new LockCommand.Release(2_000, C1, "r"));
    leader.apply(3, new LockCommand.Acquire(3_000, 2, C2, "s", LockMode.EXCLUSIVE, 0));
    b.apply(1, grant1);
    drained(mirrorB, 1);
    assertEquals("c1", hash(server, "lock:r").get("owner_id"));

    b.restore(new java.io.ByteArrayInputStream(leader.snapshotBytes()));
    drained(mirrorB, 3);
    assertEquals(":0", server.command("EXISTS", "lock:r"), "the hold released in the snapshot");
    Map<String, String> h = hash(server, "lock:s");
    assertEquals("c2", h.get("owner_id"), "the hold granted in the snapshot");
    assertEquals("3", h.get("mirror_index"));
  }
}
