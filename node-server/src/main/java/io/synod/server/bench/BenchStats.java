package io.synod.server.bench;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Thread-safe latency and failure accounting per endpoint. Latencies go into HdrHistogram
 * {@link Recorder}s, which let the progress line take interval snapshots while users keep
 * recording without locks.
 */
final class BenchStats {

  private static final long MAX_TRACKABLE_MICROS = TimeUnit.MINUTES.toMicros(5);

  private final Map<Endpoint, Recorder> recorders = new EnumMap<>(Endpoint.class);
  private final Map<Endpoint, Histogram> totals = new EnumMap<>(Endpoint.class);
  private final Map<Endpoint, LongAdder> failures = new EnumMap<>(Endpoint.class);
  private final Map<Endpoint, String> lastFailure = new EnumMap<>(Endpoint.class);
  private final Histogram intervalAll = new Histogram(MAX_TRACKABLE_MICROS, 3);

  BenchStats() {
    for (Endpoint e : Endpoint.values()) {
      recorders.put(e, new Recorder(MAX_TRACKABLE_MICROS, 3));
      totals.put(e, new Histogram(MAX_TRACKABLE_MICROS, 3));
      failures.put(e, new LongAdder());
    }
  }

  private volatile boolean recording = true;
  private final java.util.concurrent.atomic.LongAdder warmupRequests =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder warmupFailures =
      new java.util.concurrent.atomic.LongAdder();

  /** Stops recording figures: requests finished from now on only count as warm-up. */
  void pauseForWarmup() {
    recording = false;
  }

  /** Starts recording figures (the end of the warm-up). */
  void startRecording() {
    recording = true;
  }

  /** @return requests that finished during the warm-up (not in the figures) */
  long warmupRequests() {
    return warmupRequests.sum();
  }

  /** @return failed requests during the warm-up; they still fail the run */
  long warmupFailures() {
    return warmupFailures.sum();
  }

  /** Records one finished request; failed requests count in the latency histogram too. */
  void record(Endpoint endpoint, long latencyNanos, String failure) {
    if (!recording) {
      warmupRequests.increment();
      if (failure != null) {
        warmupFailures.increment();
        synchronized (lastFailure) {
          lastFailure.put(endpoint, failure);
        }
      }
      return;
    }
    long micros = Math.max(1, Math.min(MAX_TRACKABLE_MICROS, latencyNanos / 1000));
    recorders.get(endpoint).recordValue(micros);
    if (failure != null) {
      failures.get(endpoint).increment();
      synchronized (lastFailure) {
        lastFailure.put(endpoint, failure);
      }
    }
  }

  /**
   * Moves what was recorded since the last call into the totals and returns the interval's
   * histogram over all endpoints. Called by one thread (the progress ticker, then the final
   * report).
   */
  synchronized Histogram drainInterval() {
    intervalAll.reset();
    for (Endpoint e : Endpoint.values()) {
      Histogram interval = recorders.get(e).getIntervalHistogram();
      totals.get(e).add(interval);
      intervalAll.add(interval);
    }
    return intervalAll;
  }

  synchronized Histogram total(Endpoint e) {
    return totals.get(e);
  }

  long failures(Endpoint e) {
    return failures.get(e).sum();
  }

  long totalFailures() {
    long sum = 0;
    for (LongAdder a : failures.values()) {
      sum += a.sum();
    }
    return sum;
  }

  String lastFailure(Endpoint e) {
    synchronized (lastFailure) {
      return lastFailure.get(e);
    }
  }
}
