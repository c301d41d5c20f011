package io.synod.server.bench;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
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
 * <p>HTTP goes through the JDK's {@link HttpClient} (HTTP/1.1, pooled keep-alive connections,
 * asynchronous), so the tool holds no thread per user.
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
    HttpClient.Builder httpBuilder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(options.requestTimeout());
    if (options.tlsCa() != null) {
      httpBuilder.sslContext(BenchTls.trusting(options.tlsCa()));
    }
    HttpClient http = httpBuilder.build();
    long startNanos = System.nanoTime();
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
                    n, target, scenario, http, stats, options, () -> System.nanoTime() < endNanos);
            synchronized (users) {
              users.add(user.start());
            }
          },
          0,
          spawnIntervalMicros,
          TimeUnit.MICROSECONDS);
      if (progress != null) {
        timer.scheduleAtFixedRate(
            () -> printProgress(scenario, stats, startNanos, started.get()),
            1,
            1,
            TimeUnit.SECONDS);
      }
      long waitMillis = TimeUnit.NANOSECONDS.toMillis(endNanos - System.nanoTime());
      if (!awaitQuietly(allStarted, waitMillis + 1000)) {
        LOG.debug("not all users started before the end of the run");
      }
      CompletableFuture<Void> all;
      synchronized (users) {
        all = CompletableFuture.allOf(users.toArray(new CompletableFuture[0]));
      }
      // the last requests finish within one request timeout after the end
      awaitQuietly(all, options.requestTimeout().toMillis() + 1000);
    } finally {
      timer.shutdownNow();
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    if (progress != null) {
      progress.println();
    }
    return BenchResult.of(scenario, Math.min(options.users(), started.get()), seconds, stats);
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

  private void printProgress(Scenario scenario, BenchStats stats, long startNanos, int users) {
    Histogram interval = stats.drainInterval();
    long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
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
