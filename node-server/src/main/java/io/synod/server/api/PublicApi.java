package io.synod.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.synod.server.cluster.ClusterView;
import io.synod.server.cluster.PeerClient;
import io.synod.server.config.NodeConfig;
import io.synod.server.config.Role;
import io.synod.server.service.CoherentCache;
import io.synod.raft.NotLeaderException;
import io.synod.raft.RaftException;
import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockException;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockView;
import io.synod.raft.runtime.RaftStatus;
import io.synod.server.lock.RaftLocks;
import io.synod.server.service.ServiceException;
import io.synod.queue.Delivery;
import io.synod.queue.QueueCore;
import io.synod.queue.QueueException;
import io.synod.queue.TopicStats;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamRecord;
import io.synod.server.queue.NodeQueue;
import io.synod.transport.http.HttpError;
import io.synod.transport.http.HttpRequestView;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.Json;
import io.synod.transport.http.RequestHandler;
import io.synod.transport.http.Router;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The node's HTTP API: the first system's endpoints with their exact shapes, the {@code /v1}
 * API, health, readiness, metrics, the cluster view, the status page and the internal heartbeat.
 *
 * <p>Every request is validated on the node that receives it (bad input answers 4xx
 * {@code {"error","detail"}} and changes nothing), then served locally when this node is the lock
 * leader or the topic's or address's owner, or forwarded once to the node that is. Every response
 * carries {@code X-Synod-Node} naming the node that served it.
 */
public final class PublicApi {
  /** Response header naming the serving node. */
  public static final String NODE_HEADER = "X-Synod-Node";

  private final NodeConfig config;
  private final ClusterView cluster;
  private final PeerClient peers;
  private final RaftLocks locks;
  private final NodeQueue queue;
  private final java.util.concurrent.atomic.AtomicLong published =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong delivered =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong acked =
      new java.util.concurrent.atomic.AtomicLong();
  /** Most messages in one publish or consume (the queue's batch bound). */
  private static final int MAX_BATCH = 1000;
  private final CoherentCache cache;
  private final io.synod.queue.ring.HashRing cacheHomes;
  private final NodeMetrics metrics;
  private final BooleanSupplier storageReady;
  private final java.util.concurrent.Executor responses;
  private final int maxKey;
  private final String self;
  private final List<String> routes = new ArrayList<>();

  /**
   * Creates the API.
   *
   * @param config the node's configuration
   * @param cluster the cluster view
   * @param peers the client to other nodes
   * @param locks the Raft lock service (served here when this node leads)
   * @param queue the queue service (routes each topic to its owner)
   * @param cache the cache lines this node is home to
   * @param cacheHomes the ring that names each cache address's home node (the one the cache uses)
   * @param metrics the metrics
   * @param storageReady whether external storage (Redis) answers
   * @param responses where responses of asynchronous results are encoded (an event loop group)
   */
  public PublicApi(
      NodeConfig config, ClusterView cluster, PeerClient peers, RaftLocks locks,
      NodeQueue queue, CoherentCache cache, io.synod.queue.ring.HashRing cacheHomes,
      NodeMetrics metrics, BooleanSupplier storageReady, java.util.concurrent.Executor responses) {
    this.responses = responses;
    this.config = config;
    this.cluster = cluster;
    this.peers = peers;
    this.locks = locks;
    this.queue = queue;
    this.cache = cache;
    this.cacheHomes = cacheHomes;
    this.metrics = metrics;
    this.storageReady = storageReady;
    this.maxKey = config.maxKeyLength();
    this.self = config.nodeId();
  }

  /**
   * Registers every route.
   *
   * @param router the router
   * @return the router
   */
  public Router register(Router router) {
    // the first system's API
    add(router, "POST", "/lock/acquire", this::legacyAcquire);
    add(router, "POST", "/lock/release", this::legacyRelease);
    add(router, "POST", "/queue/publish", this::legacyPublish);
    add(router, "POST", "/queue/consume", this::legacyConsume);
    add(router, "POST", "/queue/ack", this::legacyAck);
    add(router, "GET", "/cache/read", this::legacyRead);
    add(router, "POST", "/cache/write", this::legacyWrite);
    // v1: locks and sessions
    add(router, "GET", "/v1/locks", this::lockTable);
    add(router, "GET", "/v1/locks/{resource}", this::lockState);
    add(router, "POST", "/v1/locks/{resource}/acquire", this::acquire);
    add(router, "POST", "/v1/locks/{resource}/release", this::release);
    add(router, "GET", "/v1/sessions", this::sessionList);
    add(router, "POST", "/v1/sessions", this::openSession);
    add(router, "GET", "/v1/sessions/{session}", this::sessionState);
    add(router, "POST", "/v1/sessions/{session}/keepalive", this::keepAlive);
    add(router, "DELETE", "/v1/sessions/{session}", this::closeSession);
    // v1: topics
    add(router, "GET", "/v1/topics", this::topicList);
    add(router, "POST", "/v1/topics/{topic}/publish", this::publish);
    add(router, "POST", "/v1/topics/{topic}/consume", this::consume);
    add(router, "POST", "/v1/topics/{topic}/ack", this::ack);
    add(router, "POST", "/v1/topics/{topic}/nack", this::nack);
    add(router, "POST", "/v1/topics/{topic}/extend", this::extend);
    add(router, "DELETE", "/v1/topics/{topic}/groups/{group}", this::deleteGroup);
    add(router, "DELETE", "/v1/topics/{topic}/groups/{group}/consumers/{consumer}",
        this::deleteConsumer);
    add(router, "GET", "/v1/topics/{topic}/stats", this::topicStats);
    add(router, "GET", "/v1/topics/{topic}/dead-letters", this::deadLetters);
    // v1: cache
    add(router, "GET", "/v1/cache", r -> local(() -> ok(cacheStats())));
    add(router, "GET", "/v1/cache/{address}", this::cacheRead);
    add(router, "PUT", "/v1/cache/{address}", this::cacheWrite);
    add(router, "DELETE", "/v1/cache/{address}", this::cacheInvalidate);
    // v1: cluster
    add(router, "GET", "/v1/cluster", r -> local(() -> ok(clusterBody())));
    add(router, "POST", "/v1/cluster/members", this::addMember);
    add(router, "DELETE", "/v1/cluster/members/{node}", this::removeMember);
    // operations
    add(router, "GET", "/health", r -> local(() -> ok(Map.of("status", "ok", "node_id", self))));
    add(router, "GET", "/ready", this::ready);
    add(router, "GET", "/metrics", r -> local(() -> HttpResponse.of(
        200, NodeMetrics.contentType(), metrics.prometheus())));
    add(router, "GET", "/", r -> local(this::statusPage));
    add(router, "GET", "/openapi.yaml", r -> local(this::openApi));
    add(router, "POST", "/internal/heartbeat", this::heartbeat);
    return router;
  }

