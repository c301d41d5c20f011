package io.synod.jmh;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.synod.cache.runtime.ConcurrentLocalStore;
import io.synod.cache.store.PolicyKind;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Local-store reads and writes per second on 2 threads, in the shape of Caffeine's
 * GetPutBenchmark: a full cache, Zipfian keys (exponent 0.99 over 2^20 draws, scrambled), and
 * three groups: {@code read_only} (2 readers), {@code write_only} (2 writers) and
 * {@code readwrite} (1 reader, 1 writer). Implementations ({@code impl}): the cache's
 * {@link ConcurrentLocalStore} with LRU and with LFU, a {@code synchronized} access-ordered
 * {@link LinkedHashMap} (the usual hand-rolled LRU, the baseline) and Caffeine (the ceiling).
 *
 * <p>Run: {@code mvn -B -q -o -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar CacheBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CacheBenchmark {
  private static final int SIZE = 1 << 20;
  private static final int MASK = SIZE - 1;
  private static final int CAPACITY = 1 << 14;
  private static final int ITEMS = SIZE / 4;

  @Param({"synod-lru", "synod-lfu", "linkedhashmap", "caffeine"})
  String impl;

  /** The operations under test, one adapter per implementation. */
  interface Store {
    Integer get(Integer key);

    void put(Integer key, Integer value);
  }

  Store store;
  Integer[] keys;

  /** Each thread walks the key array from its own random start. */
  @State(Scope.Thread)
  public static class ThreadState {
    int index = new SplittableRandom(Thread.currentThread().getId()).nextInt(SIZE);
  }

  @Setup
  public void setUp() {
    store = switch (impl) {
      case "synod-lru" -> synod(PolicyKind.LRU);
      case "synod-lfu" -> synod(PolicyKind.LFU);
      case "linkedhashmap" -> linkedHashMap();
      case "caffeine" -> caffeine();
      default -> throw new IllegalArgumentException(impl);
    };
    keys = zipfianKeys();
    for (int i = 0; i < CAPACITY; i++) {
      store.put(keys[i], i);
    }
  }

  private static Store synod(PolicyKind kind) {
    ConcurrentLocalStore<Integer, Integer> s =
        new ConcurrentLocalStore<>(CAPACITY, kind.create(CAPACITY));
    return new Store() {
      @Override
      public Integer get(Integer key) {
        return s.get(key);
      }

      @Override
      public void put(Integer key, Integer value) {
        s.put(key, value, null);
      }
    };
  }

  private static Store linkedHashMap() {
    Map<Integer, Integer> m = new LinkedHashMap<>(CAPACITY * 2, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Integer, Integer> eldest) {
        return size() > CAPACITY;
      }
    };
    return new Store() {
      @Override
      public synchronized Integer get(Integer key) {
        return m.get(key);
      }

      @Override
      public synchronized void put(Integer key, Integer value) {
        m.put(key, value);
      }
    };
  }

  private static Store caffeine() {
    Cache<Integer, Integer> c = Caffeine.newBuilder().maximumSize(CAPACITY).build();
    return new Store() {
      @Override
      public Integer get(Integer key) {
        return c.getIfPresent(key);
      }

      @Override
      public void put(Integer key, Integer value) {
        c.put(key, value);
      }
    };
  }

  /** Zipf(0.99) ranks over ITEMS items by inverse CDF, scrambled so hot keys spread out. */
  static Integer[] zipfianKeys() {
    double s = 0.99;
    double[] cdf = new double[ITEMS];
    double sum = 0;
    for (int i = 0; i < ITEMS; i++) {
      sum += 1.0 / Math.pow(i + 1, s);
      cdf[i] = sum;
    }
    SplittableRandom random = new SplittableRandom(42);
    Integer[] out = new Integer[SIZE];
    for (int i = 0; i < SIZE; i++) {
      double u = random.nextDouble() * sum;
      int lo = 0;
      int hi = ITEMS - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] < u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      // scramble: a fixed odd multiplier permutes ranks, as YCSB's scrambled Zipfian does
      out[i] = (int) ((lo * 0x9E3779B1L) & 0x7fffffff);
    }
    return out;
  }

  @Benchmark
  @Group("read_only")
  @GroupThreads(2)
  public Integer readOnly(ThreadState t) {
    return store.get(keys[t.index++ & MASK]);
  }

  @Benchmark
  @Group("write_only")
  @GroupThreads(2)
  public void writeOnly(ThreadState t) {
    store.put(keys[t.index++ & MASK], 0);
  }

  @Benchmark
  @Group("readwrite")
  @GroupThreads(1)
  public Integer readwriteGet(ThreadState t) {
    return store.get(keys[t.index++ & MASK]);
  }

  @Benchmark
  @Group("readwrite")
  @GroupThreads(1)
  public void readwritePut(ThreadState t) {
    store.put(keys[t.index++ & MASK], 0);
  }
}
