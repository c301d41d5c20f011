package io.synod.raft.sim;

import io.synod.raft.NodeId;
import io.synod.raft.RaftException;
import io.synod.raft.RaftNode;
import io.synod.raft.spi.StateMachine;
import java.util.List;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * What a simulated workload or checker sees of the cluster: virtual time, the simulation's one
 * random source, the nodes, and client operations. Everything runs on the simulation's single
 * thread; callbacks come from the event loop.
 *
 * @since 1.0
 */
public interface SimCluster {

  /** Virtual time in simulation units (one tick is {@link #unitsPerTick()} units). */
  long now();

  /** Length of one Raft tick in simulation units. */
  int unitsPerTick();

  /** The simulation's random source; the only one workloads may use. */
  RandomGenerator random();

  /** Every node id ever created, in creation order. */
  List<NodeId> nodes();

  /** Whether the node runs (not crashed, not retired); a paused node runs. */
  boolean isUp(NodeId id);

  /** The node's Raft core for inspection (never for driving it), or {@code null} when down. */
  RaftNode raft(NodeId id);

  /** The node's state machine, or {@code null} when down. */
  StateMachine stateMachine(NodeId id);

  /** A node that believes it leads (the highest term wins), or {@code null}. */
  NodeId leaderGuess();

  /** Whether the run is in its final liveness phase (faults healed; workloads stop issuing). */
  boolean inLivenessPhase();

  /** The outcome of a proposal. */
  interface ProposalCallback {
    /** The command was proposed at {@code index} (called at once when accepted). */
    default void accepted(long index) {}

    /** The command committed and was applied on the node; {@code result} is the output. */
    void applied(long index, Object result);

    /**
     * The command definitely did not take effect: refused ({@link io.synod.raft
     * .NotLeaderException}) or replaced by another entry ({@link io.synod.raft
     * .ProposalDroppedException}).
     */
    void failed(RaftException e);
  }

  /**
   * Proposes {@code command} on {@code node}. When the node crashes first, no callback comes:
   * the outcome is unknown, as for a real client.
   */
  void propose(NodeId node, byte[] command, ProposalCallback callback);

  /**
   * Starts a ReadIndex read on {@code node}; {@code ready} runs once the node has applied the
   * read index (then read its state machine); {@code failed} runs if the node refuses. No
   * callback comes if leadership or the node is lost meanwhile.
   */
  void readIndex(NodeId node, Consumer<Long> ready, Consumer<RaftException> failed);

  /** Runs {@code action} after {@code delay} units, as a client event. */
  void schedule(long delay, Runnable action);
}
