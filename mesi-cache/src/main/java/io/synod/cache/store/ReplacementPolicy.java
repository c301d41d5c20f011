package io.synod.cache.store;

/**
 * Decides which resident key leaves when a store is full. It sees the store's events and names a
 * victim; it never holds values (storage and policy are apart, as in Caffeine's simulator).
 *
 * <p>Contract: implementations are single-threaded (callers serialize access), must be
 * deterministic (same events, same victims) and must only track keys they were told were
 * inserted and not yet removed.
 *
 * @param <K> the key type
 */
public interface ReplacementPolicy<K> {
  /**
   * Records that {@code key} was inserted; it must not be resident already.
   *
   * @param key the key
   */
  void recordInsert(K key);

  /**
   * Records a hit on {@code key}; ignored when the key is not resident.
   *
   * @param key the key
   */
  void recordAccess(K key);

  /**
   * Records that {@code key} left the store for another reason than eviction; ignored when the
   * key is not resident.
   *
   * @param key the key
   */
  void recordRemove(K key);

  /**
   * Names and forgets the key to evict; the store must then remove it.
   *
   * @return the victim
   * @throws IllegalStateException when nothing is resident
   */
  K evict();

  /**
   * Whether {@code key} is resident.
   *
   * @param key the key
   * @return true when tracked
   */
  boolean contains(K key);

  /**
   * Number of resident keys.
   *
   * @return the size
   */
  int size();

  /**
   * The policy's name for reports.
   *
   * @return the name
   */
  String name();
}
