package io.synod.queue.ring;

import java.util.SortedSet;

/**
 * Membership SPI: who is on the ring. node-server implements it from its Raft-replicated member
 * table, so every node switches rings at the same log index; {@link StaticMembership} serves
 * tests and single-JVM clusters.
 *
 * <p>Implementations must be thread-safe, must report versions that strictly increase with every
 * change, and must call listeners in version order, never concurrently for one listener.
 */
public interface Membership {
  /**
   * The current members.
   *
   * @return an immutable sorted set
   */
  SortedSet<String> members();

  /**
   * The version of the current member set; it must increase with every change.
   *
   * @return the version
   */
  long version();

  /**
   * Registers a listener, called after every change with the new set and version.
   *
   * @param listener must not be null
   * @return a handle whose {@code close()} removes the listener
   */
  AutoCloseable subscribe(Listener listener);

  /** Told about membership changes. */
  @FunctionalInterface
  interface Listener {
    /**
     * The member set changed.
     *
     * @param members the new members, immutable and sorted
     * @param version the new version
     */
    void membersChanged(SortedSet<String> members, long version);
  }
}
