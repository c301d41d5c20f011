package io.synod.raft.lock;

import java.util.List;
import java.util.SortedSet;

/**
 * Observes every apply of a {@link LockStateMachine}, on every replica.
 *
 * <p>Contract: called on the apply thread, after the state changed, once per applied command (also
 * for refused ones, with no events). It must not block and must not throw; it may read the machine
 * (for example {@link LockStateMachine#view(String)}) but must not apply commands to it.
 *
 * @since 1.0
 */
@FunctionalInterface
public interface LockListener {

  /** A listener that ignores everything. */
  LockListener NONE = (index, command, result, events) -> {};

  /**
   * Reports one applied command.
   *
   * @param index its log index
   * @param command the decoded command, or null when the bytes were malformed
   * @param result the result handed to the proposer
   * @param events the changes, in the order they happened (immutable)
   */
  void onApplied(long index, LockCommand command, LockResult result, List<LockEvent> events);

  /**
   * Reports that a snapshot replaced the whole state ({@link LockStateMachine#restore}); the
   * commands it covers are never reported one by one, so a listener that tracks requests or
   * mirrors the table must re-read the machine now (for example {@link
   * LockStateMachine#requestOutcomes} and {@link LockStateMachine#view}). Same thread and rules as
   * {@link #onApplied}.
   *
   * @param index the last log index the snapshot covers
   * @param resources every resource held or waited for before or after the restore, ascending:
   *     those whose state may have changed
   */
  default void onRestored(long index, SortedSet<String> resources) {}
}
