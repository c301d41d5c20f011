package io.synod.cache.store;

import java.util.Locale;

/** The replacement policies shipped. */
public enum PolicyKind {
  /** Least recently used: the default. */
  LRU,
  /** Least frequently used with periodic halving of counts (aging); ties go to the least recent. */
  LFU;

  /**
   * Creates a fresh policy of this kind.
   *
   * @param capacity the store capacity (LFU derives its aging period from it)
   * @param <K> the key type
   * @return the policy
   */
  public <K> ReplacementPolicy<K> create(int capacity) {
    return switch (this) {
      case LRU -> new LruPolicy<>();
      case LFU -> new LfuPolicy<>(LfuPolicy.defaultAgingPeriod(capacity));
    };
  }

  /**
   * Parses {@code lru} or {@code lfu}, case-insensitively.
   *
   * @param name the name
   * @return the kind
   * @throws IllegalArgumentException for an unknown name
   */
  public static PolicyKind parse(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT));
  }
}