  /** @return messages published through this node (counted where the request arrived) */
  public long publishedCount() {
    return published.get();
  }

  /** @return messages delivered to consumers through this node */
  public long deliveredCount() {
    return delivered.get();
  }

  /** @return messages acknowledged through this node */
  public long ackedCount() {
    return acked.get();
  }

  /** @return the registered routes as {@code "METHOD pattern"} */
  public List<String> routes() {
    return List.copyOf(routes);
  }

  private void add(Router router, String method, String pattern, RequestHandler h) {
    String name = method + " " + pattern;
    routes.add(name);
    NodeMetrics.Endpoint timer = metrics.endpoint(method, pattern);
    router.add(method, pattern, req -> {
      long start = System.nanoTime();
      CompletionStage<HttpResponse> stage;
      try {
        stage = h.handle(req);
      } catch (Exception e) {
        stage = CompletableFuture.failedFuture(e);
      }
      return stage.handle((resp, err) -> {
        HttpResponse out = err == null ? resp : failure(err);
        timer.record(System.nanoTime() - start, out.status());
        return out.header(NODE_HEADER) == null ? out.withHeader(NODE_HEADER, self) : out;
      });
    });
  }

  private static HttpResponse failure(Throwable err) {
    Throwable c = err;
    while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof ServiceException se) {
      return HttpResponse.error(se.status(), se.error(), se.getMessage());
    }
    if (c instanceof LockException || c instanceof RaftException) {
      ServiceException se = lockFailure(c);
      return HttpResponse.error(se.status(), se.error(), se.getMessage());
    }
    if (c instanceof HttpError he) {
      return he.toResponse();
    }
    if (c instanceof io.synod.cache.CacheException ce) {
      // the message says whether a write may still apply; so does the error code
      return HttpResponse.error(503, ce.mayHaveApplied() ? "cache_outcome_unknown"
          : "cache_unavailable", c.getMessage());
    }
    if (c instanceof PeerClient.PeerUnreachableException) {
      return HttpResponse.error(503, "node_unavailable", c.getMessage());
    }
    if (c instanceof RuntimeException re) {
      throw re;
    }
    throw new CompletionException(c);
  }

  // ---- routing -------------------------------------------------------------------------------

  private static CompletionStage<HttpResponse> local(Supplier<HttpResponse> s) {
    return CompletableFuture.completedFuture(s.get());
  }

  private static HttpResponse ok(Object body) {
    return HttpResponse.ok(body);
  }

  /**
   * Serves a lock request on the Raft leader: here when this node leads, else forwarded once to
   * the leader this node knows. Writes take effect only once the leader committed them.
   */
  private CompletionStage<HttpResponse> toLeader(
      HttpRequestView req, Supplier<Object> serve) {
    String leader = locks.isLeader() ? self : locks.leader();
    if (leader == null) {
      throw new HttpError(503, "no_leader", "no lock leader is elected yet; retry");
    }
    if (!leader.equals(self) && cluster.url(leader) == null) {
      throw new HttpError(503, "no_leader", "the lock leader " + leader + " has no known address");
    }
    return toNode(req, Role.LOCK, leader, "lock leader", serve);
  }

  /**
   * Serves a linearizable lock read on this node when it knows a leader: as leader by ReadIndex,
   * as follower by follower ReadIndex (the leader confirms its leadership, this node waits until
   * it applied the read index and answers from its own replica, dissertation §6.4), so reads
   * spread over every node. Without a known leader it falls back to {@link #toLeader} (503).
   */
  private CompletionStage<HttpResponse> toLockReader(
      HttpRequestView req, Supplier<Object> serve) {
    if (locks.leader() == null) {
      return toLeader(req, serve);
    }
    return toNode(req, Role.LOCK, self, "lock member", serve);
  }

  @SuppressWarnings("unchecked")
  private CompletionStage<HttpResponse> toNode(
      HttpRequestView req, Role role, String target, String what, Supplier<Object> serve) {
    if (target == null) {
      throw new HttpError(503, "no_" + role.id() + "_node",
          "no node running the " + role.id() + " service is up");
    }
    if (target.equals(self)) {
      Object r = serve.get();
      if (r instanceof CompletionStage<?> cs) {
        // lock results complete on the Raft thread: encode the JSON on an event loop instead,
        // so the Raft thread only applies and replicates
        return ((CompletionStage<Object>) cs).thenApplyAsync(PublicApi::asResponse, responses);
      }
      return CompletableFuture.completedFuture(asResponse(r));
    }
    if (req.header(PeerClient.FORWARDED) != null) {
      // the forwarder's view differs from ours (leader or membership changing): refuse once,
      // clients retry, and a request never loops between nodes
      throw new HttpError(503, role == Role.LOCK ? "not_leader" : "not_owner",
          "node " + self + " is not the " + what + "; ask " + target);
    }
    metrics.forwarded().inc();
    URI url = cluster.url(target);
    return peers.forward(target, url, req);
  }

  private static HttpResponse asResponse(Object r) {
    return r instanceof HttpResponse h ? h : HttpResponse.ok(r);
  }

  // ---- the first system's API -----------------------------------------------------------------

  /*
   * Legacy lock callers name only an owner (requester_id / owner_id). They map onto owner-only
   * holders of the lock service (HolderId.ownerOnly, no session): such holds have no lease and
   * last until released, as in the first system, and any node can release them because the
   * holder does not depend on the node that served the acquire. The legacy acquire is a try-lock;
   * the legacy release frees the hold whatever its reentrancy count (the first system had none).
   */

  private CompletionStage<HttpResponse> legacyAcquire(HttpRequestView req) {
    Body b = Body.of(req, maxKey);
    String resource = b.name("resource_id");
    LockMode mode = mode(b);
    String owner = b.name("requester_id");
    return toLeader(req, () -> locks.service()
        .tryAcquire(HolderId.ownerOnly(owner), resource, mode)
        .handle((g, e) -> {
          if (e != null) {
            return legacyFailure(lockFailure(e));
          }
          if (g.isEmpty()) {
            return legacyFailure(new ServiceException(409, "lock_held",
                "resource '" + resource + "' is held"));
          }
          return HttpResponse.ok(Map.of("status", "acquired"));
        }));
  }

  private static HttpResponse legacyFailure(ServiceException e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", "failed");
    m.put("error", e.error());
    m.put("detail", e.getMessage());
    return HttpResponse.json(e.status(), m);
  }

  private LockMode mode(Body b) {
    JsonNode m = b.get("mode");
    if (m == null || m.isNull()) {
      return LockMode.EXCLUSIVE;
    }
    if (!m.isTextual()) {
      throw new HttpError(400, "invalid_field", "'mode' must be \"shared\" or \"exclusive\"");
    }
    // "read" and "write" are the first system's aliases
    String text = m.asText().trim().toLowerCase(java.util.Locale.ROOT);
    LockMode mode = switch (text) {
      case "read" -> LockMode.SHARED;
      case "write" -> LockMode.EXCLUSIVE;
      default -> LockMode.parse(text).orElse(null);
    };
    if (mode == null) {
      throw new HttpError(
          400, "unknown_mode", "mode '" + m.asText() + "' is not shared or exclusive");
    }
    return mode;
  }

  private CompletionStage<HttpResponse> legacyRelease(HttpRequestView req) {
    Body b = Body.of(req, maxKey);
    String resource = b.name("resource_id");
    String owner = b.name("owner_id");
    return toLeader(req, () -> releaseFully(HolderId.ownerOnly(owner), resource)
        .handle((n, e) -> e != null
            ? legacyFailure(lockFailure(e))
            : HttpResponse.ok(Map.of("status", "released"))));
  }

  /** Releases every count of a hold, one replicated release per count. */
  private CompletionStage<Integer> releaseFully(HolderId holder, String resource) {
    return locks.service().release(holder, resource).thenCompose(remaining -> remaining > 0
        ? releaseFully(holder, resource) : CompletableFuture.completedFuture(0));
  }

  /**
   * Maps a lock service failure onto an API refusal.
   *
   * @param e the failure
   * @return the refusal
   */
  static ServiceException lockFailure(Throwable e) {
    Throwable c = unwrap(e);
    if (c instanceof ServiceException se) {
      return se;
    }
    if (c instanceof LockException le) {
      String detail = le.getMessage();
      return switch (le.error()) {
        case WOULD_BLOCK -> new ServiceException(409, "lock_held", detail);
        case TIMED_OUT -> new ServiceException(409, "timeout", detail);
        case NOT_HOLDER -> new ServiceException(409, "not_held", detail);
        case UNKNOWN_SESSION -> new ServiceException(404, "unknown_session", detail);
        case SESSION_TOKEN_MISMATCH -> new ServiceException(403, "session_token_mismatch", detail);
        case DEADLOCK -> new ServiceException(409, "deadlock", detail);
        case UPGRADE_CONFLICT -> new ServiceException(409, "upgrade_conflict", detail);
        case ALREADY_WAITING -> new ServiceException(409, "already_waiting", detail);
        case WAIT_ENDED -> new ServiceException(409, "wait_ended", detail);
        case LIMIT_EXCEEDED -> new ServiceException(429, "limit_exceeded", detail);
        default -> new ServiceException(400, le.error().name().toLowerCase(java.util.Locale.ROOT),
            detail);
      };
    }
    if (c instanceof NotLeaderException nl) {
      return new ServiceException(503, "not_leader", nl.getMessage() + "; retry");
    }
    if (c instanceof RaftException re) {
      return new ServiceException(503, "unavailable", re.getMessage() + "; retry");
    }
    if (c instanceof RuntimeException re) {
      throw re;
    }
    throw new CompletionException(c);
  }

  private static Throwable unwrap(Throwable e) {
    Throwable c = e;
    while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /*
   * Queue requests are handed to this node's QueueNode, which serves a topic this node serves
   * (the leader of its Raft group on embedded storage, its ring owner on Redis) and forwards the
   * others through HttpQueueTransport; the node header names the node the request was routed to. Payloads are stored as the JSON text of the message.
   */

  private CompletionStage<HttpResponse> queued(String topic, Supplier<CompletionStage<?>> call) {
    String owner;
    try {
      owner = queue.node().ownerOf(topic);
    } catch (RuntimeException e) {
      owner = self;
    }
    if (owner == null) {
      // no leader of the topic's group known yet: this node answers (503, retry)
      owner = self;
    }
    String servedBy = owner;
    CompletionStage<?> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    if (!servedBy.equals(self)) {
      metrics.forwarded().inc();
    }
    return stage.handle((r, e) -> {
      if (e != null) {
        ServiceException se = NodeQueue.failure(e);
        return HttpResponse.error(se.status(), se.error(), se.getMessage())
            .withHeader(NODE_HEADER, servedBy);
      }
      return asResponse(r).withHeader(NODE_HEADER, servedBy);
    });
  }

  private static StreamRecord record(JsonNode message) {
    return StreamRecord.of(Json.write(message));
  }

  private static Object data(byte[] payload) {
    try {
      return Json.mapper().readTree(payload);
    } catch (IOException | RuntimeException e) {
      // published by a client that did not send JSON: hand the text back
      return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private CompletionStage<HttpResponse> legacyPublish(HttpRequestView req) {
    Body b = Body.of(req, maxKey);
    String topic = b.name("topic");
    JsonNode message = b.object("message");
    return queued(topic, () -> queue.node().publishBatch(topic, List.of(record(message)))
        .thenApply(ids -> {
          published.incrementAndGet();
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("status", "published");
          m.put("message_id", ids.get(0).toString());
          return m;
        }));
  }

  private CompletionStage<HttpResponse> legacyConsume(HttpRequestView req) {
    Body b = Body.of(req, maxKey);
    String topic = b.name("topic");
    String group = b.name("consumer_group");
    String consumer = b.name("consumer_id");
    int max = (int) b.optionalLong("max_messages", 1, 1, 1000);
    long wait = b.optionalLong("wait_ms", 0, 0, 30_000);
    return queued(topic, () -> queue.node().consume(topic, group, consumer, max, wait)
        .thenApply(m -> messages(m, false)));
  }

  /** The messages of a consume; {@code /v1} adds each delivery's receipt handle. */
  private Map<String, Object> messages(List<Delivery> msgs, boolean receipts) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Delivery m : msgs) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("id", m.id().toString());
      d.put("data", data(m.payload()));
      d.put("timestamp", java.math.BigDecimal.valueOf(m.publishedAt(), 3));
      d.put("delivery_count", m.deliveryCount());
      if (receipts) {
        d.put("receipt_handle", m.receipt());
      }
      out.add(d);
    }
    delivered.addAndGet(out.size());
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("status", "ok");
    r.put("messages", out);
    return r;
  }

  private CompletionStage<HttpResponse> legacyAck(HttpRequestView req) {
    Body b = Body.of(req, maxKey);
    String topic = b.name("topic");
    String group = b.name("consumer_group");
    String id = b.name("message_id");
    return queued(topic, () -> queue.node().ack(topic, group, id).thenApply(v -> {
      acked.incrementAndGet();
      return Map.of("status", "acknowledged");
    }));
  }

  private CompletionStage<HttpResponse> legacyRead(HttpRequestView req) {
    String address = req.queryParam("address");
    if (address == null) {
      throw new HttpError(400, "missing_field", "query parameter 'address' is required");
    }
    Body.checkName("address", address, maxKey);
    return readBody(address, false);
  }

  /*
   * Cache requests are served by the node that receives them, from its own MESI cache: a hit
   * costs no message; a miss or a write runs the coherence protocol with the address's home node
   * (the directory), which fetches from main memory or from the node holding the line Modified
   * and invalidates the other copies. The first system forwarded nothing either; it broadcast.
   */
  private CompletionStage<HttpResponse> readBody(String address, boolean withState) {
    checkCacheRole();
    return cache.read(address).thenApply(r -> {
      if (r.value() == null && withState) {
        return HttpResponse.error(404, "never_written", "cache address " + address
            + " was never written");
      }
      Map<String, Object> m = new LinkedHashMap<>();
      // absence is a miss with no value (a stored JSON null is a value)
      m.put("status", r.hit() && r.value() != null ? "hit" : "miss");
      m.put("address", address);
      if (r.value() != null) {
        m.put("value", r.value());
      }
      if (withState) {
        // the first system's shape has three fields; /v1 also tells the MESI state of the line
        m.put("state", r.state());
      }
      return ok(m);
    });
  }

  private void checkCacheRole() {
    if (!config.roles().contains(Role.CACHE)) {
      throw new HttpError(503, "no_cache_role",
          "node " + self + " does not run the cache service (ROLES=" + config.roles() + ")");
    }
  }

  private CompletionStage<HttpResponse> legacyWrite(HttpRequestView req) {
    Body b = Body.of(req, maxKey);
    String address = b.name("address");
    JsonNode value = b.required("value");
    return writeBody(address, value);
  }

  private CompletionStage<HttpResponse> writeBody(String address, JsonNode value) {
    int size = Json.write(value).length;
    if (size > config.maxCacheValueBytes()) {
      throw new HttpError(413, "value_too_large", "a cache value may have at most "
          + config.maxCacheValueBytes() + " bytes of JSON; this one has " + size);
    }
    checkCacheRole();
    return cache.write(address, value).thenApply(v -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", "written");
      m.put("address", address);
      m.put("value", value);
      return ok(m);
    });
  }

  // ---- v1 locks --------------------------------------------------------------------------------

  private String pathName(HttpRequestView req, String param) {
    String v = req.pathParam(param);
    return Body.checkName(param, v == null ? "" : v, maxKey);
  }

  /*
   * v1 holders: with a session_id the holder is (session, owner) and lives as long as the session
   * is kept alive. Without one, ttl_ms > 0 (the default is LOCK_DEFAULT_TTL_MILLIS) opens a
   * session of that TTL for this hold alone, so the hold is a lease that ends unless its session
   * (returned as session_id) is kept alive; ttl_ms = 0 makes an owner-only hold with no lease.
   * A release without session_id finds the owner's hold in the replicated table.
   */

  private CompletionStage<HttpResponse> lockState(HttpRequestView req) {
    String resource = pathName(req, "resource");
    return toLockReader(req,
        () -> locks.service().state(resource).thenApply(PublicApi::describe));
  }

  /**
   * {@code GET /v1/sessions/{session}}: whether a session is open, its TTL and expiry (never its
   * token). Served like the lock reads: by this node's linearizable read (follower ReadIndex),
   * or at the leader.
   */
  private CompletionStage<HttpResponse> sessionState(HttpRequestView req) {
    String text = pathName(req, "session");
    long id = sessionId(text);
    return toLockReader(req, () -> locks.raft().linearizableRead(() -> {
      io.synod.raft.lock.SessionView v = locks.machine().session(id).orElseThrow(() ->
          new ServiceException(404, "unknown_session", "session '" + text + "' is unknown"));
      return describeSession(v);
    }));
  }

  /**
   * {@code GET /v1/locks}: one page of the lock table, ascending by resource ({@link Page}). The
   * read costs the Raft thread O(log n + limit), whatever the table's size; {@code total} is the
   * number of resources with holders or waiters (a resource with waiters only is not shown).
   */
  private CompletionStage<HttpResponse> lockTable(HttpRequestView req) {
    Page page = Page.of(req);
    return toLockReader(req, () -> locks.raft().linearizableRead(() -> page.answer("locks",
        locks.machine().resources(page.after(), page.scan()), r -> r, r -> {
          LockView v = locks.machine().view(r);
          return v.holders().isEmpty() ? null : describe(v);
        }, locks.machine().resourceCount())));
  }

  /**
   * {@code GET /v1/sessions}: one page of the open sessions, ascending by id ({@link Page}),
   * each as {@code GET /v1/sessions/{session}} shows it (never its token). Served like the lock
   * table: a linearizable read costing the Raft thread O(log n + limit).
   */
  private CompletionStage<HttpResponse> sessionList(HttpRequestView req) {
    Page page = Page.of(req);
    Long after = page.after() == null ? null : sessionCursor(page.after());
    return toLockReader(req, () -> locks.raft().linearizableRead(() -> page.answer("sessions",
        locks.machine().sessions(after, page.scan()), v -> Long.toString(v.sessionId()),
        PublicApi::describeSession, locks.machine().sessionCount())));
  }

  /** The session id a page token names; tokens of sessions name decimal ids. */
  private static long sessionCursor(String key) {
    try {
      return Long.parseLong(key);
    } catch (NumberFormatException e) {
      throw new HttpError(400, "invalid_request",
          "after must be the 'next' token of a previous page");
    }
  }

  /**
   * Describes a session as the API shows it: never its token.
   *
   * @param v the replicated view
   * @return session_id, ttl_ms, expires_at
   */
  static Map<String, Object> describeSession(io.synod.raft.lock.SessionView v) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("session_id", Long.toString(v.sessionId()));
    out.put("ttl_ms", v.ttlMillis());
    out.put("expires_at", v.expiresAtMillis());
    return out;
  }

  /** A page size from a query parameter: absent gives the default; 1 to max, else 400. */
  static int pageLimit(String raw, int byDefault, int max) {
    if (raw == null) {
      return byDefault;
    }
    int n;
    try {
      n = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new HttpError(400, "invalid_request", "limit must be an integer from 1 to " + max
          + "; got '" + raw + "'");
    }
    if (n < 1 || n > max) {
      throw new HttpError(400, "invalid_request", "limit must be from 1 to " + max + "; got " + n);
    }
    return n;
  }

  /**
   * Describes a resource as the API shows it.
   *
   * @param v the replicated view
   * @return resource_id, held, mode, holders (owner, token, session, count, acquired_at), waiters
   */
  static Map<String, Object> describe(LockView v) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("resource_id", v.resource());
    out.put("held", !v.holders().isEmpty());
    if (!v.holders().isEmpty()) {
      out.put("mode", v.mode().apiName());
      List<Map<String, Object>> holders = new ArrayList<>();
      for (LockView.Holder h : v.holders()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner_id", h.holder().owner());
        m.put("fencing_token", h.fencingToken());
        if (h.holder().sessionId() != HolderId.NO_SESSION) {
          m.put("session_id", Long.toString(h.holder().sessionId()));
        }
        m.put("count", h.count());
        m.put("acquired_at", h.acquiredAtMillis());
        holders.add(m);
      }
      out.put("holders", holders);
    }
    out.put("waiters", v.waiters().size());
    return out;
  }

  /** The header a session's holder presents its token in (see docs/api.yaml). */
  static final String SESSION_TOKEN_HEADER = "X-Synod-Session-Token";

  private static String sessionToken(HttpRequestView req) {
    String t = req.header(SESSION_TOKEN_HEADER);
    return t == null ? "" : t.trim();
  }

  private static long sessionId(String text) {
    try {
      long id = Long.parseLong(text);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // falls through: not one of ours
    }
    throw new ServiceException(404, "unknown_session", "session '" + text + "' is unknown");
  }

  private CompletionStage<HttpResponse> acquire(HttpRequestView req) {
    String resource = pathName(req, "resource");
    Body b = Body.of(req, maxKey);
    LockMode mode = mode(b);
    String owner = b.name("owner_id");
    String session = b.optionalName("session_id");
    long ttl = b.optionalLong("ttl_ms", config.lockDefaultTtlMillis(), 0, 86_400_000L);
    long wait = b.optionalLong("wait_ms", 0, 0, 300_000);
    String[] token = {sessionToken(req)};
    return toLeader(req, () -> {
      CompletionStage<HolderId> holder;
      CompletionStage<Long> expiresAt;
      boolean implicit = session == null && ttl > 0;
      if (session != null) {
        holder = CompletableFuture.completedFuture(new HolderId(sessionId(session), owner));
        expiresAt = CompletableFuture.completedFuture(0L);
      } else if (implicit) {
        CompletionStage<io.synod.raft.lock.LockResult.SessionOpened> opened =
            locks.service().openSession(Duration.ofMillis(ttl));
        holder = opened.thenApply(s -> {
          token[0] = s.sessionToken();
          return new HolderId(s.sessionId(), owner);
        });
        expiresAt = opened.thenApply(s -> s.expiresAtMillis());
      } else {
        holder = CompletableFuture.completedFuture(HolderId.ownerOnly(owner));
        expiresAt = CompletableFuture.completedFuture(0L);
      }
      return holder.thenCompose(h -> locks.service()
          .acquire(h, token[0], resource, mode, Duration.ofMillis(wait))
          .handle((g, e) -> {
            if (e != null) {
              if (implicit) {
                // the lease session was opened for this hold alone
                locks.service().closeSession(h.sessionId(), token[0]);
              }
              throw lockFailure(e);
            }
            return g;
          })
          .thenCombine(expiresAt, (g, until) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", "acquired");
            m.put("resource_id", g.resource());
            m.put("owner_id", g.holder().owner());
            m.put("mode", g.mode().apiName());
            m.put("fencing_token", g.fencingToken());
            m.put("index", g.index());
            if (g.holder().sessionId() != HolderId.NO_SESSION) {
              m.put("session_id", Long.toString(g.holder().sessionId()));
              if (implicit) {
                // the lease session was opened here: its holder needs the token to release it
                // (and to keep it alive)
                m.put("session_token", token[0]);
                m.put("ttl_ms", ttl);
              }
            }
            if (until > 0) {
              m.put("expires_at", until);
            }
            return m;
          }));
    });
  }

  private CompletionStage<HttpResponse> release(HttpRequestView req) {
    String resource = pathName(req, "resource");
    Body b = Body.of(req, maxKey);
    String owner = b.name("owner_id");
    String session = b.optionalName("session_id");
    return toLeader(req, () -> {
      CompletionStage<HolderId> holder = session != null
          ? CompletableFuture.completedFuture(new HolderId(sessionId(session), owner))
          : locks.service().state(resource).thenApply(v -> {
            for (LockView.Holder h : v.holders()) {
              if (h.holder().owner().equals(owner)) {
                return h.holder();
              }
            }
            return HolderId.ownerOnly(owner);
          });
      String token = sessionToken(req);
      return holder.thenCompose(h -> locks.service().release(h, token, resource))
          .handle((remaining, e) -> {
            if (e != null) {
              throw lockFailure(e);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", "released");
            m.put("resource_id", resource);
            m.put("remaining_count", remaining);
            return m;
          });
    });
  }

  private CompletionStage<HttpResponse> openSession(HttpRequestView req) {
    Body b = Body.ofOptional(req, maxKey);
    long ttl = b.optionalLong("ttl_ms", config.lockDefaultTtlMillis(), 100, 86_400_000L);
    return toLeader(req, () -> locks.service().openSession(Duration.ofMillis(ttl))
        .handle((s, e) -> {
          if (e != null) {
            throw lockFailure(e);
          }
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("session_id", Long.toString(s.sessionId()));
          m.put("session_token", s.sessionToken());
          m.put("ttl_ms", s.ttlMillis());
          m.put("expires_at", s.expiresAtMillis());
          return m;
        }));
  }

  private CompletionStage<HttpResponse> keepAlive(HttpRequestView req) {
    String session = pathName(req, "session");
    return toLeader(req, () -> locks.service().keepAlive(sessionId(session), sessionToken(req))
        .handle((until, e) -> {
          if (e != null) {
            throw lockFailure(e);
          }
          return Map.of("status", "alive", "session_id", session, "expires_at", until);
        }));
  }

  private CompletionStage<HttpResponse> closeSession(HttpRequestView req) {
    String session = pathName(req, "session");
    return toLeader(req, () -> locks.service().closeSession(sessionId(session), sessionToken(req))
        .handle((freed, e) -> {
          if (e != null) {
            throw lockFailure(e);
          }
          return Map.of("status", "closed", "session_id", session, "freed", freed);
        }));
  }

  // ---- v1 topics -------------------------------------------------------------------------------

  private CompletionStage<HttpResponse> publish(HttpRequestView req) {
    String topic = pathName(req, "topic");
    Body b = Body.of(req, maxKey);
    List<StreamRecord> records = new ArrayList<>();
    JsonNode many = b.get("messages");
    JsonNode one = b.get("message");
    if (many != null && one != null) {
      throw new HttpError(400, "invalid_body", "give 'message' or 'messages', not both");
    }
    if (many != null) {
      if (!many.isArray() || many.isEmpty()) {
        throw new HttpError(400, "invalid_field", "'messages' must be a non-empty array");
      }
      if (many.size() > MAX_BATCH) {
        throw new HttpError(400, "too_long", "'messages' holds more than " + MAX_BATCH
            + " messages");
      }
      many.forEach(m -> {
        if (m.isNull()) {
          throw new HttpError(400, "invalid_field", "a message in 'messages' is null");
        }
        records.add(record(m));
      });
    } else {
      JsonNode m = b.required("message");
      if (m.isNull()) {
        throw new HttpError(400, "invalid_field", "'message' must not be null");
      }
      records.add(record(m));
    }
    return queued(topic, () -> queue.node().publishBatch(topic, records).thenApply(ids -> {
      published.addAndGet(ids.size());
      List<String> out = new ArrayList<>();
      ids.forEach(id -> out.add(id.toString()));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", "published");
      m.put("message_ids", out);
      return m;
    }));
  }

  private CompletionStage<HttpResponse> consume(HttpRequestView req) {
    String topic = pathName(req, "topic");
    Body b = Body.of(req, maxKey);
    String group = b.name("consumer_group");
    String consumer = b.name("consumer_id");
    int max = (int) b.optionalLong("max_messages", 10, 1, MAX_BATCH);
    long wait = b.optionalLong("wait_ms", 0, 0, 30_000);
    return queued(topic, () -> queue.node().consume(topic, group, consumer, max, wait)
        .thenApply(m -> messages(m, true)));
  }

  /*
   * v1 acks, nacks and extends name a delivery by its receipt handle (from consume), never a
   * message by id: a consumer whose visibility timeout ran out, and whose message went to
   * another consumer, gets 409 stale_receipt and changes nothing. The first system's
   * /queue/ack still acknowledges by message id.
   */
  private static void refuseMessageIds(Body b) {
    if (b.get("message_id") != null || b.get("message_ids") != null) {
      throw new HttpError(400, "receipt_required", "/v1 acknowledges deliveries by"
          + " 'receipt_handle' (or 'receipt_handles'), as given by consume; /queue/ack takes a"
          + " message id");
    }
  }

  private String receipt(Body b) {
    refuseMessageIds(b);
    return b.name("receipt_handle");
  }

  private CompletionStage<HttpResponse> ack(HttpRequestView req) {
    String topic = pathName(req, "topic");
    Body b = Body.of(req, maxKey);
    String group = b.name("consumer_group");
    refuseMessageIds(b);
    List<String> receipts = new ArrayList<>();
    JsonNode many = b.get("receipt_handles");
    if (many != null) {
      if (b.get("receipt_handle") != null) {
        throw new HttpError(400, "invalid_body",
            "give 'receipt_handle' or 'receipt_handles', not both");
      }
      if (!many.isArray() || many.isEmpty()) {
        throw new HttpError(400, "invalid_field", "'receipt_handles' must be a non-empty array");
      }
      if (many.size() > MAX_BATCH) {
        throw new HttpError(400, "too_long", "'receipt_handles' holds more than " + MAX_BATCH);
      }
      for (JsonNode n : many) {
        if (!n.isTextual()) {
          throw new HttpError(400, "invalid_field", "'receipt_handles' must hold strings");
        }
        receipts.add(Body.checkName("receipt_handles", n.asText(), maxKey));
      }
    } else {
      receipts.add(b.name("receipt_handle"));
    }
    return queued(topic, () -> queue.node().ackReceipts(topic, group, receipts).thenApply(n -> {
      acked.addAndGet(n);
      return Map.of("status", "acknowledged", "count", n);
    }));
  }

  private CompletionStage<HttpResponse> nack(HttpRequestView req) {
    String topic = pathName(req, "topic");
    Body b = Body.of(req, maxKey);
    String group = b.name("consumer_group");
    String receipt = receipt(b);
    return queued(topic, () -> queue.node().nackReceipt(topic, group, receipt)
        .thenApply(v -> Map.of("status", "requeued")));
  }

  private CompletionStage<HttpResponse> extend(HttpRequestView req) {
    String topic = pathName(req, "topic");
    Body b = Body.of(req, maxKey);
    String group = b.name("consumer_group");
    String receipt = receipt(b);
    long millis = b.optionalLong("visibility_ms", config.queueVisibilityTimeoutMillis(), 1,
        config.queueVisibilityTimeoutMillis());
    return queued(topic, () -> queue.node().extendReceipt(topic, group, receipt, millis)
        .thenApply(v -> Map.of("status", "extended", "visibility_ms", millis)));
  }

  private CompletionStage<HttpResponse> deleteGroup(HttpRequestView req) {
    String topic = pathName(req, "topic");
    String group = pathName(req, "group");
    return queued(topic, () -> queue.node().deleteGroup(topic, group).thenApply(n -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", "deleted");
      m.put("topic", topic);
      m.put("consumer_group", group);
      m.put("removed_messages", n);
      return m;
    }));
  }

  private CompletionStage<HttpResponse> deleteConsumer(HttpRequestView req) {
    String topic = pathName(req, "topic");
    String group = pathName(req, "group");
    String consumer = pathName(req, "consumer");
    return queued(topic, () -> queue.node().deleteConsumer(topic, group, consumer)
        .thenApply(v -> Map.of("status", "deleted", "consumer_group", group,
            "consumer_id", consumer)));
  }

  /** Most topic names {@code /v1/cluster} lists ({@code GET /v1/topics} pages them all). */
  static final int MAX_LISTED_TOPICS = 100;

  /**
   * {@code GET /v1/topics}: one page of the topics, ascending by name ({@link Page}), each with
   * its depth and consumer group count. Each queue group this node replicates answers its own
   * page of at most limit + 1 names by a linearizable read on its Raft thread (O(log n + limit)
   * there); the pages are merged on an event loop. On Redis storage no replica here holds the
   * topics: the answer is empty and {@code source} says so.
   */
  private CompletionStage<HttpResponse> topicList(HttpRequestView req) {
    Page page = Page.of(req);
    if (queue.groups() == null) {
      Map<String, Object> body = page.answer("topics", List.<Object>of(), t -> "", t -> t, 0);
      body.put("source", "none");
      return local(() -> ok(body));
    }
    return queue.groups().topicPages(page.after(), page.scan())
        .thenApplyAsync(pages -> {
          List<io.synod.queue.memory.InMemoryStreamStore.StreamSummary> merged = new ArrayList<>();
          long total = 0;
          for (io.synod.server.queue.QueueGroups.TopicPage p : pages) {
            merged.addAll(p.topics());
            total += p.total();
          }
          // each group's page is sorted and a topic lives in one group: the first limit + 1 of
          // the merge are the first limit + 1 of the whole listing
          merged.sort(java.util.Comparator.comparing(
              io.synod.queue.memory.InMemoryStreamStore.StreamSummary::stream));
          List<io.synod.queue.memory.InMemoryStreamStore.StreamSummary> scanned =
              merged.size() > page.scan() ? merged.subList(0, page.scan()) : merged;
          Map<String, Object> body = page.answer("topics", scanned,
              io.synod.queue.memory.InMemoryStreamStore.StreamSummary::stream,
              PublicApi::describeTopic, total);
          body.put("source", "raft-replicas");
          return ok(body);
        }, responses);
  }

  /**
   * Describes a topic as {@code GET /v1/topics} shows it.
   *
   * @param t the summary read from the topic's group
   * @return name, depth, groups, dead_letter (whether it is a topic's dead-letter topic)
   */
  static Map<String, Object> describeTopic(
      io.synod.queue.memory.InMemoryStreamStore.StreamSummary t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", t.stream());
    m.put("depth", t.length());
    m.put("groups", t.groups());
    m.put("dead_letter", t.stream().endsWith(QueueCore.DLQ_SUFFIX));
    return m;
  }

  private CompletionStage<HttpResponse> topicStats(HttpRequestView req) {
    String topic = pathName(req, "topic");
    return queued(topic, () -> queue.node().stats(topic).thenApply(st -> {
      // depth is the stream length: what some group still needs (work-queue retention removes a
      // message once every group acknowledged it)
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("topic", topic);
      m.put("depth", st.length());
      Map<String, Object> groups = new LinkedHashMap<>();
      for (TopicStats.GroupStats g : st.groups()) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("pending", g.pending());
        d.put("consumers", g.consumers());
        d.put("lag", g.lag());
        d.put("oldest_pending_age_ms", g.oldestPendingAgeMillis());
        d.put("redeliveries", g.redeliveries());
        d.put("dead_lettered", g.deadLettered());
        groups.put(g.group(), d);
      }
      m.put("groups", groups);
      return m;
    }));
  }

  private CompletionStage<HttpResponse> deadLetters(HttpRequestView req) {
    String topic = pathName(req, "topic");
    String dead = topic + QueueCore.DLQ_SUFFIX;
    return queued(dead, () -> queue.node().browse(dead, "0-0", MAX_BATCH).thenApply(entries -> {
      List<Map<String, Object>> out = new ArrayList<>();
      for (StreamEntry e : entries) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", e.id().toString());
        d.put("data", data(e.record().payload()));
        d.put("headers", e.record().headers());
        out.add(d);
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("topic", topic);
      m.put("dead_letter_topic", dead);
      m.put("messages", out);
      return m;
    }));
  }

  // ---- v1 cache --------------------------------------------------------------------------------

  private Map<String, Object> cacheStats() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("node_id", self);
    m.putAll(cache.stats());
    return m;
  }

  private CompletionStage<HttpResponse> cacheRead(HttpRequestView req) {
    return readBody(pathName(req, "address"), true);
  }

  private CompletionStage<HttpResponse> cacheWrite(HttpRequestView req) {
    String address = pathName(req, "address");
    Body b = Body.of(req, maxKey);
    JsonNode value = b.required("value");
    return writeBody(address, value);
  }

  private CompletionStage<HttpResponse> cacheInvalidate(HttpRequestView req) {
    String address = pathName(req, "address");
    checkCacheRole();
    return cache.invalidate(address).thenApply(dropped -> ok(Map.of(
        "status", "invalidated", "address", address, "dropped", dropped)));
  }

  // ---- cluster and operations ------------------------------------------------------------------

  private CompletionStage<HttpResponse> addMember(HttpRequestView req) {
    Body b = Body.of(req, maxKey);
    String id = b.name("node_id");
    String url = b.name("url");
    URI u;
    try {
      u = URI.create(url);
      if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new HttpError(400, "invalid_field", "'url' must look like http://host:port");
    }
    cluster.add(id, u);
    broadcast(req);
    return local(() -> HttpResponse.ok(Map.of("status", "added", "node_id", id)));
  }

  private CompletionStage<HttpResponse> removeMember(HttpRequestView req) {
    String id = pathName(req, "node");
    if (id.equals(self)) {
      throw new HttpError(409, "is_self", "a node cannot remove itself; ask another member");
    }
    boolean removed = cluster.remove(id);
    if (!removed) {
      throw new HttpError(404, "unknown_member", "'" + id + "' is not a member");
    }
    broadcast(req);
    return local(() -> HttpResponse.ok(Map.of("status", "removed", "node_id", id)));
  }

  private void broadcast(HttpRequestView req) {
    if (req.header(PeerClient.FORWARDED) != null) {
      return;
    }
    for (String peer : cluster.others()) {
      peers.forward(peer, cluster.url(peer), req).exceptionally(e -> null);
    }
  }

  /**
   * {@code GET /ready[?role=lock|queue|cache]}: whether this node can serve each role it runs.
   * A role is judged only by what it needs (a cache-only or queue-only node is not unready because
   * the lock group has no leader): locks need a known leader of the lock group; the queue needs
   * Redis in Redis mode and a known leader of each of its Raft groups this node is a member of
   * otherwise; the cache needs Redis in Redis mode. With {@code role} only that role is judged
   * (404 for a role this node does not run). Liveness is {@code /health}, which never depends on
   * other nodes.
   */
  private CompletionStage<HttpResponse> ready(HttpRequestView req) {
    String asked = req.queryParam("role");
    java.util.Set<Role> run = config.roles();
    List<Role> judged = new ArrayList<>();
    if (asked == null) {
      judged.addAll(run);
    } else {
      Role role;
      try {
        role = Role.valueOf(asked.trim().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return local(() -> HttpResponse.error(400, "bad_role",
            "role must be one of lock, queue, cache; got '" + asked + "'"));
      }
      if (!run.contains(role)) {
        return local(() -> HttpResponse.error(404, "role_not_run",
            "this node runs " + roleNames(run) + ", not " + role.id()));
      }
      judged.add(role);
    }
    String leader = locks.isLeader() ? self : locks.leader();
    boolean redis = config.redisUrl() != null;
    Map<String, Object> roles = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Role role : judged) {
      List<String> p = new ArrayList<>();
      switch (role) {
        case LOCK -> {
          if (leader == null) {
            p.add("no lock leader is known");
          }
        }
        case QUEUE -> {
          if (redis && !storageReady.getAsBoolean()) {
            p.add("Redis does not answer");
          }
          if (queue.groups() != null && !queue.groups().allLed()) {
            p.add("a queue group this node replicates has no known leader");
          }
        }
        case CACHE -> {
          if (redis && !storageReady.getAsBoolean()) {
            p.add("Redis does not answer");
          }
        }
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("status", p.isEmpty() ? "ready" : "not_ready");
      if (!p.isEmpty()) {
        r.put("detail", String.join("; ", p));
        p.forEach(x -> problems.add(role.id() + ": " + x));
      }
      roles.put(role.id(), r);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", problems.isEmpty() ? "ready" : "not_ready");
    m.put("node_id", self);
    m.put("leader", leader);
    m.put("roles", roles);
    if (!problems.isEmpty()) {
      m.put("error", "not_ready");
      m.put("detail", String.join("; ", problems));
    }
    return local(() -> HttpResponse.json(problems.isEmpty() ? 200 : 503, m));
  }

  private static String roleNames(java.util.Set<Role> roles) {
    return roles.stream().map(Role::id).sorted().collect(java.util.stream.Collectors.joining(","));
  }

  private Map<String, Object> clusterBody() {
    RaftStatus st = locks.status();
    String leader = st.isLeader() ? self : locks.leader();
    Map<String, Object> out = cluster.describe(leader);
    out.put("term", st.term());
    out.put("role", st.role().name().toLowerCase(java.util.Locale.ROOT));
    out.put("commit_index", st.commitIndex());
    out.put("applied_index", st.appliedIndex());
    out.put("elections", locks.elections());
    List<String> voters = new ArrayList<>();
    st.membership().voters().forEach(v -> voters.add(v.value()));
    out.put("raft_voters", voters);
    Map<String, Object> queueRing = new LinkedHashMap<>();
    queueRing.put("nodes", queue.ring().nodes());
    queueRing.put("epoch", queue.ring().epoch());
    out.put("queue_ring", queueRing);
    // the rings shown are the ones that route (one ring: issue 20), never a display-only copy
    Map<String, Object> rings = new LinkedHashMap<>();
    rings.put(Role.QUEUE.id(), describe(queue.ring(), queue.groups() == null
        ? "topics to their owner node"
        : "queue Raft groups to their members (a group's members follow its name on the ring)"));
    rings.put(Role.CACHE.id(), describe(cacheHomes, "cache addresses to their home node"));
    out.put("ring", rings);
    // every Raft group of this node: the lock group, then the queue's groups (embedded storage)
    List<Map<String, Object>> groups = new ArrayList<>();
    Map<String, Object> lockGroup = new LinkedHashMap<>();
    lockGroup.put("name", "lock");
    lockGroup.put("service", "lock");
    lockGroup.put("raft_group", st.groupId());
    lockGroup.put("members", voters);
    lockGroup.put("leader", st.leader() == null ? null : st.leader().value());
    lockGroup.put("role", st.role().name().toLowerCase(java.util.Locale.ROOT));
    lockGroup.put("term", st.term());
    lockGroup.put("commit_index", st.commitIndex());
    lockGroup.put("applied_index", st.appliedIndex());
    lockGroup.put("last_index", st.lastIndex());
    groups.add(lockGroup);
    if (queue.groups() != null) {
      groups.addAll(queue.groups().describe());
    }
    groups.addAll(cache.memoryGroups());
    out.put("groups", groups);
    // the first topic names, bounded (GET /v1/topics pages them all, with a total); with Redis
    // storage no replica here holds them, which "source" says
    Map<String, Object> topics = new LinkedHashMap<>();
    List<String> names = queue.groups() == null
        ? List.of() : queue.groups().topics(MAX_LISTED_TOPICS);
    topics.put("names", names.size() > MAX_LISTED_TOPICS
        ? names.subList(0, MAX_LISTED_TOPICS) : names);
    topics.put("truncated", names.size() > MAX_LISTED_TOPICS);
    topics.put("source", queue.groups() == null ? "none" : "raft-replicas");
    topics.put("list", "/v1/topics");
    out.put("topics", topics);
    out.put("down_in_log", locks.members().downMembers());
    out.put("membership_index", locks.members().version());
    Map<String, Object> security = new LinkedHashMap<>();
    security.put("peer_auth", config.clusterAuth() != null ? "hmac-sha256"
        : config.peersMutualTls() ? "mutual-tls" : "none");
    security.put("tls", config.serverTls() != null);
    security.put("insecure", config.peersUnauthenticated());
    security.put("api_keys", !config.apiKeys().isEmpty());
    out.put("security", security);
    return out;
  }

  /**
   * Describes a routing ring as {@code /v1/cluster} shows it.
   *
   * @param ring the ring
   * @param places what the ring places
   * @return places, nodes, vnodes_per_node, epoch, shares (fraction of the hash space per node)
   */
  static Map<String, Object> describe(io.synod.queue.ring.HashRing ring, String places) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("places", places);
    m.put("nodes", ring.nodes());
    m.put("vnodes_per_node", ring.vnodesPerNode());
    m.put("epoch", ring.epoch());
    Map<String, Double> shares = new LinkedHashMap<>();
    if (!ring.isEmpty()) {
      double[] s = ring.ownershipShares();
      for (int i = 0; i < s.length; i++) {
        shares.put(ring.nodes().get(i), s[i]);
      }
    }
    m.put("shares", shares);
    return m;
  }

  private CompletionStage<HttpResponse> heartbeat(HttpRequestView req) {
    Body b = Body.of(req, maxKey);
    String from = b.name("node_id");
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    JsonNode rs = b.get("roles");
    if (rs != null && rs.isArray()) {
      for (JsonNode r : rs) {
        for (Role role : Role.values()) {
          if (role.id().equals(r.asText())) {
            roles.add(role);
          }
        }
      }
    }
    cluster.heard(from, rs == null ? null : roles);
    return local(() -> HttpResponse.ok(heartbeatBody()));
  }

  /**
   * The heartbeat this node sends and answers with.
   *
   * @return {@code {"node_id", "roles"}}
   */
  public Map<String, Object> heartbeatBody() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("node_id", self);
    ArrayNode roles = Json.mapper().createArrayNode();
    for (Role r : config.roles()) {
      roles.add(r.id());
    }
    m.put("roles", roles);
    return m;
  }

  /** The HTTP contract, as copied from docs/api.yaml into the jar at build time. */
  private HttpResponse openApi() {
    try (InputStream in = PublicApi.class.getResourceAsStream("/io/synod/server/api.yaml")) {
      if (in == null) {
        throw new HttpError(404, "not_found", "this build carries no OpenAPI document");
      }
      return HttpResponse.of(200, "application/yaml; charset=utf-8", in.readAllBytes());
    } catch (IOException e) {
      throw new HttpError(500, "internal_error", "openapi.yaml: " + e.getMessage());
    }
  }

  private HttpResponse statusPage() {
    try (InputStream in = PublicApi.class.getResourceAsStream("/io/synod/server/status.html")) {
      if (in == null) {
        return HttpResponse.text(200, "synod node " + self);
      }
      return HttpResponse.of(200, "text/html; charset=utf-8", in.readAllBytes());
    } catch (IOException e) {
      throw new HttpError(500, "internal_error", "status page: " + e.getMessage());
    }
  }
}
