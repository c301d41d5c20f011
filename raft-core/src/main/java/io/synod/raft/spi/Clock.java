package io.synod.raft.spi;

/**
 * A monotonic clock in milliseconds. The Raft core never reads it (it counts ticks); drivers and
 * state machine proposers use it to decide when to tick and to stamp commands. The same
 * single-method shape exists in every Synod module so one adapter implements all.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface Clock {

  /** Milliseconds on a monotonic scale; must never go backwards. */
  long millis();
}
