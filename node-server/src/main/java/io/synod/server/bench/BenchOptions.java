package io.synod.server.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one load run does.
 *
 * @param targets base URLs of the nodes; users are spread over them round-robin
 * @param users how many concurrent users (closed loop, one request in flight each)
 * @param spawnRatePerSecond how many users start per second until all run
 * @param duration how long each scenario runs, ramp-up included (as Locust counts it)
 * @param requestTimeout how long one request may take before it counts as failed
 * @param seed seeds each user's random choices (cache keys, read/write mix)
 * @param runId makes resource and topic names unique to this run
 * @param warmup how long the users run before the figures start (not counted in the duration; its
 *     failures still fail the run)
 * @param apiKey sent as {@code Authorization: Bearer} with every request, or null for none
 * @param tlsCa PEM CA certificates an {@code https://} target's certificate must chain to, or
 *     null for the JDK's trust store
 */
public record BenchOptions(
    List<URI> targets,
    int users,
    double spawnRatePerSecond,
    Duration duration,
    Duration requestTimeout,
    long seed,
    String runId,
    Duration warmup,
    String apiKey,
    java.nio.file.Path tlsCa) {

  /**
   * Options with a warm-up, no API key and the JDK's trust store.
   *
   * @param targets base URLs of the nodes
   * @param users concurrent users
   * @param spawnRatePerSecond users started per second
   * @param duration run time per scenario
   * @param requestTimeout per-request timeout
   * @param seed seed of the users' choices
   * @param runId unique run id
   * @param warmup warm-up time
   */
  public BenchOptions(List<URI> targets, int users, double spawnRatePerSecond, Duration duration,
      Duration requestTimeout, long seed, String runId, Duration warmup) {
    this(targets, users, spawnRatePerSecond, duration, requestTimeout, seed, runId, warmup, null,
        null);
  }

  /** @return whether the users speak TLS: a CA was given or a target is {@code https://} */
  public boolean tls() {
    return tlsCa != null || targets.stream().anyMatch(u -> "https".equalsIgnoreCase(u.getScheme()));
  }

  /** Options with no warm-up. */
  public BenchOptions(
      List<URI> targets,
      int users,
      double spawnRatePerSecond,
      Duration duration,
      Duration requestTimeout,
      long seed,
      String runId) {
    this(targets, users, spawnRatePerSecond, duration, requestTimeout, seed, runId, Duration.ZERO);
  }

  /** Checks the values. */
  public BenchOptions {
    Objects.requireNonNull(targets, "targets");
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("at least one --target is required");
    }
    targets = List.copyOf(targets);
    if (users < 1) {
      throw new IllegalArgumentException("--users must be at least 1: " + users);
    }
    if (!(spawnRatePerSecond > 0)) {
      throw new IllegalArgumentException("--spawn-rate must be positive: " + spawnRatePerSecond);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("--duration must be positive: " + duration);
    }
    Objects.requireNonNull(warmup, "warmup");
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must not be negative: " + warmup);
    }
  }
}
