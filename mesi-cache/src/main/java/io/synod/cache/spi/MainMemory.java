package io.synod.cache.spi;

import io.synod.cache.CacheValue;
import java.util.concurrent.CompletionStage;

/**
 * The backing store behind the caches ("main memory"): in memory here, Redis in node-server
 * (key {@code cache:<address>}).
 *
 * <p>Contract: only a key's home node calls it, from its core thread. Methods must not block and
 * must not throw; failures complete the stage exceptionally. Operations on the same key must take
 * effect in the order they were called (a {@code get} called after a {@code put} must see that
 * put or a later one); this is what lets the home issue a write-back and then serve the next read
 * without waiting. When the stage returned by {@link #put} completes normally the value must be
 * as durable as the store is (write-through acknowledges a write only then). Completions may run
 * on any thread; the runtime hands them back to the core thread.
 */
public interface MainMemory {
  /**
   * Reads a key.
   *
   * @param key the key
   * @return a stage completing with the value, or with {@code null} when the key was never
   *     written
   */
  CompletionStage<CacheValue> get(String key);

  /**
   * Writes a key.
   *
   * @param key the key
   * @param value the value, never null
   * @return a stage completing once the write took effect
   */
  CompletionStage<Void> put(String key, CacheValue value);
}
