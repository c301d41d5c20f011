package io.synod.raft.snapshot;

import io.synod.raft.Membership;
import io.synod.raft.spi.SnapshotStore;
import java.util.Arrays;
import java.util.Optional;

/**
 * A {@link SnapshotStore} in memory, for tests, simulations and embedded use. Thread-safe: saves
 * may come from a snapshot thread while the Raft thread reads.
 *
 * @since 1.0
 */
public final class InMemorySnapshotStore implements SnapshotStore {

  private Meta meta;
  private byte[] data;

  /** An empty store. */
  public InMemorySnapshotStore() {}

  @Override
  public synchronized Optional<Meta> latest() {
    return Optional.ofNullable(meta);
  }

  @Override
  public synchronized byte[] read(long offset, int maxBytes) {
    if (meta == null) {
      throw new IllegalStateException("no snapshot");
    }
    int from = (int) Math.min(offset, data.length);
    int to = (int) Math.min((long) from + maxBytes, data.length);
    return Arrays.copyOfRange(data, from, to);
  }

  @Override
  public synchronized void save(long lastIndex, long lastTerm, Membership membership,
      byte[] bytes) {
    if (meta != null && meta.lastIndex() >= lastIndex) {
      return;
    }
    data = bytes.clone();
    meta = new Meta(lastIndex, lastTerm, membership, data.length);
  }
}
