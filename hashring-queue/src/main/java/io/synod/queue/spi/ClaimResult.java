package io.synod.queue.spi;

import java.util.List;

/**
 * The answer of {@link StreamStore#claimIdle}.
 *
 * @param nextCursor where the next scan must start; {@link StreamId#MIN} when the scan is done
 * @param claimed entries now delivered to the claiming consumer, with their new delivery counts
 * @param deletedIds pending ids whose entries no longer exist; they have left the pending list
 */
public record ClaimResult(StreamId nextCursor, List<StreamEntry> claimed,
    List<StreamId> deletedIds) {
  /** Copies the lists. */
  public ClaimResult {
    claimed = List.copyOf(claimed);
    deletedIds = List.copyOf(deletedIds);
  }
}
