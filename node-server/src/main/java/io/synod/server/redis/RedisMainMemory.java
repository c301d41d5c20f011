package io.synod.server.redis;

import io.synod.cache.CacheException;
import io.synod.cache.CacheValue;
import io.synod.cache.spi.MainMemory;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The cache's {@link MainMemory} in Redis: one string per address under {@code cache:<address>}
 * ({@link RedisKeys#cache}, hash-tagged in cluster mode), read with GET and written with SET
 * through the connector's shared Lettuce connection.
 *
 * <p>Order: commands on one connection run in the order they were sent, and every command for
 * an address goes to the one node holding its slot, so operations on a key take effect in call
 * order, as the {@code MainMemory} contract requires. Durability is Redis's own: a completed
 * {@code put} is in the server's memory (and in its AOF per its fsync policy). Methods never
 * block and never throw; failures (Redis down, command timeout) complete the stage with a
 * {@link CacheException}.
 */
public final class RedisMainMemory implements MainMemory {
  private final RedisConnector redis;

  /**
   * Creates the adapter over an open connector (not closed by this object).
   *
   * @param redis the connector
   */
  public RedisMainMemory(RedisConnector redis) {
    this.redis = Objects.requireNonNull(redis, "redis");
  }

  private byte[] key(String address) {
    return redis.keys().cache(address).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public CompletionStage<CacheValue> get(String key) {
    try {
      return redis.commands().get(key(key)).toCompletableFuture()
          .handle((bytes, error) -> {
            if (error != null) {
              throw new CacheException("Redis GET of cache address " + key + " failed: "
                  + error.getMessage(), error);
            }
            return bytes == null ? null : CacheValue.of(bytes);
          });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new CacheException("Redis GET of cache address " + key + " failed", e));
    }
  }

  @Override
  public CompletionStage<Void> put(String key, CacheValue value) {
    Objects.requireNonNull(value, "value");
    try {
      return redis.commands().set(key(key), value.toBytes()).toCompletableFuture()
          .handle((ok, error) -> {
            if (error != null) {
              throw new CacheException("Redis SET of cache address " + key + " failed: "
                  + error.getMessage(), error);
            }
            return null;
          });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new CacheException("Redis SET of cache address " + key + " failed", e));
    }
  }
}
