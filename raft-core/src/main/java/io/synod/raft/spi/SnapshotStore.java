package io.synod.raft.spi;

import io.synod.raft.Membership;
import java.io.IOException;
import java.util.Optional;

/**
 * Where a node keeps its latest state machine snapshot. Implementations: {@code
 * InMemorySnapshotStore} and {@code FileSnapshotStore} (fsync + atomic rename).
 *
 * <p>Threading: {@link #latest()} and {@link #read} are called on the Raft thread and must not
 * block on I/O (implementations keep the latest snapshot's bytes cached). {@link #save} may block
 * and must be called off the Raft thread; it must be atomic: a crash during save leaves the
 * previous snapshot intact and readable.
 *
 * @since 1.0
 */
public interface SnapshotStore extends AutoCloseable {

  /**
   * What a snapshot covers.
   *
   * @param lastIndex the last log index it includes
   * @param lastTerm the term of that entry
   * @param membership the membership as of {@code lastIndex}
   * @param size the length of the snapshot bytes
   */
  record Meta(long lastIndex, long lastTerm, Membership membership, long size) {}

  /** The latest snapshot saved, if any. Must be cheap. */
  Optional<Meta> latest();

  /**
   * Up to {@code maxBytes} bytes of the latest snapshot from {@code offset}; empty at the end.
   *
   * @throws IllegalStateException if there is no snapshot
   */
  byte[] read(long offset, int maxBytes);

  /**
   * Durably stores a snapshot; it becomes {@link #latest()} if it is newer than the current one
   * (otherwise it is ignored). Must be atomic and durable when it returns.
   *
   * @throws IOException if it cannot be written; the previous snapshot then stays
   */
  void save(long lastIndex, long lastTerm, Membership membership, byte[] data) throws IOException;

  /** Releases resources. */
  @Override
  default void close() {}
}
