package io.synod.cache.store;

import io.synod.cache.Invariants;
import java.util.HashMap;
import java.util.function.BiConsumer;

/**
 * A bounded single-threaded map of entries with a pluggable {@link ReplacementPolicy}: the exact
 * path used by trace replay and by hit-ratio tests. Callers must confine it to one thread.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class LocalStore<K, V> {
  private final int capacity;
  private final ReplacementPolicy<K> policy;
  private final HashMap<K, V> map = new HashMap<>();

  /**
   * Creates a store.
   *
   * @param capacity the capacity in entries; must be at least 1
   * @param policy the policy, empty
   */
  public LocalStore(int capacity, ReplacementPolicy<K> policy) {
    Invariants.require(capacity >= 1, "capacity must be >= 1");
    this.capacity = capacity;
    this.policy = policy;
  }

  /**
   * Returns the value of {@code key} and records a hit, or returns null.
   *
   * @param key the key
   * @return the value or null
   */
  public V get(K key) {
    V v = map.get(key);
    if (v != null) {
      policy.recordAccess(key);
    }
    return v;
  }

  /**
   * Stores {@code value}, evicting as needed.
   *
   * @param key the key
   * @param value the value, never null
   * @param onEvict told of each evicted entry, may be null
   */
  public void put(K key, V value, BiConsumer<K, V> onEvict) {
    V old = map.put(key, value);
    if (old != null) {
      policy.recordAccess(key);
      return;
    }
    policy.recordInsert(key);
    while (policy.size() > capacity) {
      K victim = policy.evict();
      V evicted = map.remove(victim);
      Invariants.check(evicted != null, "policy named a key the store does not hold: " + victim);
      if (onEvict != null) {
        onEvict.accept(victim, evicted);
      }
    }
    Invariants.check(map.size() == policy.size(), "store and policy disagree on size");
  }

  /**
   * Removes {@code key}.
   *
   * @param key the key
   * @return the removed value or null
   */
  public V remove(K key) {
    V v = map.remove(key);
    if (v != null) {
      policy.recordRemove(key);
    }
    return v;
  }

  /**
   * Returns the number of entries.
   *
   * @return the size
   */
  public int size() {
    return map.size();
  }

  /**
   * Whether {@code key} is resident, without recording an access.
   *
   * @param key the key
   * @return true when resident
   */
  public boolean containsKey(K key) {
    return map.containsKey(key);
  }
}
