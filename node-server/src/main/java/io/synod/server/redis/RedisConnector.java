package io.synod.server.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lettuce connection to Redis, made from a {@code REDIS_URL}: {@code redis://},
 * {@code rediss://} and {@code redis-sentinel://} through the standalone client, {@code
 * redis-cluster://host:port[,host:port...]} through the cluster client (keys then carry hash
 * tags, see {@link RedisKeys}).
 *
 * <p>The connection is thread-safe and shared by every adapter of a node. All commands are async;
 * commands issued without waiting for earlier replies are pipelined on the one socket (Lettuce
 * flushes each command as it is written, so a batch is one burst of writes and one burst of
 * replies). Every command carries the configured timeout; the client reconnects by itself, and
 * the per-connection request queue is bounded ({@link RedisSettings#requestQueueSize()}).
 *
 * <p>Must be closed when the node stops.
 */
public final class RedisConnector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);

  private final String url;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<byte[], byte[]> connection;
  private final RedisClusterAsyncCommands<byte[], byte[]> commands;
  private final RedisKeys keys;
  private final Duration timeout;

  private RedisConnector(String url, ClientResources resources, AbstractRedisClient client,
      StatefulConnection<byte[], byte[]> connection,
      RedisClusterAsyncCommands<byte[], byte[]> commands, boolean cluster, Duration timeout) {
    this.url = url;
    this.resources = resources;
    this.client = client;
    this.connection = connection;
    this.commands = commands;
    this.keys = new RedisKeys(cluster);
    this.timeout = timeout;
  }

  /**
   * Connects with the default settings.
   *
   * @param url the {@code REDIS_URL}
   * @return the connector
   * @throws io.lettuce.core.RedisConnectionException when Redis does not answer
   * @throws IllegalArgumentException when the URL is not a Redis URL
   */
  public static RedisConnector connect(String url) {
    return connect(url, RedisSettings.defaults());
  }

  /**
   * Connects, waiting at most the connect timeout. Must not be called on an event loop thread.
   *
   * @param url the {@code REDIS_URL}: {@code redis://[user:password@]host:port[/db]}, {@code
   *     rediss://...}, {@code redis-sentinel://...}, or {@code redis-cluster://host:port,...}
   * @param settings timeouts and limits
   * @return the connector
   * @throws io.lettuce.core.RedisConnectionException when Redis does not answer
   * @throws IllegalArgumentException when the URL is not a Redis URL
   */
  public static RedisConnector connect(String url, RedisSettings settings) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(settings, "settings");
    boolean cluster = url.startsWith("redis-cluster://");
    if (!cluster && !url.startsWith("redis://") && !url.startsWith("rediss://")
        && !url.startsWith("redis-sentinel://")) {
      throw new IllegalArgumentException("REDIS_URL must start with redis://, rediss://, "
          + "redis-sentinel:// or redis-cluster://: " + redact(url));
    }
    ClientResources resources = DefaultClientResources.builder()
        .ioThreadPoolSize(settings.ioThreads())
        .computationThreadPoolSize(Math.max(1, settings.ioThreads()))
        .build();
    SocketOptions socket = SocketOptions.builder()
        .connectTimeout(settings.connectTimeout())
        .tcpNoDelay(true)
        .keepAlive(true)
        .build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(settings.commandTimeout());
    try {
      if (cluster) {
        List<RedisURI> seeds = clusterSeeds(url, settings);
        RedisClusterClient c = RedisClusterClient.create(resources, seeds);
        c.setOptions(ClusterClientOptions.builder()
            .socketOptions(socket)
            .timeoutOptions(timeouts)
            .requestQueueSize(settings.requestQueueSize())
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.DEFAULT)
            .autoReconnect(true)
            .build());
        try {
          StatefulRedisClusterConnection<byte[], byte[]> conn = c.connect(ByteArrayCodec.INSTANCE);
          LOG.info("Redis Cluster connected through {}", redact(url));
          return new RedisConnector(url, resources, c, conn, conn.async(), true,
              settings.commandTimeout());
        } catch (RuntimeException e) {
          c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
          throw e;
        }
      }
      RedisURI uri = RedisURI.create(url);
      uri.setTimeout(settings.commandTimeout());
      RedisClient c = RedisClient.create(resources, uri);
      c.setOptions(ClientOptions.builder()
          .socketOptions(socket)
          .timeoutOptions(timeouts)
          .requestQueueSize(settings.requestQueueSize())
          .autoReconnect(true)
          .build());
      try {
        StatefulRedisConnection<byte[], byte[]> conn = c.connect(ByteArrayCodec.INSTANCE);
        LOG.info("Redis connected at {}", redact(url));
        return new RedisConnector(url, resources, c, conn, conn.async(), false,
            settings.commandTimeout());
      } catch (RuntimeException e) {
        c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        throw e;
      }
    } catch (RuntimeException e) {
      resources.shutdown(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  private static List<RedisURI> clusterSeeds(String url, RedisSettings settings) {
    String rest = url.substring("redis-cluster://".length());
    String userInfo = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
    }
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      rest = rest.substring(0, slash);
    }
    List<RedisURI> seeds = new ArrayList<>();
    for (String hostPort : rest.split(",")) {
      if (hostPort.isBlank()) {
        continue;
      }
      String u = "redis://" + (userInfo == null ? "" : userInfo + "@") + hostPort.trim();
      RedisURI r = RedisURI.create(URI.create(u));
      r.setTimeout(settings.commandTimeout());
      seeds.add(r);
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("redis-cluster:// URL names no host: " + redact(url));
    }
    return seeds;
  }

  /**
   * Hides a password in a URL, for logs.
   *
   * @param url a URL
   * @return the URL with its user info replaced by {@code ***}
   */
  static String redact(String url) {
    int scheme = url.indexOf("://");
    int at = url.lastIndexOf('@');
    if (scheme < 0 || at < scheme) {
      return url;
    }
    return url.substring(0, scheme + 3) + "***" + url.substring(at);
  }

  /**
   * The async commands of the shared connection. Callers must not block on their futures from a
   * Redis I/O thread (callbacks run there).
   *
   * @return the commands (standalone or cluster)
   */
  public RedisClusterAsyncCommands<byte[], byte[]> commands() {
    return commands;
  }

  /** @return the key layout of this connection (hash tags in cluster mode) */
  public RedisKeys keys() {
    return keys;
  }

  /** @return whether this is a Redis Cluster connection */
  public boolean isCluster() {
    return keys.hashTags();
  }

  /** @return the URL, with any password hidden */
  public String describe() {
    return redact(url);
  }

  /**
   * Health probe for {@code /ready}: sends PING. Never fails: a stage completing with false
   * means Redis did not answer PONG within the command timeout.
   *
   * @return true when Redis answered PONG
   */
  public CompletionStage<Boolean> ping() {
    CompletableFuture<Boolean> out = new CompletableFuture<>();
    try {
      commands.ping().toCompletableFuture()
          .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((r, e) -> out.complete(e == null && "PONG".equals(r)));
    } catch (RuntimeException e) {
      out.complete(false);
    }
    return out;
  }

  /** @return whether the connection is open right now (it may be reconnecting) */
  public boolean isOpen() {
    return connection.isOpen();
  }

  @Override
  public void close() {
    try {
      connection.close();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }
}
