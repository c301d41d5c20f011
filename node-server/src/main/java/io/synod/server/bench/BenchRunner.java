package io.synod.server.bench;

import io.synod.transport.http.EventLoops;
import io.synod.transport.http.HttpClientOptions;
import io.synod.transport.http.HttpClientPool;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a scenario against running nodes the way Locust does: users start at the spawn rate, each
 * runs a closed loop of requests until the duration is over; latencies go into HdrHistograms.
 *
 * <p>HTTP goes through transport-http's Netty {@link HttpClientPool} (HTTP/1.1 keep-alive, one
 * connection per user to its target, like wrk's {@code -c}), so the tool holds no thread per user
 * and measures the server rather than its own client: the JDK's HttpClient capped it at about
 * 1.4k req/s where wrk drove the same server at 42k.
 */
public final class BenchRunner {

  private static final Logger LOG = LoggerFactory.getLogger(BenchRunner.class);

  private final BenchOptions options;
  private final PrintStream progress;

  /**
   * @param options what to run
   * @param progress where the live line goes once a second, or {@code null} for none
   */
  public BenchRunner(BenchOptions options, PrintStream progress) {
    this.options = options;
    this.progress = progress;
  }

  /** Runs one scenario to the end and returns its figures. */
  public BenchResult run(Scenario scenario) throws InterruptedException {
    BenchStats stats = new BenchStats();
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "synod-bench-timer");
              t.setDaemon(true);
              return t;
            });
    // One pool per event-loop thread: a pool keeps all connections to one target on one loop, so
    // users are spread over several pools to use every core, as wrk spreads connections over -t.
    int loopCount = Math.max(1, Math.min(options.users(), Runtime.getRuntime().availableProcessors()));
    int perPool = (options.users() + loopCount - 1) / loopCount;
    HttpClientOptions clientOptions =
        HttpClientOptions.builder()
            .maxConnectionsPerPeer(Math.max(1, perPool))
            .maxPendingPerPeer(Math.max(HttpClientOptions.DEFAULT_MAX_PENDING_PER_PEER, 4 * perPool))
            .connectTimeout(options.requestTimeout())
            .requestTimeout(options.requestTimeout())
            .sslContext(options.tls()
                ? io.synod.transport.http.Tls.client(options.tlsCa(), null, null) : null)
            .build();
    EventLoops loops = EventLoops.create("synod-bench", loopCount);
    List<HttpClientPool> pools = new ArrayList<>();
    for (int i = 0; i < loopCount; i++) {
      pools.add(HttpClientPool.create(loops, clientOptions));
    }
    List<BenchResult.Sample> timeline = java.util.Collections.synchronizedList(new ArrayList<>());
    long warmupNanos = options.warmup().toNanos();
    if (warmupNanos > 0) {
      stats.pauseForWarmup();
      timer.schedule(stats::startRecording, warmupNanos, TimeUnit.NANOSECONDS);
    }
    long launchNanos = System.nanoTime();
    long startNanos = launchNanos + warmupNanos;
    long endNanos = startNanos + options.duration().toNanos();
    List<CompletableFuture<Void>> users = new ArrayList<>();
    AtomicInteger started = new AtomicInteger();
    CompletableFuture<Void> allStarted = new CompletableFuture<>();
    long spawnIntervalMicros = Math.max(1, (long) (1_000_000 / options.spawnRatePerSecond()));
    try {
      timer.scheduleAtFixedRate(
          () -> {
            int n = started.getAndIncrement();
            if (n >= options.users() || System.nanoTime() >= endNanos) {
              allStarted.complete(null);
              return;
            }
            URI target = options.targets().get(n % options.targets().size());
            BenchUser user =
                new BenchUser(
                    n,
                    target,
                    scenario,
                    pools.get(n % pools.size()),
                    stats,
                    options,
                    () -> System.nanoTime() < endNanos);
            synchronized (users) {
              users.add(user.start());
            }
          },
          0,
          spawnIntervalMicros,
          TimeUnit.MICROSECONDS);
      // one sample a second, for the live line and the report's timeline
      timer.scheduleAtFixedRate(
          () -> sample(scenario, stats, startNanos, started.get(), timeline),
          1,
          1,
          TimeUnit.SECONDS);
      long waitMillis = TimeUnit.NANOSECONDS.toMillis(endNanos - System.nanoTime());
      if (!awaitQuietly(allStarted, waitMillis + 1000)) {
        LOG.debug("not all users started before the end of the run");
      }
      CompletableFuture<Void> all;
      synchronized (users) {
        all = CompletableFuture.allOf(users.toArray(new CompletableFuture[0]));
      }
      // users run until the end; the last requests finish within one request timeout after it
      // (counted from now, this wait ended the run a request timeout after the last user
      // started, and the users left failed on the closed pools for the rest of the run)
      long untilEndMillis =
          Math.max(0, TimeUnit.NANOSECONDS.toMillis(endNanos - System.nanoTime()));
      awaitQuietly(all, untilEndMillis + options.requestTimeout().toMillis() + 1000);
    } finally {
      timer.shutdownNow();
      pools.forEach(HttpClientPool::close);
      loops.close();
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    if (progress != null) {
      progress.println();
    }
    List<BenchResult.Sample> samples;
    synchronized (timeline) {
      samples = List.copyOf(timeline);
    }
    return BenchResult.of(
        scenario, Math.min(options.users(), started.get()), seconds, stats, samples);
  }

  private static boolean awaitQuietly(CompletableFuture<Void> f, long millis)
      throws InterruptedException {
    try {
      f.get(Math.max(1, millis), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  private long failuresSoFar;

  private void sample(
      Scenario scenario,
      BenchStats stats,
      long startNanos,
      int users,
      List<BenchResult.Sample> timeline) {
    long now = System.nanoTime();
    if (now - startNanos < 0) {
      if (progress == null) {
        return;
      }
      progress.printf(Locale.ROOT, "\r[%s warm-up %3ds left] users %4d   ", scenario.label(),
          TimeUnit.NANOSECONDS.toSeconds(startNanos - now) + 1, Math.min(users, options.users()));
      progress.flush();
      return;
    }
    Histogram interval = stats.drainInterval();
    long elapsed = TimeUnit.NANOSECONDS.toSeconds(now - startNanos);
    long failures = stats.totalFailures();
    timeline.add(
        new BenchResult.Sample(
            elapsed,
            Math.min(users, options.users()),
            interval.getTotalCount(),
            failures - failuresSoFar,
            interval.getValueAtPercentile(50) / 1000.0,
            interval.getValueAtPercentile(99) / 1000.0));
    failuresSoFar = failures;
    if (progress == null) {
      return;
    }
    progress.printf(
        Locale.ROOT,
        "\r[%s %4ds] users %4d  %9.0f req/s  failures %6d  p50 %7.2f ms  p99 %7.2f ms   ",
        scenario.label(),
        elapsed,
        Math.min(users, options.users()),
        (double) interval.getTotalCount(),
        stats.totalFailures(),
        interval.getValueAtPercentile(50) / 1000.0,
        interval.getValueAtPercentile(99) / 1000.0);
    progress.flush();
  }
}
