package io.synod.raft.lock;

import java.util.List;

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
}
