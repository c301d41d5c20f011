package io.synod.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's wall clock in milliseconds, made monotonic: a reading never goes below an earlier
 * one even when the system clock is set back. One adapter for the {@code Clock} SPIs of the
 * libraries; the lock service stamps replicated commands with it, so readings must be comparable
 * across nodes (wall time, not {@code nanoTime}).
 */
public final class SystemClock implements io.synod.raft.spi.Clock {
  private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);

  @Override
  public long millis() {
    long now = System.currentTimeMillis();
    return last.accumulateAndGet(now, Math::max);
  }
}
