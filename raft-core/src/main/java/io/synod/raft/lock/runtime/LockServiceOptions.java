package io.synod.raft.lock.runtime;

import io.synod.raft.lock.LockLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable options of a {@link LockService}.
 *
 * @param limits the lock table's bounds (equal on every replica)
 * @param maintenanceInterval how often the leader checks for due lease expiries and wait timeouts
 * @since 1.0
 */
public record LockServiceOptions(LockLimits limits, Duration maintenanceInterval) {

  /** The default maintenance interval: 50 ms. */
  public static final Duration DEFAULT_MAINTENANCE_INTERVAL = Duration.ofMillis(50);

  /** Checks the values. */
  public LockServiceOptions {
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(maintenanceInterval, "maintenanceInterval");
    if (maintenanceInterval.isNegative() || maintenanceInterval.isZero()) {
      throw new IllegalArgumentException("maintenanceInterval must be positive");
    }
  }

  /** The defaults. */
  public static LockServiceOptions create() {
    return new LockServiceOptions(LockLimits.DEFAULT, DEFAULT_MAINTENANCE_INTERVAL);
  }

  /**
   * A copy with another maintenance interval.
   *
   * @param interval the interval; must be positive
   * @return the copy
   */
  public LockServiceOptions withMaintenanceInterval(Duration interval) {
    return new LockServiceOptions(limits, interval);
  }

  /**
   * A copy with other limits.
   *
   * @param newLimits the limits
   * @return the copy
   */
  public LockServiceOptions withLimits(LockLimits newLimits) {
    return new LockServiceOptions(newLimits, maintenanceInterval);
  }
}
