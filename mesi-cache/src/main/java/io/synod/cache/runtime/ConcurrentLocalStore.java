package io.synod.cache.runtime;

import io.synod.cache.Invariants;
import io.synod.cache.store.ReplacementPolicy;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

/**
 * A bounded, thread-safe local store whose read path takes no lock: values live in a
 * {@link ConcurrentHashMap}, and a hit is recorded for the {@link ReplacementPolicy} in one of
 * several striped, bounded, lossy buffers that are replayed into the policy under a lock only
 * when a buffer fills or a key is inserted (Caffeine's read-buffer design, much simplified).
 * Inserts and removals take the lock; updating the value of a resident key does not.
 *
 * <h2>Implementation notes</h2>
 *
 * <p>Policy precision: when a buffer is full and the lock is busy, the access is dropped. LRU
 * order is then approximate under contention, which costs a little hit ratio but never
 * correctness: the map holds the values, the policy only names victims. With one thread no
 * access is ever dropped (the drain's {@code tryLock} always succeeds), so a single-threaded run
 * evicts exactly as {@link io.synod.cache.store.LocalStore} does.
 *
 * <p>Bound: the size may exceed the capacity only while an insert is between its map put and its
 * eviction under the lock; after every insert returns, the size is at most the capacity.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class ConcurrentLocalStore<K, V> {
  private static final int STRIPES = 16;
  private static final int BUFFER_SIZE = 32; // power of two
  private static final int MASK = BUFFER_SIZE - 1;

  /** One striped ring of recorded reads. */
  private static final class ReadBuffer<K> {
    final AtomicReferenceArray<K> slots = new AtomicReferenceArray<>(BUFFER_SIZE);
    final AtomicLong writes = new AtomicLong();
    // only advanced under the eviction lock
    volatile long reads;
  }

  private final int capacity;
  private final ReplacementPolicy<K> policy;
  private final ConcurrentHashMap<K, V> map = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  @SuppressWarnings("unchecked")
  private final ReadBuffer<K>[] buffers = new ReadBuffer[STRIPES];
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder evictions = new LongAdder();

  /**
   * Creates a store.
   *
   * @param capacity the capacity in entries; must be at least 1
   * @param policy an empty policy, used only under this store's lock
   */
  public ConcurrentLocalStore(int capacity, ReplacementPolicy<K> policy) {
    Invariants.require(capacity >= 1, "capacity must be >= 1, got " + capacity);
    this.capacity = capacity;
    this.policy = Objects.requireNonNull(policy, "policy");
    for (int i = 0; i < STRIPES; i++) {
      buffers[i] = new ReadBuffer<>();
    }
  }

  /**
   * Returns the value of {@code key}, recording the access, or null. Lock-free on a hit unless
   * this thread's buffer is full.
   *
   * @param key the key, never null
   * @return the value or null
   */
  public V get(K key) {
    V v = map.get(key);
    if (v == null) {
      misses.increment();
      return null;
    }
    hits.increment();
    recordRead(key);
    return v;
  }

  /**
   * Stores a value, evicting as needed.
   *
   * @param key the key, never null
   * @param value the value, never null
   * @param onEvict told of each evicted entry (under the lock: must be quick), may be null
   */
  public void put(K key, V value, BiConsumer<K, V> onEvict) {
    Objects.requireNonNull(value, "value");
    V old = map.put(key, value);
    if (old != null) {
      recordRead(key); // an update is an access, and needs no lock
      return;
    }
    lock.lock();
    try {
      drainBuffers();
      if (!map.containsKey(key)) {
        return; // removed again meanwhile
      }
      if (!policy.contains(key)) {
        policy.recordInsert(key);
      }
      while (map.size() > capacity && policy.size() > 0) {
        K victim = policy.evict();
        V evicted = map.remove(victim);
        if (evicted != null) {
          evictions.increment();
          if (onEvict != null) {
            onEvict.accept(victim, evicted);
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Removes a key.
   *
   * @param key the key
   * @return the removed value or null
   */
  public V remove(K key) {
    lock.lock();
    try {
      V v = map.remove(key);
      policy.recordRemove(key);
      return v;
    } finally {
      lock.unlock();
    }
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
   * Returns the hits counted by {@link #get}.
   *
   * @return the hits
   */
  public long hits() {
    return hits.sum();
  }

  /**
   * Returns the misses counted by {@link #get}.
   *
   * @return the misses
   */
  public long misses() {
    return misses.sum();
  }

  /**
   * Returns the number of evictions.
   *
   * @return the evictions
   */
  public long evictions() {
    return evictions.sum();
  }

  private void recordRead(K key) {
    ReadBuffer<K> b = buffers[(int) (Thread.currentThread().getId() & (STRIPES - 1))];
    long w = b.writes.get();
    if (w - b.reads < BUFFER_SIZE && b.writes.compareAndSet(w, w + 1)) {
      b.slots.lazySet((int) (w & MASK), key);
      if (w - b.reads < BUFFER_SIZE - 1) {
        return;
      }
    }
    // full (or lost the slot race): replay the buffers if nobody else is doing it
    if (lock.tryLock()) {
      try {
        drainBuffers();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Replays the recorded reads into the policy; the caller holds the lock. */
  private void drainBuffers() {
    for (ReadBuffer<K> b : buffers) {
      long r = b.reads;
      long w = b.writes.get();
      for (; r < w; r++) {
        int slot = (int) (r & MASK);
        K k = b.slots.getAndSet(slot, null);
        if (k == null) {
          break; // claimed but not yet written: pick it up next time
        }
        policy.recordAccess(k);
      }
      b.reads = r;
    }
  }
}
