package io.synod.server.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synod.cache.CacheException;
import io.synod.cache.CacheValue;
import io.synod.cache.spi.MainMemory;
import io.synod.queue.ring.HashRing;
import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.RaftConfig;
import io.synod.raft.runtime.RaftServer;
import io.synod.raft.runtime.RaftStatus;
import io.synod.raft.spi.RaftLogStore;
import io.synod.raft.spi.SnapshotStore;
import io.synod.server.cluster.RaftGroups;
import io.synod.server.config.NodeConfig;
import io.synod.transport.http.ClientRequest;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpError;
import io.synod.transport.http.HttpRequestView;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.Json;
import io.synod.transport.http.Router;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache's main memory on embedded storage, replicated: {@code CACHE_GROUPS} Raft groups
 * {@code cache-0..} (Raft group ids from {@value #GROUP_BASE}), each a {@link RaftServer} running
 * a {@link CacheMemoryMachine} over the node's shared Raft transport. An address belongs to the
 * group the hash ring over the group names gives for it. A {@link #put} completes once its
 * command is committed and applied (held by a majority of the group, fsync'd by each with {@code
 * DATA_DIR}), so a value acknowledged by write-through, or written back by its home, survives the
 * death of that home. A {@link #get} is a linearizable read (ReadIndex, served by a follower too).
 *
 * <p>Only an address's home calls it (the {@link MainMemory} contract). Operations on one address
 * run one after the other, each after the previous completed, which keeps them in call order
 * across forwarding and retries. A put on a node that does not lead the group goes to the leader
 * over {@value #PATH}; one that fails (no leader yet, a leader change, a lost request) is tried
 * again with a new sequence number until {@link #OPERATION_BUDGET} is spent: the machine drops
 * any older attempt that commits later, so a retry never lets an old value come back. A put that
 * still fails may have applied, and says so.
 *
 * <p>Members of a group: the first three nodes of the node ring at the group's name (every node
 * in a three-node cluster); a node that is not a member forwards both reads and puts to one.
 * Storage: {@code DATA_DIR/<node>/cache-<i>/raft-log} and {@code raft-snapshots}; in memory
 * without {@code DATA_DIR} (then a group survives a node, not the whole cluster).
 */
public final class RaftMainMemory implements MainMemory, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftMainMemory.class);
  /** Raft group id of the first cache group (the lock group is 0, the queue's from 100). */
  public static final int GROUP_BASE = 200;
  /** The inbound route of forwarded reads and puts. */
  public static final String PATH = "/internal/cache/memory";
  /** How long one read or put may keep trying before it fails. */
  static final Duration OPERATION_BUDGET = Duration.ofSeconds(10);
  /** Members of each group, at most. */
  static final int REPLICAS = 3;
  /** Entries applied between two snapshots of a group. */
  static final long SNAPSHOT_THRESHOLD = 20_000;
  private static final long RETRY_FIRST_MILLIS = 20;
  private static final long RETRY_MAX_MILLIS = 500;

  private final String self;
  private final long incarnation;
  private final HttpClientPool pool;
  private final Map<String, URI> peers;
  private final ScheduledExecutorService timers;
  private final HashRing groupRing;
  private final List<Group> groups = new ArrayList<>();
  private final AtomicLong seq = new AtomicLong();
  private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
  private final AtomicLong retries = new AtomicLong();
  private volatile boolean closed;

  private record Group(int index, String name, List<String> members, RaftServer raft,
      RaftLogStore log, CacheMemoryMachine machine) {}

  /** A failure worth another try (no leader, a leader change, an unreachable peer). */
  private static final class Retry extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Retry(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Builds the groups this node is a member of and registers {@value #PATH} (nothing runs until
   * {@link #start()}).
   *
   * @param node the node's configuration
   * @param host the node's Raft groups (shared transport)
   * @param pool client pool for forwarded operations (signed like all peer traffic; not closed
   *     here)
   * @param timers timers for retries (must not be a Raft thread)
   * @param incarnation this process's incarnation (larger after every restart)
   * @param router the node's router
   */
  public RaftMainMemory(NodeConfig node, RaftGroups host, HttpClientPool pool,
      ScheduledExecutorService timers, long incarnation, Router router) {
    this.self = node.nodeId();
    this.incarnation = incarnation;
    this.pool = pool;
    this.peers = node.peers();
    this.timers = timers;
    List<String> names = new ArrayList<>();
    for (int i = 0; i < node.cacheGroups(); i++) {
      names.add("cache-" + i);
    }
    this.groupRing = HashRing.of(names);
    HashRing nodes = HashRing.of(node.peers().keySet());
    RaftConfig raftConfig = RaftConfig.builder()
        .electionTimeoutTicks(node.raftElectionTimeoutTicks())
        .heartbeatIntervalTicks(node.raftHeartbeatTicks())
        .build();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      List<String> members = List.copyOf(new TreeSet<>(
          nodes.successors(name, Math.min(REPLICAS, node.peers().size()))));
      if (!members.contains(self)) {
        groups.add(new Group(i, name, members, null, null, null));
        continue;
      }
      RaftGroups.Storage storage = host.openStorage(name);
      RaftLogStore log = storage.log();
      SnapshotStore snapshots = storage.snapshots();
      CacheMemoryMachine machine = new CacheMemoryMachine();
      List<NodeId> voters = new ArrayList<>();
      members.forEach(m -> voters.add(NodeId.of(m)));
      RaftServer raft = RaftServer.builder()
          .id(NodeId.of(self))
          .groupId(GROUP_BASE + i)
          .membership(Membership.ofVoters(voters))
          .config(raftConfig)
          .tick(Duration.ofMillis(node.raftTickMillis()))
          .logStore(log)
          .snapshotStore(snapshots)
          .snapshotThreshold(SNAPSHOT_THRESHOLD)
          .stateMachine(machine)
          .transport(host.transport())
          .build();
      host.add(raft);
      groups.add(new Group(i, name, members, raft, log, machine));
    }
    router.post(PATH, this::inbound);
  }

  /** Starts the groups' Raft threads. */
  public void start() {
    for (Group g : groups) {
      if (g.raft() != null) {
        g.raft().start();
      }
    }
  }

  private Group groupOf(String address) {
    String name = groupRing.ownerOf(address);
    return groups.get(Integer.parseInt(name.substring("cache-".length())));
  }

  // ---- MainMemory -------------------------------------------------------------------------

  @Override
  public CompletionStage<CacheValue> get(String key) {
    Group g = groupOf(key);
    return ordered(key, () -> withRetries(key, "read", () -> readOnce(g, key)))
        .thenApply(bytes -> bytes == null ? null : CacheValue.of(bytes));
  }

  @Override
  public CompletionStage<Void> put(String key, CacheValue value) {
    Group g = groupOf(key);
    byte[] bytes = value.toBytes();
    return ordered(key, () -> withRetries(key, "write", () -> putOnce(g, key, bytes)))
        .thenApply(r -> {
          if (!CacheMemoryMachine.APPLIED.equals(String.valueOf(r))) {
            // stale: the machine holds a put of a later incarnation of this node (a clock that
            // went back across a restart); never report a dropped write as done
            LOG.warn("replicated main memory did not apply the write of {}: {}", key, r);
            throw new CacheException("replicated main memory did not apply the write of " + key
                + " (" + r + "); not applied, retry", false);
          }
          return null;
        });
  }

  /** Runs {@code op} after every earlier operation on {@code key} completed. */
  private <T> CompletionStage<T> ordered(String key, Supplier<CompletionStage<T>> op) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    @SuppressWarnings("unchecked")
    CompletableFuture<Void>[] before = new CompletableFuture[1];
    tails.compute(key, (k, old) -> {
      before[0] = old;
      return mine;
    });
    CompletableFuture<Void> start =
        before[0] == null ? CompletableFuture.completedFuture(null) : before[0];
    CompletableFuture<T> out = start.thenCompose(x -> op.get()).toCompletableFuture();
    out.whenComplete((v, e) -> {
      tails.remove(key, mine);
      mine.complete(null); // the next operation on the key may start, whatever this one did
    });
    return out;
  }

  private <T> CompletionStage<T> withRetries(String key, String what,
      Supplier<CompletionStage<T>> once) {
    CompletableFuture<T> out = new CompletableFuture<>();
    attempt(key, what, once, System.nanoTime() + OPERATION_BUDGET.toNanos(), 0, out);
    return out;
  }

  private <T> void attempt(String key, String what, Supplier<CompletionStage<T>> once,
      long deadline, int tries, CompletableFuture<T> out) {
    CompletionStage<T> stage;
    try {
      stage = closed ? CompletableFuture.failedFuture(new CacheException(
          "node " + self + " is stopping; the " + what + " of " + key + " may not have applied"))
          : once.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete((v, err) -> {
      if (err == null) {
        out.complete(v);
        return;
      }
      Throwable cause = unwrap(err);
      boolean retryable = !(cause instanceof CacheException) && !closed;
      long delay = Math.min(RETRY_MAX_MILLIS, RETRY_FIRST_MILLIS << Math.min(tries, 5));
      if (retryable && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay) < deadline) {
        retries.incrementAndGet();
        try {
          timers.schedule(() -> attempt(key, what, once, deadline, tries + 1, out), delay,
              TimeUnit.MILLISECONDS);
          return;
        } catch (RejectedExecutionException stopping) {
          // fall through: fail now
        }
      }
      out.completeExceptionally(cause instanceof CacheException c ? c : new CacheException(
          "replicated main memory: the " + what + " of " + key + " did not complete within "
              + OPERATION_BUDGET.toMillis() + " ms (" + cause.getMessage() + ")"
              + (what.equals("write") ? "; it may still apply" : ""), true));
    });
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private CompletionStage<byte[]> readOnce(Group g, String key) {
    if (g.raft() != null) {
      return g.raft().linearizableRead(() -> g.machine().get(key));
    }
    ObjectNode body = request("get", g, key);
    return forward(g.members().get(0), body).thenApply(reply -> {
      JsonNode v = reply.get("value");
      try {
        return v == null || v.isNull() ? null : v.binaryValue();
      } catch (IOException e) {
        throw new Retry("bad value from " + g.members().get(0) + ": " + e.getMessage());
      }
    });
  }

  private CompletionStage<Object> putOnce(Group g, String key, byte[] value) {
    long s = seq.incrementAndGet(); // a new number per attempt: older attempts become stale
    if (g.raft() != null && g.raft().status().isLeader()) {
      return g.raft().propose(CacheMemoryMachine.put(self, incarnation, s, key, value));
    }
    String target = g.raft() != null ? leaderOf(g) : g.members().get(0);
    if (target == null) {
      return CompletableFuture.failedFuture(new Retry(g.name() + " has no leader yet"));
    }
    ObjectNode body = request("put", g, key);
    body.put("writer", self);
    body.put("incarnation", incarnation);
    body.put("seq", s);
    body.put("value", value);
    return forward(target, body).thenApply(reply -> reply.path("result").asText());
  }

  private static String leaderOf(Group g) {
    NodeId leader = g.raft().status().leader();
    return leader == null ? null : leader.value();
  }

  private static ObjectNode request(String op, Group g, String key) {
    ObjectNode body = Json.object();
    body.put("op", op);
    body.put("group", g.index());
    body.put("address", key);
    return body;
  }

  private CompletionStage<JsonNode> forward(String peer, ObjectNode body) {
    URI base = peers.get(peer);
    if (base == null || peer.equals(self)) {
      return CompletableFuture.failedFuture(new Retry("no address for " + peer));
    }
    ClientRequest req = ClientRequest.of("POST", PATH).body(Json.write(body), HttpResponse.JSON)
        .timeout(Duration.ofSeconds(5));
    return pool.send(base, req).handle((r, err) -> {
      if (err != null) {
        throw new Retry(peer + " unreachable: " + unwrap(err).getMessage());
      }
      if (r.status() == 200) {
        return Json.parse(r.body());
      }
      if (r.status() >= 500) {
        throw new Retry(peer + " answered " + r.status());
      }
      // a 4xx is this node's bug, not weather: no retry
      throw new CacheException("replicated main memory refused the request at " + peer + ": "
          + r.status() + " " + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8),
          false);
    });
  }

  // ---- inbound ----------------------------------------------------------------------------

  private CompletionStage<HttpResponse> inbound(HttpRequestView request) {
    JsonNode body;
    try {
      body = Json.parse(request.body());
    } catch (RuntimeException e) {
      throw new HttpError(400, "invalid_body", "not JSON: " + e.getMessage());
    }
    String op = body.path("op").asText("");
    int index = body.path("group").asInt(-1);
    String address = body.path("address").asText(null);
    if (index < 0 || index >= groups.size() || address == null
        || !(op.equals("get") || op.equals("put"))) {
      throw new HttpError(400, "invalid_body",
          "needs op (get|put), group (0.." + (groups.size() - 1) + ") and address");
    }
    Group g = groups.get(index);
    if (g.raft() == null) {
      return CompletableFuture.completedFuture(HttpResponse.error(503, "not_member",
          "node " + self + " is not a member of " + g.name()));
    }
    if (op.equals("get")) {
      return g.raft().linearizableRead(() -> g.machine().get(address))
          .handle((v, err) -> err != null
              ? HttpResponse.error(503, "unavailable", String.valueOf(unwrap(err).getMessage()))
              : HttpResponse.ok(valueBody(v)));
    }
    byte[] value;
    try {
      value = body.path("value").binaryValue();
    } catch (IOException e) {
      throw new HttpError(400, "invalid_body", "value must be base64: " + e.getMessage());
    }
    String writer = body.path("writer").asText(null);
    if (value == null || writer == null || !body.path("seq").canConvertToLong()
        || !body.path("incarnation").canConvertToLong()) {
      throw new HttpError(400, "invalid_body", "a put needs value, writer, incarnation, seq");
    }
    if (!g.raft().status().isLeader()) {
      return CompletableFuture.completedFuture(HttpResponse.error(503, "not_leader",
          "node " + self + " does not lead " + g.name() + "; retry at its leader"));
    }
    byte[] command = CacheMemoryMachine.put(writer, body.path("incarnation").asLong(),
        body.path("seq").asLong(), address, value);
    return g.raft().propose(command).handle((r, err) -> err != null
        ? HttpResponse.error(503, "unavailable", String.valueOf(unwrap(err).getMessage()))
        : HttpResponse.ok(Map.of("result", String.valueOf(r))));
  }

  private static Map<String, Object> valueBody(byte[] v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("value", v);
    return m;
  }

  // ---- status -----------------------------------------------------------------------------

  /** @return whether every group this node is a member of knows a leader */
  public boolean allLed() {
    for (Group g : groups) {
      if (g.raft() != null && g.raft().status().leader() == null) {
        return false;
      }
    }
    return true;
  }

  /** @return operations tried again (no leader, leader change, lost request) since start */
  public long retries() {
    return retries.get();
  }

  /**
   * The groups for {@code /v1/cluster}: name, Raft group id, members, and as this node sees it
   * the leader, term, commit and applied index and the addresses held.
   *
   * @return one map per group
   */
  public List<Map<String, Object>> describe() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Group g : groups) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", g.name());
      m.put("service", "cache");
      m.put("raft_group", GROUP_BASE + g.index());
      m.put("members", g.members());
      if (g.raft() != null) {
        RaftStatus s = g.raft().status();
        m.put("leader", s.leader() == null ? null : s.leader().value());
        m.put("role", s.role().name().toLowerCase(java.util.Locale.ROOT));
        m.put("term", s.term());
        m.put("commit_index", s.commitIndex());
        m.put("applied_index", s.appliedIndex());
      }
      out.add(m);
    }
    return out;
  }

  @Override
  public void close() {
    closed = true;
    for (Group g : groups) {
      if (g.raft() == null) {
        continue;
      }
      g.raft().close();
      try {
        g.log().close();
      } catch (Exception e) {
        LOG.warn("closing the log of {} on {} failed", g.name(), self, e);
      }
    }
  }
}
