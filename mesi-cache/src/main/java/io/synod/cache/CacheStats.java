package io.synod.cache;

import io.synod.cache.protocol.LineState;
import java.util.Map;

/**
 * A snapshot of one node's cache counters.
 *
 * @param hits reads and writes served without a coherence message
 * @param misses reads and writes that needed a transaction at the home
 * @param invalidationsSent Inv messages sent by this node's directory
 * @param invalidationsReceived Inv messages received by this node's cache
 * @param writeBacks Modified data sent towards main memory (eviction, downgrade, write-through)
 * @param evictions lines dropped by the replacement policy or by {@code invalidate}
 * @param upgrades S-to-M upgrade requests plus silent E-to-M upgrades
 * @param forwardedRequests Fwd-GetS and Fwd-GetM sent by this node's directory
 * @param messagesSent all coherence messages sent
 * @param linesPerState number of lines in each stable and transient state
 * @param protocolLatencyCount misses timed
 * @param protocolLatencyTotalNanos sum of miss latencies
 * @param protocolLatencyMaxNanos largest miss latency
 * @param invariantFailures broken invariants caught in the core: each dropped the line and the
 *     directory entry of its key and failed the operations waiting on it (retryable)
 */
public record CacheStats(
    long hits,
    long misses,
    long invalidationsSent,
    long invalidationsReceived,
    long writeBacks,
    long evictions,
    long upgrades,
    long forwardedRequests,
    long messagesSent,
    Map<LineState, Integer> linesPerState,
    long protocolLatencyCount,
    long protocolLatencyTotalNanos,
    long protocolLatencyMaxNanos,
    long invariantFailures) {

  /**
   * Returns hits / (hits + misses), or 0 when nothing was accessed.
   *
   * @return the hit ratio in [0, 1]
   */
  public double hitRatio() {
    long total = hits + misses;
    return total == 0 ? 0.0 : (double) hits / total;
  }

  /**
   * Returns the mean miss latency in nanoseconds, or 0 when nothing was timed.
   *
   * @return the mean latency
   */
  public double protocolLatencyMeanNanos() {
    return protocolLatencyCount == 0 ? 0.0 : (double) protocolLatencyTotalNanos / protocolLatencyCount;
  }
}
