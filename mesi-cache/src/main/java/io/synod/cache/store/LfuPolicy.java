package io.synod.cache.store;

import io.synod.cache.Invariants;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.TreeSet;

/**
 * Least frequently used with aging. Each resident key has a count (1 on insert, +1 per hit) and
 * the stamp of its last event; the victim has the smallest count, ties going to the oldest stamp.
 * Every {@code agingPeriod} events (inserts plus hits) all counts are halved (never below 1), so
 * keys that were hot long ago do not stay forever (the "aging" of LFU-DA/TinyLFU's reset).
 * O(log n) per event, O(n log n) per aging round.
 *
 * @param <K> the key type
 */
public final class LfuPolicy<K> implements ReplacementPolicy<K> {
  private static final class Entry<K> {
    final K key;
    long count;
    long stamp;

    Entry(K key, long count, long stamp) {
      this.key = key;
      this.count = count;
      this.stamp = stamp;
    }
  }

  private static final Comparator<Entry<?>> ORDER =
      Comparator.<Entry<?>>comparingLong(e -> e.count).thenComparingLong(e -> e.stamp);

  private final long agingPeriod;
  private final HashMap<K, Entry<K>> entries = new HashMap<>();
  private final TreeSet<Entry<K>> order = new TreeSet<>(ORDER);
  private long clock;
  private long eventsSinceAging;

  /**
   * Creates the policy.
   *
   * @param agingPeriod events between two halvings; must be positive
   */
  public LfuPolicy(long agingPeriod) {
    Invariants.require(agingPeriod > 0, "agingPeriod must be > 0");
    this.agingPeriod = agingPeriod;
  }

  /**
   * Returns the default aging period for a capacity: ten times the capacity, at least 16.
   *
   * @param capacity the store capacity
   * @return the period in events
   */
  public static long defaultAgingPeriod(int capacity) {
    return Math.max(16L, 10L * capacity);
  }

  @Override
  public void recordInsert(K key) {
    Invariants.check(!entries.containsKey(key), "LFU: key already resident: " + key);
    Entry<K> e = new Entry<>(key, 1, ++clock);
    entries.put(key, e);
    order.add(e);
    tickAging();
  }

  @Override
  public void recordAccess(K key) {
    Entry<K> e = entries.get(key);
    if (e == null) {
      return;
    }
    order.remove(e);
    e.count++;
    e.stamp = ++clock;
    order.add(e);
    tickAging();
  }

  @Override
  public void recordRemove(K key) {
    Entry<K> e = entries.remove(key);
    if (e != null) {
      order.remove(e);
    }
  }

  @Override
  public K evict() {
    Invariants.check(!order.isEmpty(), "LFU: evict on an empty policy");
    Entry<K> victim = order.pollFirst();
    entries.remove(victim.key);
    return victim.key;
  }

  @Override
  public boolean contains(K key) {
    return entries.containsKey(key);
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public String name() {
    return "lfu";
  }

  /**
   * Returns the current count of {@code key}, or 0 when not resident (for tests and reports).
   *
   * @param key the key
   * @return the count
   */
  public long frequency(K key) {
    Entry<K> e = entries.get(key);
    return e == null ? 0 : e.count;
  }

  private void tickAging() {
    if (++eventsSinceAging < agingPeriod) {
      return;
    }
    eventsSinceAging = 0;
    List<Entry<K>> all = new ArrayList<>(order);
    order.clear();
    for (Entry<K> e : all) {
      e.count = Math.max(1, e.count >>> 1);
      order.add(e);
    }
  }
}
