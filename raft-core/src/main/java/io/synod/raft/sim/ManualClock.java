package io.synod.raft.sim;

import io.synod.raft.spi.Clock;

/**
 * A {@link Clock} that moves only when told: the simulator's virtual time.
 *
 * @since 1.0
 */
public final class ManualClock implements Clock {

  private long now;

  /** A clock at 0. */
  public ManualClock() {}

  @Override
  public long millis() {
    return now;
  }

  /** Moves the clock to {@code t}; must not go backwards. */
  public void set(long t) {
    if (t < now) {
      throw new IllegalArgumentException("time must not go backwards: " + t + " < " + now);
    }
    now = t;
  }

  /** Moves the clock forward by {@code d}. */
  public void advance(long d) {
    set(now + d);
  }
}
