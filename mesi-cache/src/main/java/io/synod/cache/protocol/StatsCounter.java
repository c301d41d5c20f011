package io.synod.cache.protocol;

/** Mutable counters of one node, owned by its core thread. */
final class StatsCounter {
  long hits;
  long misses;
  long invalidationsSent;
  long invalidationsReceived;
  long writeBacks;
  long evictions;
  long upgrades;
  long forwardedRequests;
  long messagesSent;
  long retries;
  long renewals;
  long revoked;
  long latencyCount;
  long latencyTotalNanos;
  long latencyMaxNanos;

  void latency(long nanos) {
    long n = Math.max(0, nanos);
    latencyCount++;
    latencyTotalNanos += n;
    latencyMaxNanos = Math.max(latencyMaxNanos, n);
  }
}
