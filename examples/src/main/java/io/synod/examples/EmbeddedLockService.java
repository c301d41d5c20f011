package io.synod.examples;

import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.RaftConfig;
import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockGrant;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockResult;
import io.synod.raft.lock.runtime.LockService;
import io.synod.raft.lock.runtime.LockServiceOptions;
import io.synod.raft.runtime.LocalRaftCluster;
import io.synod.raft.runtime.RaftServer;
import java.time.Duration;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A three-node Raft lock service inside one application, on raft-core's in-memory transport
 * ({@link LocalRaftCluster}): elect a leader, take an exclusive lock under a session, watch a
 * second owner be refused and then wait in the resource's FIFO queue, release, and see the waiter
 * granted with a higher fencing token.
 *
 * <p>Run: {@code mvn -q -pl examples -am exec:java
 * -Dexec.mainClass=io.synod.examples.EmbeddedLockService}
 */
public final class EmbeddedLockService {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedLockService.class);
  private static final String RESOURCE = "orders";

  /**
   * What happened, for the reader and for the test.
   *
   * @param leader the elected leader
   * @param followerRefusalNamedLeader whether a follower refused a write and named the leader
   * @param aliceToken the fencing token of alice's grant
   * @param bobRefusedWhileHeld whether bob's try-lock came back empty while alice held the lock
   * @param bobGrantedBeforeRelease whether bob's queued acquire completed before alice released
   * @param bobToken the fencing token of bob's grant after alice released
   * @param holderOnEveryReplica the holder each replica's state machine shows at the end, or
   *     null when they disagree
   */
  public record Result(
      String leader, boolean followerRefusalNamedLeader, long aliceToken,
      boolean bobRefusedWhileHeld, boolean bobGrantedBeforeRelease, long bobToken,
      String holderOnEveryReplica) {}

  private EmbeddedLockService() {}

  /**
   * Runs the example.
   *
   * @param args unused
   * @throws Exception when a step fails
   */
  public static void main(String[] args) throws Exception {
    Result r = run(Duration.ofSeconds(30));
    LOG.info("result: {}", r);
  }

  /**
   * Starts the cluster, plays the scenario, stops the cluster.
   *
   * @param timeout bound on each wait (election, each command)
   * @return what happened
   * @throws Exception when a step fails or times out
   */
  public static Result run(Duration timeout) throws Exception {
    RaftConfig config = RaftConfig.builder().electionTimeoutTicks(10).heartbeatIntervalTicks(2)
        .build();
    TreeMap<NodeId, LockService> services = new TreeMap<>();
    // each node stamps its commands with its own clock; replicas apply the stamps they are given
    LocalRaftCluster cluster = LocalRaftCluster.start(3, config, Duration.ofMillis(10), id -> {
      LockService s = LockService.create(System::currentTimeMillis, LockServiceOptions.create(),
          LockListener.NONE);
      services.put(id, s);
      return s.stateMachine();
    });
    try {
      services.forEach((id, s) -> s.bind(cluster.server(id)));
      RaftServer leaderServer = cluster.awaitLeader(timeout);
      NodeId leaderId = leaderServer.id();
      LockService leader = services.get(leaderId);
      LOG.info("{} leads term {}", leaderId, leaderServer.status().term());

      // writes go through the leader; a follower says who leads, so a caller can redirect
      NodeId follower = services.keySet().stream().filter(id -> !id.equals(leaderId))
          .findFirst().orElseThrow();
      boolean namedLeader = false;
      try {
        await(services.get(follower).tryAcquire(HolderId.ownerOnly("x"), RESOURCE,
            LockMode.SHARED), timeout);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof NotLeaderException nle) {
          namedLeader = nle.leader().map(leaderId::equals).orElse(false);
          LOG.info("{} refused the write: {}", follower, nle.getMessage());
        }
      }

      // alice holds the lock under a session, kept alive by the application
      LockResult.SessionOpened session = await(leader.openSession(Duration.ofSeconds(30)), timeout);
      HolderId alice = new HolderId(session.sessionId(), "alice");
      LockGrant a = await(leader.acquire(alice, session.sessionToken(), RESOURCE,
          LockMode.EXCLUSIVE, Duration.ZERO),
          timeout);
      LOG.info("alice holds '{}' with fencing token {} (log index {})", RESOURCE,
          a.fencingToken(), a.index());

      // bob is refused at once by a try-lock...
      HolderId bob = HolderId.ownerOnly("bob");
      Optional<LockGrant> tried = await(leader.tryAcquire(bob, RESOURCE, LockMode.EXCLUSIVE),
          timeout);
      LOG.info("bob's try-lock while alice holds it: {}", tried.isPresent() ? "granted" : "busy");

      // ...then waits in the resource's FIFO queue, which is replicated state
      CompletionStage<LockGrant> bobWaits = leader.acquire(bob, RESOURCE, LockMode.EXCLUSIVE,
          timeout);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (await(leader.state(RESOURCE), timeout).waiters().isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException("bob's request never reached the queue");
        }
        Thread.onSpinWait();
      }
      boolean grantedEarly = bobWaits.toCompletableFuture().isDone();
      LOG.info("bob waits behind alice");

      await(leader.release(alice, session.sessionToken(), RESOURCE), timeout);
      LockGrant b = await(bobWaits, timeout);
      LOG.info("alice released; bob holds '{}' with fencing token {} (> {})", RESOURCE,
          b.fencingToken(), a.fencingToken());

      // every replica applied the same log: read each one's state machine once it has caught up
      String agreed = null;
      deadline = System.nanoTime() + timeout.toNanos();
      while (agreed == null && System.nanoTime() < deadline) {
        agreed = agreedHolder(cluster, services, timeout);
        Thread.onSpinWait();
      }

      await(leader.release(bob, RESOURCE), timeout);
      await(leader.closeSession(session.sessionId(), session.sessionToken()), timeout);
      return new Result(leaderId.toString(), namedLeader, a.fencingToken(), tried.isEmpty(),
          grantedEarly, b.fencingToken(), agreed);
    } finally {
      services.values().forEach(LockService::close);
      cluster.close();
    }
  }

  /** The one holder every replica shows, or null while they differ. */
  private static String agreedHolder(LocalRaftCluster cluster,
      TreeMap<NodeId, LockService> services, Duration timeout) throws Exception {
    String seen = null;
    for (NodeId id : services.keySet()) {
      AtomicReference<String> holder = new AtomicReference<>();
      // a state machine belongs to its Raft thread: read it there
      await(cluster.server(id).execute(() -> {
        var holders = services.get(id).stateMachine().view(RESOURCE).holders();
        holder.set(holders.size() == 1 ? holders.get(0).holder().owner() : "");
      }), timeout);
      if (holder.get().isEmpty() || seen != null && !seen.equals(holder.get())) {
        return null;
      }
      seen = holder.get();
    }
    return seen;
  }

  private static <T> T await(CompletionStage<T> s, Duration timeout) throws Exception {
    try {
      return s.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (CompletionException e) {
      throw new ExecutionException(e.getCause());
    }
  }
}
