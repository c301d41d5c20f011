package io.synod.raft.sim;

/**
 * The clients of a simulation: they issue operations through {@link SimCluster}, record what they
 * observed, and verify it at the end. The default is {@link KvWorkload}; the lock service plugs in
 * its own.
 *
 * @since 1.0
 */
public interface SimWorkload {

  /** Schedules the first client actions. */
  void start(SimCluster cluster);

  /**
   * The highest log index of an acknowledged write: the liveness phase requires every member to
   * apply it.
   */
  long ackedIndex();

  /**
   * What the clients still wait for before the liveness phase may end (such as a fresh lock
   * acquire after healing), or {@code null} when nothing: the liveness phase ends only once this
   * is null, and fails naming it otherwise.
   */
  default String unsettled() {
    return null;
  }

  /** Final verification (such as linearizability); returns a violation, or {@code null}. */
  String verify(SimCluster cluster);

  /** A one-line summary of what the clients did, for reports. */
  default String summary() {
    return "";
  }
}
