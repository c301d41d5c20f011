package io.synod.jmh;

import io.synod.queue.ring.HashRing;
import io.synod.queue.ring.XxHash64;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Ring lookups per second on one thread: {@link HashRing#ownerOf} (binary search over a primitive
 * array) beside the usual {@code TreeMap<Long, String>.ceilingEntry} ring with the same hash and
 * points, and the hash alone as a floor.
 *
 * <p>Run: {@code mvn -B -q -o -pl jmh -am package -DskipTests && java -jar
 * jmh/target/benchmarks.jar RingBenchmark -f 1 -wi 2 -i 3 -w 2s -r 3s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class RingBenchmark {
  @Param({"3"})
  int nodes;

  private HashRing ring;
  private TreeMap<Long, String> treeRing;
  private String[] keys;
  private int i;

  @Setup
  public void setUp() {
    List<String> names = new ArrayList<>();
    for (int n = 1; n <= nodes; n++) {
      names.add("node" + n);
    }
    ring = HashRing.of(names);
    treeRing = new TreeMap<>(Long::compareUnsigned);
    ring.virtualNodes().forEach(v -> treeRing.put(v.position(), v.node()));
    SplittableRandom rnd = new SplittableRandom(7);
    keys = new String[4096];
    for (int k = 0; k < keys.length; k++) {
      keys[k] = "topic-" + Long.toHexString(rnd.nextLong());
    }
  }

  private String nextKey() {
    i = (i + 1) & (keys.length - 1);
    return keys[i];
  }

  /** The ring under test. */
  @Benchmark
  public String hashRingOwnerOf() {
    return ring.ownerOf(nextKey());
  }

  /** Baseline: a TreeMap ring with the same points and hash. */
  @Benchmark
  public String treeMapCeiling() {
    long h = XxHash64.hash(nextKey());
    Map.Entry<Long, String> e = treeRing.ceilingEntry(h);
    return e != null ? e.getValue() : treeRing.firstEntry().getValue();
  }

  /** Floor: hashing the key alone. */
  @Benchmark
  public long hashOnly() {
    return XxHash64.hash(nextKey());
  }
}
