package io.synod.queue.memory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the in-memory store sends each applied operation before it answers the caller. The
 * replicated queue node implements it by shipping operations to the stream's ring successors.
 */
@FunctionalInterface
public interface Replicator {
  /** No replication: every operation is acknowledged at once. */
  Replicator NONE = (stream, version, op) -> CompletableFuture.completedFuture(null);

  /**
   * Replicates one operation. The stage must complete only when the operation (or a snapshot
   * containing it) is held by every replica the store's durability promise covers, and must
   * complete exceptionally when that cannot be achieved.
   *
   * @param stream the stream
   * @param version the stream version the operation produced (1 for the first operation)
   * @param op the operation
   * @return completes when replicated
   */
  CompletionStage<Void> replicate(String stream, long version, StoreOp op);
}
