package io.synod.jmh.scale;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.openjdk.jol.info.GraphLayout;

/**
 * The scale run of issue 24: for each kind of item (held locks, queued messages, cache lines)
 * and each size N, fills a fresh structure of the real code with N items, then records heap per
 * item (used heap after a full GC, less the empty structure's, over N), the process's RSS, one
 * operation's p50 and p99 at that size, the snapshot's size and the time to restore it. The
 * point is the curve: cost per item against N must stay flat.
 *
 * <p>Run with {@code docs/perf/scale.sh}, which puts Redis beside the queue and the cache. A
 * command-line tool, so it prints; nothing here is asserted.
 *
 * <pre>{@code java -cp jmh/target/benchmarks.jar io.synod.jmh.scale.ScaleRun \
 *     --kinds locks,messages,lines --sizes 1000,10000,100000,1000000 --payload 64 \
 *     --out docs/perf/results/scale.tsv}</pre>
 *
 * <p>{@code --footprint locks:100000} instead prints where one structure's bytes go, by class
 * (JOL's graph walk).
 */
public final class ScaleRun {

  /** One kind of item under test, filled by the code that serves it. */
  interface Subject extends AutoCloseable {
    /** Adds {@code n} items. */
    void fill(int n) throws Exception;

    /** One operation at the filled size; leaves the number of items as it was. */
    void op(int i) throws Exception;

    /** The snapshot's size in bytes, or -1 when the structure has none. */
    long snapshotBytes() throws IOException;

    /** Nanoseconds to restore the snapshot into a fresh structure, or -1. */
    long restoreNanos() throws IOException;

    /** The object that holds every item (for a footprint). */
    Object root();

    @Override
    default void close() {}
  }

  /** One measured row. */
  record Row(String kind, int n, double heapPerItem, long rssBytes, double p50Micros,
      double p99Micros, long snapshotBytes, double restoreMillis) {
    String tsv() {
      return String.format(Locale.ROOT, "%s\t%d\t%.1f\t%d\t%.2f\t%.2f\t%d\t%.1f", kind, n,
          heapPerItem, rssBytes, p50Micros, p99Micros, snapshotBytes, restoreMillis);
    }
  }

  static final String HEADER =
      "kind\tn\theap_bytes_per_item\trss_bytes\top_p50_us\top_p99_us\tsnapshot_bytes\trestore_ms";

  private ScaleRun() {}

  /**
   * Runs the scale table.
   *
   * @param args {@code --kinds}, {@code --sizes}, {@code --payload} (bytes per message and
   *     cache value), {@code --ops} (measured operations per size), {@code --out} (a TSV file)
   */
  public static void main(String[] args) throws Exception {
    List<String> kinds = List.of("locks", "messages", "lines");
    List<Integer> sizes = List.of(1_000, 10_000, 100_000, 1_000_000);
    int payload = 64;
    int ops = 20_000;
    Path out = null;
    String footprint = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--kinds" -> kinds = List.of(args[i + 1].split(","));
        case "--sizes" -> {
          List<Integer> s = new ArrayList<>();
          for (String v : args[i + 1].split(",")) {
            s.add(Integer.parseInt(v.trim().replace("_", "")));
          }
          sizes = s;
        }
        case "--payload" -> payload = Integer.parseInt(args[i + 1]);
        case "--ops" -> ops = Integer.parseInt(args[i + 1]);
        case "--out" -> out = Path.of(args[i + 1]);
        case "--footprint" -> footprint = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    PrintStream console = System.out;
    if (footprint != null) {
      // where the bytes go: every object reachable from the structure, by class (JOL)
      String[] kn = footprint.split(":");
      try (Subject s = Subjects.create(kn[0], payload)) {
        int n = Integer.parseInt(kn[1].replace("_", ""));
        s.fill(n);
        GraphLayout g = GraphLayout.parseInstance(s.root());
        console.printf(Locale.ROOT, "%s at %d: %d bytes in %d objects, %.1f bytes per item%n",
            kn[0], n, g.totalSize(), g.totalCount(), g.totalSize() / (double) n);
        console.println(g.toFootprint());
      }
      return;
    }
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    console.println(HEADER);
    for (String kind : kinds) {
      for (int n : sizes) {
        int p = payload;
        Row row = measure(kind, n, ops, () -> Subjects.create(kind, p));
        lines.add(row.tsv());
        console.println(row.tsv());
      }
    }
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.write(out, lines, StandardCharsets.UTF_8);
    }
  }

  static Row measure(String kind, int n, int ops, Supplier<Subject> factory) throws Exception {
    try (Subject s = factory.get()) {
      long empty = usedHeapAfterGc();
      s.fill(n);
      long full = usedHeapAfterGc();
      long rss = rssBytes();
      // warm-up at the filled size, then the measured operations
      for (int i = 0; i < ops; i++) {
        s.op(i);
      }
      Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
      for (int i = 0; i < ops; i++) {
        long t0 = System.nanoTime();
        s.op(ops + i);
        h.recordValue(Math.min(System.nanoTime() - t0, h.getHighestTrackableValue()));
      }
      long snap = s.snapshotBytes();
      long restore = s.restoreNanos();
      return new Row(kind, n, (full - empty) / (double) n, rss,
          h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, snap,
          restore < 0 ? -1 : restore / 1e6);
    }
  }

  /** Used heap once a full collection has run (twice, so finalized garbage is gone too). */
  static long usedHeapAfterGc() {
    for (int i = 0; i < 2; i++) {
      System.gc();
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The process's resident set from /proc, or -1 off Linux. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
