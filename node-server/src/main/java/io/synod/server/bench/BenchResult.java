package io.synod.server.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The figures of one scenario run: per endpoint and in total.
 *
 * @param scenario the scenario name
 * @param users the number of users at full strength
 * @param seconds the measured wall time of the run
 * @param rows one row per endpoint that saw requests, then a {@code total} row
 * @param warmupRequests requests finished during the warm-up, not in the rows
 * @param warmupFailures failures during the warm-up: not in the rows, but they fail the run
 * @param timeline one sample per second of the measured run
 */
public record BenchResult(
    String scenario,
    int users,
    double seconds,
    List<Row> rows,
    long warmupRequests,
    long warmupFailures,
    List<Sample> timeline) {

  /**
   * One second of a run.
   *
   * @param second seconds since the figures started
   * @param users users running
   * @param requests requests finished in that second
   * @param failures of which failed
   * @param p50Millis median latency in that second
   * @param p99Millis 99th percentile in that second
   */
  public record Sample(
      long second, int users, long requests, long failures, double p50Millis, double p99Millis) {}

  /**
   * One line of the final table. Latencies in milliseconds.
   *
   * @param endpoint the endpoint label, or {@code total}
   * @param requests requests finished, failed ones included
   * @param failures requests that failed (transport error, non-2xx, or an unexpected status)
   * @param requestsPerSecond requests divided by the run's seconds
   * @param lastFailure a sample failure message, or null
   */
  public record Row(
      String endpoint,
      long requests,
      long failures,
      double requestsPerSecond,
      double p50Millis,
      double p95Millis,
      double p99Millis,
      double maxMillis,
      double meanMillis,
      String lastFailure) {}

  static BenchResult of(
      Scenario scenario, int users, double seconds, BenchStats stats, List<Sample> timeline) {
    stats.drainInterval();
    List<Row> rows = new ArrayList<>();
    Histogram all = new Histogram(3);
    long failures = 0;
    for (Endpoint e : scenario.endpoints) {
      Histogram h = stats.total(e);
      if (h.getTotalCount() == 0) {
        continue;
      }
      all.add(h);
      failures += stats.failures(e);
      rows.add(row(e.label, h, stats.failures(e), seconds, stats.lastFailure(e)));
    }
    rows.add(row("total", all, failures, seconds, null));
    return new BenchResult(scenario.label(), users, seconds, List.copyOf(rows),
        stats.warmupRequests(), stats.warmupFailures(), List.copyOf(timeline));
  }

  private static Row row(String label, Histogram h, long failures, double seconds, String last) {
    return new Row(
        label,
        h.getTotalCount(),
        failures,
        seconds > 0 ? h.getTotalCount() / seconds : 0,
        millis(h.getValueAtPercentile(50)),
        millis(h.getValueAtPercentile(95)),
        millis(h.getValueAtPercentile(99)),
        millis(h.getMaxValue()),
        h.getTotalCount() == 0 ? 0 : h.getMean() / 1000.0,
        last);
  }

  private static double millis(long micros) {
    return micros / 1000.0;
  }

  /** The total row. */
  public Row total() {
    return rows.get(rows.size() - 1);
  }

  /** @return every failed request of the run, the warm-up's included */
  public long allFailures() {
    return total().failures() + warmupFailures;
  }

  /** The table printed at the end of a run. */
  public String table() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%nscenario %s: %d users, %.1f s%n%-22s %10s %9s %10s %8s %8s %8s %8s%n",
            scenario,
            users,
            seconds,
            "endpoint",
            "requests",
            "failures",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms"));
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-22s %10d %9d %10.1f %8.2f %8.2f %8.2f %8.2f%n",
              r.endpoint(),
              r.requests(),
              r.failures(),
              r.requestsPerSecond(),
              r.p50Millis(),
              r.p95Millis(),
              r.p99Millis(),
              r.maxMillis()));
    }
    if (warmupRequests > 0) {
      sb.append(String.format(Locale.ROOT,
          "warm-up (not in the figures): %d requests, %d failures%n", warmupRequests, warmupFailures));
    }
    for (Row r : rows) {
      if (r.lastFailure() != null) {
        sb.append("  last failure of ")
            .append(r.endpoint())
            .append(": ")
            .append(r.lastFailure())
            .append(System.lineSeparator());
      }
    }
    return sb.toString();
  }
}
