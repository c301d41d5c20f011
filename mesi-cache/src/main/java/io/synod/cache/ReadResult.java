package io.synod.cache;

import io.synod.cache.protocol.LineState;

/**
 * The outcome of a read.
 *
 * @param key the key read
 * @param value the value, or {@code null} when the key was never written
 * @param state the line state right after the read (S, E or M; I when an invalidation raced the
 *     fill and the value was used once)
 * @param hit true when the line was already valid here and no message was sent
 */
public record ReadResult(String key, CacheValue value, LineState state, boolean hit) {
  /**
   * Returns the legacy status word, {@code "hit"} or {@code "miss"}.
   *
   * @return the status
   */
  public String status() {
    return hit ? "hit" : "miss";
  }
}
