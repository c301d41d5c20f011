package io.synod.server.queue;

import io.synod.queue.QueueConfig;
import io.synod.queue.QueueCore;
import io.synod.queue.QueueException;
import io.synod.queue.QueueNode;
import io.synod.queue.ring.HashRing;
import io.synod.queue.ring.RingConfig;
import io.synod.queue.ring.RingView;
import io.synod.queue.ring.StaticMembership;
import io.synod.queue.spi.QueueScheduler;
import io.synod.queue.spi.StreamStore;
import io.synod.server.cluster.RaftGroups;
import io.synod.server.config.NodeConfig;
import io.synod.server.redis.RedisConnector;
import io.synod.server.redis.RedisStreamStore;
import io.synod.server.service.ServiceException;
import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.Router;
import io.synod.transport.http.queue.HttpQueueTransport;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue service of one node: a hashring-queue {@link QueueNode} whose ring is built from the
 * members that are up and run the queue role, forwarding to a topic's owner through {@link
 * HttpQueueTransport} ({@code /internal/queue/...} on the node's own HTTP port).
 *
 * <p>Storage: with {@code REDIS_URL} the topics live in Redis Streams ({@link RedisStreamStore},
 * {@code queue_stream:<topic>}), shared by every node, so the ring owner serves a topic straight
 * from Redis and a new owner takes over with nothing to copy. Without it the topics live in Raft
 * groups ({@link QueueGroups}): a topic's group leader serves it, and a publish is answered once
 * a majority of the group holds it (fsync'd with {@code DATA_DIR}).
 *
 * <p>The ring changes when the failure detector (heartbeats) sees a member go down or come back:
 * call {@link #members(Collection)} with the queue members that are up.
 */
public final class NodeQueue implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeQueue.class);

  private final String self;
  private final StaticMembership membership;
  private final RingView ring;
  private final HttpClientPool pool;
  private final QueueNode node;
  private final QueueGroups groups;

  /**
   * Builds the queue service and registers {@code POST /internal/queue/{kind}} on the router.
   *
   * @param config the node's configuration
   * @param clock milliseconds
   * @param loops event loops for the forwarding connections
   * @param router the node's router
   * @param scheduler timers (long polls, retries)
   * @param redis the Redis connection, or {@code null} for embedded storage
   * @param raftGroups the node's Raft groups (embedded storage adds its queue groups to them)
   * @param initialMembers the queue members at start
   */
  public NodeQueue(NodeConfig config, LongSupplier clock, EventLoops loops, Router router,
      ScheduledExecutorService scheduler, RedisConnector redis, RaftGroups raftGroups,
      Collection<String> initialMembers) {
    this.self = config.nodeId();
    QueueConfig qc = QueueConfig.defaults()
        .withVisibilityTimeoutMillis(config.queueVisibilityTimeoutMillis())
        .withMaxDeliveries(config.queueMaxDeliveries())
        .withRetention(config.queueMaxDepth(),
            config.queueMaxAgeMillis() == 0 ? Long.MAX_VALUE : config.queueMaxAgeMillis());
    qc = new QueueConfig(qc.visibilityTimeoutMillis(), qc.maxDeliveries(), qc.maxBatch(),
        qc.maxWaitMillis(), qc.longPollRecheckMillis(), Math.max(qc.maxNameLength(),
            config.maxKeyLength() + QueueCore.DLQ_SUFFIX.length()),
        Math.max(qc.maxPayloadBytes(), config.maxBodyBytes()), qc.retentionMaxLength(),
        qc.retentionMaxAgeMillis(), qc.replicationFactor(), qc.maxWaitersPerTopic(),
        config.queueLimits());
    this.membership = new StaticMembership(initialMembers);
    this.pool = HttpClientPool.create(loops,
        config.peerClientOptions(HttpQueueTransport.recommendedClientOptions()));
    HttpQueueTransport transport =
        new HttpQueueTransport(pool, config.peers(), HttpQueueTransport.DEFAULT_TIMEOUT);
    QueueNode[] holder = new QueueNode[1];
    this.ring = new RingView(membership, RingConfig.defaults(), r -> {
      LOG.info("node {}: queue ring is now {} (epoch {})", self, r.nodes(), r.epoch());
      if (holder[0] != null) {
        holder[0].onRingChange(r);
      }
    });
    QueueScheduler timers = (delayMillis, task) -> {
      ScheduledFuture<?> f = scheduler.schedule(task, Math.max(0, delayMillis),
          TimeUnit.MILLISECONDS);
      return () -> f.cancel(false);
    };
    if (redis != null) {
      StreamStore store = new RedisStreamStore(redis);
      this.groups = null;
      this.node = new QueueNode(self, qc, ring::current, store, transport, timers, clock);
      holder[0] = node;
    } else {
      this.groups = new QueueGroups(config, qc, raftGroups, clock, scheduler);
      this.node = new QueueNode(self, qc, groups, transport);
    }
    HttpQueueTransport.register(router, node);
  }

  /**
   * Sets the members on the ring (the queue members that are up, this node included when it
   * runs the queue role). Changes only what differs; safe from one thread at a time.
   *
   * @param up the members
   */
  public synchronized void members(Collection<String> up) {
    SortedSet<String> want = new TreeSet<>(up);
    for (String m : List.copyOf(membership.members())) {
      if (!want.contains(m)) {
        membership.leave(m);
      }
    }
    for (String m : want) {
      membership.join(m);
    }
  }

  /** Starts the queue's Raft groups (embedded storage). */
  public void start() {
    if (groups != null) {
      groups.start();
    }
  }

  /** @return the queue's Raft groups, or {@code null} on Redis */
  public QueueGroups groups() {
    return groups;
  }

  /** @return the queue node (the API of the queue) */
  public QueueNode node() {
    return node;
  }

  /** @return the current ring */
  public HashRing ring() {
    return ring.current();
  }

  /**
   * Maps a queue failure onto an API refusal.
   *
   * @param e the failure (a {@link QueueException} or a wrapper of one)
   * @return the refusal
   */
  public static ServiceException failure(Throwable e) {
    QueueException q = QueueException.of(e);
    String detail = String.valueOf(q.getMessage());
    return switch (q.code()) {
      case INVALID_ARGUMENT -> new ServiceException(400, "invalid_argument", detail);
      case NOT_FOUND -> new ServiceException(404, "unknown_message", detail);
      case QUEUE_FULL -> new ServiceException(429, "topic_full", detail);
      case STALE_RECEIPT -> new ServiceException(409, "stale_receipt", detail);
      case GONE -> new ServiceException(410, "receipt_gone", detail);
      case CONFLICT -> new ServiceException(409, "conflict", detail);
      case LIMIT_REACHED -> new ServiceException(429, "limit_reached", detail);
      // ring views differ while membership changes: the client retries
      case NOT_OWNER -> new ServiceException(503, "not_owner", detail);
      case UNAVAILABLE -> new ServiceException(503, "unavailable", detail);
    };
  }

  @Override
  public void close() {
    if (groups != null) {
      groups.close();
    }
    try {
      ring.close();
    } catch (Exception e) {
      LOG.debug("closing the ring view failed", e);
    }
    pool.close();
  }
}
