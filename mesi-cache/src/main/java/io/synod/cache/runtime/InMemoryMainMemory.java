package io.synod.cache.runtime;

import io.synod.cache.CacheValue;
import io.synod.cache.spi.MainMemory;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Main memory in a concurrent map: every operation completes before it returns, so per-key
 * order holds trivially. Shared by every node of an in-process cluster (it stands for the one
 * backing store), and the embedded default when no Redis is configured. Nothing survives the
 * JVM.
 */
public final class InMemoryMainMemory implements MainMemory {
  private final Map<String, CacheValue> values = new ConcurrentHashMap<>();

  @Override
  public CompletionStage<CacheValue> get(String key) {
    return CompletableFuture.completedFuture(values.get(key));
  }

  @Override
  public CompletionStage<Void> put(String key, CacheValue value) {
    values.put(key, Objects.requireNonNull(value, "value"));
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Returns the stored value, for tests and status pages.
   *
   * @param key the key
   * @return the value or null
   */
  public CacheValue peek(String key) {
    return values.get(key);
  }
}
