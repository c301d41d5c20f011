package io.synod.server;

import io.synod.server.api.ApiAccess;
import io.synod.server.api.NodeMetrics;
import io.synod.server.api.PublicApi;
import io.synod.server.cluster.ClusterView;
import io.synod.server.cluster.RaftGroups;
import io.synod.server.cluster.PeerClient;
import io.synod.server.config.NodeConfig;
import io.synod.server.lock.RaftLocks;
import io.synod.server.redis.RedisConnector;
import io.synod.server.redis.RedisLockMirror;
import io.synod.raft.lock.LockListener;
import io.synod.transport.http.EventLoops;
import io.synod.cache.CacheConfig;
import io.synod.cache.WritePolicy;
import io.synod.cache.store.PolicyKind;
import io.synod.queue.ring.HashRing;
import io.synod.server.cache.RaftMainMemory;
import io.synod.server.redis.RedisMainMemory;
import io.synod.server.service.CoherentCache;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.cache.HttpCacheTransport;
import io.synod.server.config.Role;
import io.synod.server.queue.NodeQueue;
import io.synod.transport.http.HttpServer;
import io.synod.transport.http.Json;
import io.synod.transport.http.Router;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Synod node: its replica of the Raft lock group ({@link RaftLocks}), the topics and
 * the cache lines it serves, its view of the cluster (heartbeats, failure detection, rings), the
 * HTTP API and the metrics. With {@code REDIS_URL} set, every applied lock change is mirrored into
 * Redis ({@link RedisLockMirror}).
 *
 * <p>Lifecycle: {@link #start()} binds the HTTP port and starts heartbeats; {@link #close()} stops
 * taking requests, lets in-flight ones finish within {@code SHUTDOWN_TIMEOUT_MILLIS}, flushes the
 * cache and stops the background work. Both must be called from a thread that may block.
 */
public final class SynodNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SynodNode.class);

  /** Set once the timers and Raft groups are stopped ({@link #stopTimersAndRaft()}). */
  private final java.util.concurrent.atomic.AtomicBoolean quiesced =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final NodeConfig config;
  private final LongSupplier clock = System::currentTimeMillis;
  private final SystemClock wallClock = new SystemClock();
  private final EventLoops loops;
  private final Router router = new Router();
  private final RedisConnector redis;
  private final RedisLockMirror lockMirror;
  private final RaftGroups raftGroups;
  private final RaftLocks locks;
  private final NodeQueue queue;
  /** How long a cache operation may wait for the protocol's replies before it fails (503). */
  static final long CACHE_OPERATION_TIMEOUT_MILLIS = 5_000;

  /**
   * The cache's home nodes: a ring over every configured peer, fixed for the life of the
   * cluster. A home keeps the directory of its addresses; moving homes with live membership would
   * leave lines granted by the old home unknown to the new one (the mesi-cache protocol does not
   * migrate directories), so the ring never changes and a down home's addresses answer 503 until
   * it is back. See docs/ARCHITECTURE.md, "Cache".
   */
  private final HashRing cacheHomes;
  private final HttpClientPool cachePool;
  private final CoherentCache cache;
  /** The cache's replicated main memory on embedded storage; null with Redis. */
  private final RaftMainMemory cacheMemory;
  private final ClusterView cluster;
  private final NodeMetrics metrics;
  private final ScheduledExecutorService scheduler;
  private final ScheduledExecutorService queueTimers;
  private final PeerClient peers;
  private final PublicApi api;
  private final ApiAccess access;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final java.util.Set<String> membershipProposals =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean redisUp;
  private HttpServer server;

  /**
   * Builds a node (nothing runs until {@link #start()}).
   *
   * @param config its configuration
   */
  public SynodNode(NodeConfig config) {
    this.config = config;
    this.loops = EventLoops.create("synod-" + config.nodeId(), 2);
    this.redis = config.redisUrl() == null ? null : RedisConnector.connect(
        config.redisUrl().toString());
    this.lockMirror = redis == null ? null : new RedisLockMirror(redis, "synod-" + config.nodeId());
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "synod-" + config.nodeId() + "-timer"));
    this.raftGroups = new RaftGroups(config, loops, router);
    this.locks = new RaftLocks(config, wallClock, raftGroups,
        lockMirror == null ? LockListener.NONE : lockMirror, this::onTimer);
    if (lockMirror != null) {
      lockMirror.attach(locks.machine());
    }
    this.cacheHomes = HashRing.of(config.peers().keySet());
    this.cachePool = HttpClientPool.create(loops,
        config.peerClientOptions(HttpCacheTransport.recommendedClientOptions()));
    long cacheIncarnation = System.currentTimeMillis();
    // embedded: main memory replicated in Raft groups (cache-0.., ids 200..), so an address's
    // value outlives its home; with Redis it stays cache:<address>
    this.cacheMemory = redis == null ? new RaftMainMemory(config, raftGroups, cachePool,
        scheduler, cacheIncarnation, router) : null;
    this.cache = CoherentCache.start(config.nodeId(), cacheConfig(config, cacheIncarnation),
        cacheHomes::ownerOf, cachePool, otherPeers(config),
        redis == null ? cacheMemory : new RedisMainMemory(redis),
        Duration.ofMillis(CACHE_OPERATION_TIMEOUT_MILLIS));
    cache.register(router);
    this.cluster =
        new ClusterView(
            config.nodeId(), config.roles(), config.peers(), clock,
            config.failureTimeoutMillis());
    this.metrics = new NodeMetrics(config.nodeId());
    this.peers =
        new PeerClient(
            config.nodeId(), Duration.ofMillis(Math.max(1000, config.failureTimeoutMillis())),
            loops, config::peerClientOptions);
    this.redisUp = config.redisUrl() == null;
    this.queueTimers =
        Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "synod-" + config.nodeId() + "-queue"));
    this.queue = new NodeQueue(config, wallClock::millis, loops, router, queueTimers, redis,
        raftGroups, queueMembers());
    // The ring follows the replicated member table (down/up entries in the Raft log), so every
    // node switches rings at the same log index; a change of a member's roles (learned from its
    // heartbeats) also rebuilds it. Rebuilt on the timer thread, in the order changes happened.
    locks.members().subscribe((up, index) -> queue.members(queueMembers()));
    // the cache's directories forget a member the log says is down (its lines are gone) and
    // welcome it back empty when it returns
    locks.members().subscribe((up, index) -> onTimer(this::cacheMembers));
    cluster.onChange(() -> onTimer(() -> queue.members(queueMembers())));
    this.api =
        new PublicApi(
            config, cluster, peers, locks, queue, cache, cacheHomes, metrics,
            () -> config.redisUrl() == null || redisUp, loops.group());
    this.access = new ApiAccess(config.apiKeys());
    registerGauges();
  }

  private static CacheConfig cacheConfig(NodeConfig config, long incarnation) {
    return CacheConfig.builder()
        .capacity(config.cacheCapacity())
        .policy(PolicyKind.parse(config.cachePolicy()))
        .writePolicy(config.cacheWritePolicy().equals("write-through")
            ? WritePolicy.WRITE_THROUGH : WritePolicy.WRITE_BACK)
        // transaction ids and the incarnation must differ between incarnations of this node
        .firstTxn(incarnation << 20)
        .incarnation(incarnation)
        .members(config.peers().keySet())
        .build();
  }

  private static Map<String, URI> otherPeers(NodeConfig config) {
    Map<String, URI> out = new java.util.LinkedHashMap<>(config.peers());
    out.remove(config.nodeId());
    return out;
  }

  /**
   * Tells the cache which peers are up: up in the Raft log and answering heartbeats. The cache
   * takes back only peers it had dropped (see {@link CoherentCache#nodeUp}), so this runs on
   * every membership change and every heartbeat round.
   */
  private void cacheMembers() {
    java.util.SortedSet<String> up = locks.members().members();
    if (!up.contains(config.nodeId())) {
      cache.selfDown(); // declared down by the log: revalidate every line before serving it
    }
    for (String peer : cluster.others()) {
      if (up.contains(peer) && cluster.isUp(peer)) {
        cache.nodeUp(peer, config.peers().get(peer));
      } else if (!up.contains(peer)) {
        cache.nodeDown(peer);
      }
    }
  }

  /** Runs a task on the timer thread unless the node is stopping. */
  private void onTimer(Runnable task) {
    try {
      scheduler.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // the node is shutting down: nothing left to keep up to date
    }
  }

  /** The queue ring's members: up according to the Raft log, and running the queue role. */
  private List<String> queueMembers() {
    List<String> out = new java.util.ArrayList<>(cluster.withRole(Role.QUEUE));
    out.retainAll(locks.members().members());
    return out;
  }

  /**
   * Leader duty, on every heartbeat round: turns what the failure detector sees into replicated
   * entries, one proposal in flight per member, so the whole cluster changes its ring at one
   * log index. Followers do nothing: a minority cannot change the ring.
   */
  private void reconcileMembers() {
    if (!locks.isLeader()) {
      return;
    }
    java.util.SortedSet<String> down = locks.members().downMembers();
    for (String id : config.peers().keySet()) {
      boolean seenUp = id.equals(config.nodeId()) || cluster.isUp(id);
      boolean logUp = !down.contains(id);
      if (seenUp == logUp || !membershipProposals.add(id)) {
        continue;
      }
      byte[] entry = seenUp
          ? io.synod.server.cluster.ReplicatedMembers.up(id)
          : io.synod.server.cluster.ReplicatedMembers.down(id);
      locks.raft().propose(entry).whenComplete((r, e) -> membershipProposals.remove(id));
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private void registerGauges() {
    metrics.gauge("cluster_term", "the lock group's current Raft term", () -> locks.status().term());
    if (config.clusterAuth() != null) {
      metrics.counter("security_peer_auth_refused",
          "internal requests refused for a missing, wrong or stale peer signature",
          config.clusterAuth()::refusedCount);
    }
    metrics.counter("security_api_key_refused", "client requests refused without a valid API key",
        access::unauthenticatedCount);
    metrics.counter("security_api_key_forbidden",
        "client requests refused because their key's level does not allow them",
        access::forbiddenCount);
    metrics.counter("cluster_elections", "elections this node has started", locks::elections);
    metrics.gauge("cluster_members_up", "members this node sees up", cluster::upCount);
    metrics.gauge("cluster_view_version", "version of this node's membership view",
        cluster::version);
    metrics.gauge("cluster_is_leader", "1 while this node leads the lock group",
        () -> locks.isLeader() ? 1 : 0);
    metrics.gauge("raft_commit_index", "the lock group's commit index at this node",
        () -> locks.status().commitIndex());
    metrics.gauge("raft_applied_index", "the lock group's last applied index at this node",
        () -> locks.status().appliedIndex());
    metrics.gauge("raft_last_index", "the lock group's last log index at this node",
        () -> locks.status().lastIndex());
    metrics.counter("raft_dropped_messages", "Raft messages dropped by a full outbox",
        locks::droppedMessages);
    metrics.gauge("lock_last_fencing_token", "the highest fencing token granted",
        () -> locks.machine().lastFencingToken());
    if (lockMirror != null) {
      metrics.counter("lock_mirror_written", "lock changes written to the Redis mirror",
          lockMirror::written);
      metrics.gauge("lock_mirror_backlog", "lock changes waiting for the Redis mirror",
          lockMirror::backlog);
    }
    metrics.counter("queue_published", "messages published through this node",
        api::publishedCount);
    metrics.counter("queue_delivered", "messages delivered to consumers through this node",
        api::deliveredCount);
    metrics.counter("queue_acked", "messages acknowledged through this node", api::ackedCount);
    metrics.gauge("queue_ring_epoch", "the queue ring's epoch (a log index)",
        () -> queue.ring().epoch());
    metrics.counter("queue_groups_recreated", "consumer groups recreated after Redis lost them",
        () -> queue.node().groupsRecreated());
    metrics.gauge("queue_ring_members", "nodes on the queue ring", () -> queue.ring().nodes().size());
    Map<String, String> cacheCounts = new java.util.LinkedHashMap<>();
    cacheCounts.put("hits", "cache reads answered from a valid local copy");
    cacheCounts.put("misses", "cache reads that needed the protocol");
    cacheCounts.put("write_backs", "dirty lines written back to main memory");
    cacheCounts.put("evictions", "lines evicted by LRU replacement");
    cacheCounts.put("invalidations_sent", "invalidations this node sent");
    cacheCounts.put("invalidations_received", "invalidations this node received");
    cacheCounts.put("upgrades", "shared lines upgraded to modified");
    cacheCounts.put("forwarded_requests", "coherence requests forwarded to a line's holder");
    cacheCounts.put("messages_sent", "coherence messages this node sent");
    cacheCounts.put("invariant_failures",
        "broken protocol invariants (the key's line was dropped and is fetched again)");
    cacheCounts.forEach((k, text) -> metrics.counter("cache_" + k, text,
        () -> ((Number) cache.stats().get(k)).longValue()));
    metrics.gauge("cache_lines", "lines this node's cache holds",
        () -> (Number) cache.stats().get("lines"));
    metrics.gauge("cache_hit_ratio", "hits over reads since the node started",
        () -> (Number) cache.stats().get("hit_ratio"));
    metrics.gauge("cache_protocol_latency_mean_seconds", "mean time of a coherence transaction",
        () -> {
          Number ms = (Number) cache.stats().get("protocol_latency_mean_ms");
          return ms == null ? null : ms.doubleValue() / 1e3;
        });
    Map<String, String> states = Map.of("m", "modified", "e", "exclusive", "s", "shared");
    states.forEach((state, name) -> metrics.gauge("cache_lines_" + name,
        "lines this node holds in state " + name.toUpperCase(java.util.Locale.ROOT), () -> {
          @SuppressWarnings("unchecked")
          Map<String, Long> m = (Map<String, Long>) cache.stats().get("lines_by_state");
          return m.getOrDefault(state, 0L);
        }));
  }

  /**
   * Binds the HTTP port and starts the Raft replica and heartbeats.
   *
   * @return this node
   * @throws IllegalStateException when the port cannot be bound
   */
  public synchronized SynodNode start() {
    api.register(router);
    HttpServer.Builder builder = HttpServer.builder(router);
    if (config.clusterAuth() != null) {
      // before anything decodes a body: a forged Raft, cache, queue or heartbeat request is
      // refused with 401 here
      builder.filter(config.clusterAuth().internalRoutesFilter());
    } else if (config.peersUnauthenticated()) {
      LOG.warn("*** INSECURE: node {} runs with {} members and no CLUSTER_SECRET: anyone who can"
          + " reach port {} can forge Raft, cache, queue and heartbeat traffic. Set"
          + " CLUSTER_SECRET (docs/SECURITY.md). ***", config.nodeId(), config.peers().size(),
          config.httpPort());
    }
    builder.filter(access);
    server =
        builder
            .eventLoops(loops)
            .host(config.httpHost())
            .port(config.httpPort())
            .maxBodyBytes(config.maxBodyBytes())
            .maxInternalBodyBytes(Math.max(config.maxInternalBodyBytes(), config.maxBodyBytes()))
            .maxUrlBytes(config.maxUrlBytes())
            .maxHeaderBytes(config.maxHeaderBytes())
            .maxHeaderCount(config.maxHeaderCount())
            .requestTimeout(Duration.ofMillis(config.requestTimeoutMillis()))
            .idleTimeout(Duration.ofMillis(config.idleTimeoutMillis()))
            .maxInFlightRequests(config.maxInFlightRequests())
            .sslContext(config.serverTls())
            .name("synod-" + config.nodeId())
            .build()
            .start();
    locks.start();
    queue.start();
    if (cacheMemory != null) {
      cacheMemory.start();
    }
    long hb = config.heartbeatIntervalMillis();
    scheduler.scheduleWithFixedDelay(this::heartbeat, 0, hb, TimeUnit.MILLISECONDS);
    if (config.redisUrl() != null) {
      scheduler.scheduleWithFixedDelay(this::pingRedis, 0, 1, TimeUnit.SECONDS);
    }
    LOG.info(
        "node {} serving {} on port {} (members {}, storage {})",
        config.nodeId(), config.roles(), server.port(), config.peers().keySet(),
        config.redisUrl() == null ? "embedded" : config.redisUrl());
    return this;
  }

  private void heartbeat() {
    try {
      byte[] body = Json.write(api.heartbeatBody());
      for (String peer : cluster.others()) {
        URI url = cluster.url(peer);
        if (url == null) {
          continue;
        }
        peers.post(peer, url.resolve("/internal/heartbeat"), body)
            .thenAccept(r -> {
              if (r.status() == 200) {
                cluster.heard(peer, null);
              }
            })
            .exceptionally(e -> null);
      }
      cluster.check();
      reconcileMembers();
      if (queue.groups() != null) {
        queue.groups().balance(peer -> peer.equals(config.nodeId()) || cluster.isUp(peer));
      }
      // the cache transport drops a peer when a coherence batch cannot reach it (the protocol
      // never resends); once it answers heartbeats again and the log has it up, it is taken back
      cacheMembers();
    } catch (RuntimeException e) {
      LOG.warn("heartbeat round failed", e);
    }
  }

  private void pingRedis() {
    URI u = config.redisUrl();
    boolean up;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort()), 1000);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64];
      int n = in.read(buf);
      String reply = n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
      // +PONG, or -NOAUTH when a password is needed: either way Redis answers
      up = reply.startsWith("+PONG") || reply.startsWith("-NOAUTH");
    } catch (java.io.IOException e) {
      up = false;
    }
    if (up != redisUp) {
      LOG.info("Redis at {} {}", u, up ? "answers" : "does not answer");
    }
    redisUp = up;
  }

  /**
   * Writes this node's Modified cache lines back to main memory (through their homes), for a
   * shutdown of several nodes at once: flushing every node while all are up avoids write-backs
   * that wait for a home already gone.
   *
   * @return completes when every Modified line is written back
   */
  public CompletionStage<Void> flushCache() {
    return cache.flush();
  }

  /** @return the bound HTTP port */
  public int port() {
    return server.port();
  }

  /** @return this node's configuration */
  public NodeConfig config() {
    return config;
  }

  /** @return this node's view of the cluster */
  public ClusterView cluster() {
    return cluster;
  }

  /** @return the API (its route list is used by the documentation test) */
  public PublicApi api() {
    return api;
  }

  /**
   * Waits until this node knows a lock leader (itself or another member) and, on embedded
   * storage, a leader of every queue group it is a member of.
   *
   * @param timeout the longest wait
   * @return whether the leaders are known
   */
  public boolean awaitLockLeader(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while ((!locks.isLeader() && locks.leader() == null)
        || (queue.groups() != null && !queue.groups().allLed())
        || (cacheMemory != null && !cacheMemory.allLed())) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * Stops at once, as a crash would look to the other members: no leadership hand-over and no
   * grace for requests in flight (tests and chaos runs). Idempotent with {@link #close()}.
   */
  public void kill() {
    stop(false);
  }

  /** @return this node's lock service (its Raft replica) */
  public RaftLocks locks() {
    return locks;
  }

  /**
   * Shuts down gracefully: hands Raft leadership to another member when this node leads, stops
   * accepting, finishes in-flight requests within the shutdown timeout, flushes Modified cache
   * lines, stops Raft, heartbeats and the Redis mirror. Idempotent.
   */
  @Override
  public void close() {
    stop(true);
  }

  /**
   * Stops several nodes of one cluster at once, as {@code synod dev} does on Ctrl-C: quickly and
   * quietly. Leadership is not handed over (every member is going), and every node's timers and
   * Raft groups stop before any node's HTTP server closes, so no node reports a peer down or
   * unreachable while the others stop. Every cache is written back first, while every home is
   * still up; then each server is drained as {@link #close()} does; the nodes stop in parallel.
   *
   * @param nodes nodes of one cluster, all stopping now
   */
  public static void stopTogether(java.util.Collection<SynodNode> nodes) {
    java.util.List<SynodNode> all = java.util.List.copyOf(nodes);
    // write Modified lines back while every home is still up
    inParallel(all, n -> {
      try {
        n.cache.flush().toCompletableFuture()
            .get(n.config.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("cache flush of {} did not finish: {}", n.config.nodeId(), e.toString());
      }
    });
    inParallel(all, SynodNode::quiesce);
    inParallel(all, n -> n.stop(true));
  }

  private static void inParallel(java.util.List<SynodNode> nodes,
      java.util.function.Consumer<SynodNode> step) {
    java.util.concurrent.CompletableFuture.allOf(nodes.stream()
            .map(n -> java.util.concurrent.CompletableFuture.runAsync(() -> step.accept(n)))
            .toArray(java.util.concurrent.CompletableFuture[]::new))
        .exceptionally(e -> {
          LOG.warn("stopping the nodes: {}", e.toString());
          return null;
        }).join();
  }

  /** Stops heartbeats, failure detection and Raft; the HTTP server keeps answering. */
  private void quiesce() {
    if (!closed.get()) {
      stopTimersAndRaft();
    }
  }

  /** Stops the timers and every Raft group of this node, once (whole-cluster stop or close). */
  private void stopTimersAndRaft() {
    if (!quiesced.compareAndSet(false, true)) {
      return;
    }
    scheduler.shutdownNow();
    if (cacheMemory != null) {
      cacheMemory.close();
    }
    queueTimers.shutdownNow();
    locks.close();
    queue.close();
    raftGroups.close();
  }

  private void stop(boolean graceful) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    LOG.info("node {} shutting down", config.nodeId());
    if (graceful && !quiesced.get() && server != null && config.peers().size() > 1) {
      // hand over first so lock requests in flight here still commit under the new leader's
      // watch instead of waiting out an election timeout
      locks.transferLeadershipIfLeader(
          Duration.ofMillis(Math.max(500, config.shutdownTimeoutMillis() / 2)),
          cluster.up(Role.LOCK));
      if (queue.groups() != null) {
        queue.groups().transferAll(
            Duration.ofMillis(Math.max(500, config.shutdownTimeoutMillis() / 4)), cluster::isUp);
      }
    }
    HttpServer s;
    synchronized (this) {
      s = server;
    }
    if (s != null) {
      s.closeAsync(Duration.ofMillis(graceful ? config.shutdownTimeoutMillis() : 0))
          .toCompletableFuture().join();
    }
    try {
      // write Modified lines back before the node goes (write-back policy)
      cache.flush().toCompletableFuture()
          .get(graceful ? config.shutdownTimeoutMillis() : 1, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("cache flush did not finish: {}", e.toString());
    }
    cache.close();
    stopTimersAndRaft();
    if (lockMirror != null) {
      lockMirror.close();
    }
    if (redis != null) {
      redis.close();
    }
    peers.close();
    cachePool.close();
    loops.close();
    LOG.info("node {} stopped", config.nodeId());
  }
}
