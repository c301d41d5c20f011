package io.synod.raft.lock.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.RaftConfig;
import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockEvent;
import io.synod.raft.lock.LockGrant;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockResult;
import io.synod.raft.runtime.LocalRaftNetwork;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.snapshot.InMemorySnapshotStore;
import io.synod.raft.storage.InMemoryRaftLogStore;
import java.time.Duration;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A queued acquire whose grant reaches its node inside an installed snapshot. */
class LockServiceSnapshotTest {

  private static final RaftConfig FAST =
      RaftConfig.builder().electionTimeoutTicks(10).heartbeatIntervalTicks(2).build();

  private final LocalRaftNetwork net = new LocalRaftNetwork();
  private final TreeMap<NodeId, RaftServer> servers = new TreeMap<>();
  private final TreeMap<NodeId, LockService> services = new TreeMap<>();
  private final TreeMap<NodeId, List<String>> restores = new TreeMap<>();
  private final TreeMap<NodeId, InMemoryRaftLogStore> logs = new TreeMap<>();

  @AfterEach
  void stop() {
    services.values().forEach(LockService::close);
    servers.values().forEach(RaftServer::close);
  }

  /**
   * 1. On leader L, a holds "x" and b queues for it. 2. L is cut off; the others elect N, a
   * releases there (b is granted) and N compacts its log past that grant. 3. Healed, L catches up
   * by InstallSnapshot: no event carries b's grant, yet b's future must complete with it, and
   * L's listener (the Redis mirror in node-server) must hear of the restore with "x" in it.
   */
  @Test
  void aGrantInsideAnInstalledSnapshotCompletesTheQueuedAcquire() throws Exception {
    List<NodeId> ids = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    for (NodeId id : ids) {
      AtomicLong clock = new AtomicLong(1_000);
      List<String> seen = new CopyOnWriteArrayList<>();
      restores.put(id, seen);
      LockListener mirror = new LockListener() {
        @Override
        public void onApplied(long index, LockCommand c, LockResult r, List<LockEvent> e) {}

        @Override
        public void onRestored(long index, SortedSet<String> resources) {
          seen.add(index + ":" + resources);
        }
      };
      LockService s = LockService.create(clock::get,
          LockServiceOptions.create().withMaintenanceInterval(Duration.ofMillis(5)), mirror);
      RaftServer server = RaftServer.builder().id(id).membership(Membership.ofVoters(ids))
          .config(FAST).tick(Duration.ofMillis(10)).logStore(log(id))
          .stateMachine(s.stateMachine()).snapshotStore(new InMemorySnapshotStore())
          .snapshotThreshold(8).seed(ids.indexOf(id)).transport(net.transport(id)).build();
      net.register(id, server::receive);
      s.bind(server);
      servers.put(id, server);
      services.put(id, s);
    }
    servers.values().forEach(RaftServer::start);
    RaftServer l = awaitLeader(null);
    HolderId a = HolderId.ownerOnly("a");
    HolderId b = HolderId.ownerOnly("b");
    get(services.get(l.id()).acquire(a, "x", LockMode.EXCLUSIVE, Duration.ZERO));
    CompletableFuture<LockGrant> bGrant = services.get(l.id())
        .acquire(b, "x", LockMode.EXCLUSIVE, null).toCompletableFuture();
    awaitTrue(() -> l.status().appliedIndex() >= l.status().lastIndex()
        && services.get(l.id()).stateMachine().waiterCount() == 1, "b queued on L");
    assertFalse(bGrant.isDone());

    net.isolate(l.id());
    RaftServer n = awaitLeader(l.id());
    LockService onN = services.get(n.id());
    retry(() -> onN.release(a, "x"));
    for (int i = 0; i < 30; i++) {
      String name = "c" + i;
      retry(() -> onN.acquire(HolderId.ownerOnly(name), name, LockMode.SHARED, Duration.ZERO));
    }
    long lLast = l.status().lastIndex();
    awaitTrue(() -> compactedTo(n) > lLast + 1, "N compacts its log past everything L holds");

    net.heal(l.id());
    LockGrant g = bGrant.get(60, TimeUnit.SECONDS);
    assertEquals(b, g.holder());
    assertEquals("x", g.resource());
    assertEquals(LockMode.EXCLUSIVE, g.mode());
    // the future completes inside the restore; the listener hears of it right after
    awaitTrue(() -> !restores.get(l.id()).isEmpty(), "L's listener hears of the restore");
    assertTrue(restores.get(l.id()).get(0).contains("x"), restores.get(l.id()).toString());
  }

  private InMemoryRaftLogStore log(NodeId id) {
    return logs.computeIfAbsent(id, k -> new InMemoryRaftLogStore());
  }

  /** N's compaction point, read on its Raft thread. */
  private long compactedTo(RaftServer s) {
    AtomicLong at = new AtomicLong();
    try {
      s.execute(() -> at.set(logs.get(s.id()).snapshotIndex())).toCompletableFuture()
          .get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return at.get();
  }

  private static <T> T get(java.util.concurrent.CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** Retries a write until the new leader took it (it may not have committed its term yet). */
  private static <T> T retry(java.util.function.Supplier<java.util.concurrent.CompletionStage<T>>
      write) throws Exception {
    Exception last = null;
    for (int attempt = 0; attempt < 200; attempt++) {
      try {
        return get(write.get());
      } catch (java.util.concurrent.ExecutionException e) {
        last = e;
        LockSupport.parkNanos(10_000_000);
      }
    }
    throw last;
  }

  private RaftServer awaitLeader(NodeId not) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (RaftServer s : servers.values()) {
        if (!s.id().equals(not) && s.status().isLeader()) {
          return s;
        }
      }
      LockSupport.parkNanos(2_000_000);
    }
    throw new AssertionError("no leader");
  }

  private static void awaitTrue(BooleanSupplier c, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      LockSupport.parkNanos(2_000_000);
    }
  }
}
