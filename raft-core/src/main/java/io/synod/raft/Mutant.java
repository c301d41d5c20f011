package io.synod.raft;

import io.synod.raft.spi.RaftLogStore;
import io.synod.raft.spi.SnapshotStore;
import io.synod.raft.spi.StateMachine;
import java.util.EnumSet;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Test kit, not configuration: rules of the protocol broken on purpose, to measure whether the
 * simulator's checks catch each one (its mutation score, docs/SIMULATION.md). Every constant
 * BREAKS SAFETY; nothing in production creates a node or processor through this type, and
 * {@link RaftConfig} carries none of them.
 *
 * <p>[1] D. Ongaro, "Consensus: Bridging Theory and Practice", Stanford, 2014.
 *
 * @since 1.0
 */
public enum Mutant {
  /** Grant votes and pre-votes without the up-to-date log check ([1] §3.6.1). */
  VOTE_WITHOUT_LOG_CHECK,
  /**
   * Commit entries of earlier terms by counting replicas ([1] §3.6.2, Figure 3.7); the new
   * leader also skips its no-op entry, which would commit them safely and hide the bug.
   */
  COMMIT_PREVIOUS_TERM_BY_COUNTING,
  /** Answer a ReadIndex at once, without the heartbeat round that confirms leadership. */
  READ_WITHOUT_HEARTBEAT_QUORUM,
  /** Answer a ReadIndex before the leader committed an entry of its own term ([1] §6.4). */
  READ_BEFORE_OWN_TERM_COMMIT,
  /** Send a Ready's messages before its entries and hard state are synced (Figure 3.1). */
  SEND_BEFORE_SYNC,
  /** On InstallSnapshot keep the log suffix even if it follows an entry of another term. */
  KEEP_SUFFIX_ON_SNAPSHOT_INSTALL,
  /** After a restart apply entries again that the state machine already holds (driver bug). */
  APPLY_TWICE_AFTER_RESTART,
  /** A node removed from the configuration keeps running and campaigning ([1] §4.2.2). */
  REMOVED_NODE_KEEPS_RUNNING,
  /** A follower serves a ReadIndex answer before it applied the read index (driver bug). */
  FOLLOWER_READ_WITHOUT_APPLY_WAIT;

  /** The name used on the command line: lower case with dashes. */
  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /** The mutant named {@code cliName} (see {@link #cliName()}). */
  public static Mutant ofCliName(String cliName) {
    return valueOf(cliName.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
  }

  /** A {@link RaftNode} with {@code mutants} broken; the other arguments as its constructor. */
  public static RaftNode node(NodeId id, int groupId, Membership bootstrap, RaftConfig config,
      RaftLogStore store, SnapshotStore snapshots, RandomGenerator random, Set<Mutant> mutants) {
    return new RaftNode(id, groupId, bootstrap, config, store, snapshots, random,
        copy(mutants));
  }

  /** A {@link ReadyProcessor} with {@code mutants} broken; the others as its constructor. */
  public static ReadyProcessor processor(RaftLogStore store, StateMachine stateMachine,
      SnapshotStore snapshots, ReadyProcessor.Sink sink, Set<Mutant> mutants) {
    return new ReadyProcessor(store, stateMachine, snapshots, sink, copy(mutants));
  }

  private static EnumSet<Mutant> copy(Set<Mutant> mutants) {
    return mutants.isEmpty() ? EnumSet.noneOf(Mutant.class) : EnumSet.copyOf(mutants);
  }
}
