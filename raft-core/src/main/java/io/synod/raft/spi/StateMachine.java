package io.synod.raft.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The replicated state machine that Raft drives: committed commands are applied to it in log
 * order, exactly once per node (per incarnation of its state).
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>All methods are called on one thread, the node's apply thread, never concurrently.
 *   <li>{@link #apply} must be deterministic: the same sequence of {@code (index, command)} gives
 *       the same state and results on every replica. It must not read a clock, a random source or
 *       anything outside its arguments and its own state; time that matters to the state (leases,
 *       timeouts) travels inside the commands, stamped by the proposer.
 *   <li>{@link #apply} must not block and must not throw for a well-formed command it rejects;
 *       rejections are results. An exception means the replica can no longer be trusted.
 * </ul>
 *
 * @since 1.0
 */
public interface StateMachine {

  /**
   * Applies one committed command.
   *
   * @param index the log index of the command, strictly increasing across calls
   * @param command the command bytes exactly as proposed
   * @return the result handed to the local proposer of this command, if it is on this node; may be
   *     {@code null}. Results never cross the network, so any object is fine.
   */
  Object apply(long index, byte[] command);

  /**
   * Captures the state as of the last applied index. Must return quickly: the returned writer
   * holds a frozen view and is written out later, possibly on another thread, while {@link #apply}
   * continues.
   */
  SnapshotWriter snapshot();

  /**
   * Replaces the whole state with a snapshot written by {@link SnapshotWriter#writeTo}.
   *
   * @throws IOException if the stream cannot be read or is not a snapshot of this machine
   */
  void restore(InputStream in) throws IOException;

  /** A frozen view of the state that can be serialized off the apply thread. */
  @FunctionalInterface
  interface SnapshotWriter {
    /** Writes the frozen state; may be called from any thread, at most once. */
    void writeTo(OutputStream out) throws IOException;
  }
}
