package io.synod.transport.http.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.RaftConfig;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.spi.StateMachine;
import io.synod.raft.storage.InMemoryRaftLogStore;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpServer;
import io.synod.transport.http.Router;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Three Raft nodes in one JVM talking over real loopback HTTP through HttpRaftTransport. */
class HttpRaftClusterIT {
  private static final RaftConfig CONFIG =
      RaftConfig.builder().electionTimeoutTicks(20).heartbeatIntervalTicks(3).build();
  private static final Duration TICK = Duration.ofMillis(10);

  /** Records applied commands in order. */
  static final class Recorder implements StateMachine {
    final List<String> applied = new ArrayList<>();

    @Override
    public synchronized Object apply(long index, byte[] command) {
      applied.add(new String(command, StandardCharsets.UTF_8));
      return index;
    }

    synchronized List<String> snapshotOfApplied() {
      return new ArrayList<>(applied);
    }

    @Override
    public synchronized SnapshotWriter snapshot() {
      List<String> copy = new ArrayList<>(applied);
      return out -> {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(copy.size());
        for (String s : copy) {
          d.writeUTF(s);
        }
      };
    }

    @Override
    public synchronized void restore(InputStream in) throws IOException {
      DataInputStream d = new DataInputStream(in);
      applied.clear();
      int n = d.readInt();
      for (int i = 0; i < n; i++) {
        applied.add(d.readUTF());
      }
    }
  }

  /** One node: its HTTP server, client pool, transport, Raft server and state machine. */
  static final class Node {
    final NodeId id;
    final HttpServer http;
    final AtomicReference<RaftServer> raft = new AtomicReference<>();
    final Recorder machine = new Recorder();
    HttpClientPool pool;
    HttpRaftTransport transport;

    Node(NodeId id, EventLoops loops) {
      this.id = id;
      Router router = new Router();
      HttpRaftTransport.register(router, m -> {
        RaftServer s = raft.get();
        if (s != null) {
          s.receive(m);
        }
      });
      http = HttpServer.builder(router).host("127.0.0.1").port(0).eventLoops(loops)
          .name(id.value()).build().start();
    }

    void close() {
      RaftServer s = raft.get();
      if (s != null) {
        s.close();
      }
      if (transport != null) {
        transport.close();
      }
      http.closeAsync(Duration.ofMillis(200)).toCompletableFuture().join();
      if (pool != null) {
        pool.close();
      }
    }
  }

  private EventLoops loops;
  private final Map<NodeId, Node> nodes = new TreeMap<>();

  private void startCluster(int size) {
    loops = EventLoops.create("raft-it", 2);
    List<NodeId> ids = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      NodeId id = NodeId.of("node" + i);
      ids.add(id);
      nodes.put(id, new Node(id, loops));
    }
    Membership membership = Membership.ofVoters(ids);
    for (Node n : nodes.values()) {
      Map<NodeId, URI> peers = new TreeMap<>();
      for (Node other : nodes.values()) {
        if (!other.id.equals(n.id)) {
          peers.put(other.id, URI.create("http://127.0.0.1:" + other.http.port()));
        }
      }
      n.pool = HttpClientPool.create(loops, HttpRaftTransport.recommendedClientOptions());
      n.transport = new HttpRaftTransport(n.pool, peers, HttpRaftTransport.Options.create());
      n.raft.set(RaftServer.builder().id(n.id).membership(membership).config(CONFIG).tick(TICK)
          .logStore(new InMemoryRaftLogStore()).stateMachine(n.machine)
          .transport(n.transport).build());
    }
    for (Node n : nodes.values()) {
      n.raft.get().start();
    }
  }

  @AfterEach
  void stop() {
    for (Node n : nodes.values()) {
      n.close();
    }
    nodes.clear();
    if (loops != null) {
      loops.close();
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    // A generous bound: this machine is shared, and this is a liveness check, not a timing one.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private Optional<Node> leader() {
    Node best = null;
    for (Node n : nodes.values()) {
      RaftServer s = n.raft.get();
      if (s != null && s.status().isLeader()
          && (best == null || s.status().term() > best.raft.get().status().term())) {
        best = n;
      }
    }
    return Optional.ofNullable(best);
  }

  private static List<Long> proposeAll(Node leader, String prefix, int count) throws Exception {
    List<CompletableFuture<Object>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      futures.add(leader.raft.get().propose((prefix + i).getBytes(StandardCharsets.UTF_8))
          .toCompletableFuture());
    }
    List<Long> indexes = new ArrayList<>();
    for (CompletableFuture<Object> f : futures) {
      indexes.add((Long) f.get(60, TimeUnit.SECONDS));
    }
    return indexes;
  }

  @Test
  void electsALeaderAndCommitsProposalsOnEveryNode() throws Exception {
    startCluster(3);
    await("a leader", () -> leader().isPresent());
    Node leader = leader().orElseThrow();
    List<Long> indexes = proposeAll(leader, "cmd-", 300);
    for (int i = 1; i < indexes.size(); i++) {
      assertTrue(indexes.get(i) > indexes.get(i - 1), "indexes increase: " + indexes);
    }
    long commit = leader.raft.get().status().commitIndex();
    for (Node n : nodes.values()) {
      await(n.id + " applied everything", () -> n.raft.get().status().appliedIndex() >= commit);
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      expected.add("cmd-" + i);
    }
    for (Node n : nodes.values()) {
      assertEquals(expected, n.machine.snapshotOfApplied(), n.id + " applied the same sequence");
    }
    assertTrue(leader.transport.sentMessages().values().stream().allMatch(c -> c > 0));
  }

  @Test
  void aNewLeaderTakesOverWhenTheLeaderGoesDownAndCommitsContinue() throws Exception {
    startCluster(3);
    await("a leader", () -> leader().isPresent());
    Node first = leader().orElseThrow();
    // the term of first's leadership, read before anything else can move it on
    long firstTerm = first.raft.get().status().term();
    int firstPort = first.http.port();
    proposeAll(first, "before-", 50);

    // The leader's process "dies": its Raft server stops and its port closes.
    first.close();
    nodes.remove(first.id);

    await("a new leader", () -> leader().isPresent());
    Node second = leader().orElseThrow();
    assertNotEquals(first.id, second.id);
    assertTrue(second.raft.get().status().term() > firstTerm);
    proposeAll(second, "after-", 50);
    long commit = second.raft.get().status().commitIndex();
    for (Node n : nodes.values()) {
      await(n.id + " applied everything", () -> n.raft.get().status().appliedIndex() >= commit);
      List<String> applied = n.machine.snapshotOfApplied();
      assertTrue(applied.contains("before-49") && applied.contains("after-49"), n.id + "");
    }
    // The survivors count the messages they could not deliver to the dead node.
    assertTrue(second.transport.droppedMessages() > 0);
    assertTrue(!second.pool.isReachable("127.0.0.1", firstPort));
  }
}
