package io.synod.cache.spi;

/**
 * A monotonic time source for the cache cores (protocol latency only; the protocol never times
 * out on its own).
 *
 * <p>Implementations must be monotonic, must not block and may be called from the node's single
 * core thread only. {@link SystemClock} reads the JVM's monotonic clock; simulations pass their
 * virtual time.
 */
@FunctionalInterface
public interface Clock {
  /**
   * Returns the current reading in nanoseconds.
   *
   * @return a monotonic reading; only differences between readings are meaningful
   */
  long nanoTime();

  /**
   * Returns the system clock.
   *
   * @return a clock backed by the JVM's monotonic clock
   */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}
