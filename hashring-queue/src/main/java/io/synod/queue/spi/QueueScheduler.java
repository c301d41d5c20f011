package io.synod.queue.spi;

/**
 * Timer SPI of the queue core: the simulation drives it with virtual time, a real node with a
 * scheduled executor. Implementations must run tasks no earlier than asked, each at most once,
 * and must never run a task on the caller's stack from {@link #schedule}.
 */
@FunctionalInterface
public interface QueueScheduler {
  /**
   * Runs a task after a delay.
   *
   * @param delayMillis at least 0
   * @param task the task
   * @return a handle that cancels the task if it has not run yet
   */
  Cancellable schedule(long delayMillis, Runnable task);

  /** Cancels a scheduled task. */
  @FunctionalInterface
  interface Cancellable {
    /** Cancels; no effect when the task ran or was cancelled already. */
    void cancel();
  }
}
