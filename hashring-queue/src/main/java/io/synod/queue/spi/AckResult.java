package io.synod.queue.spi;

import java.util.List;

/**
 * The answer of {@link StreamStore#settle}.
 *
 * @param acked ids acknowledged now, in id order
 * @param stale ids pending in the group under another delivery than the receipt named (a later
 *     delivery to someone else: the receipt's lease ran out), left untouched
 * @param removed entries deleted from the stream in the same step because no group needs them
 *     any more (work-queue retention)
 */
public record AckResult(List<StreamId> acked, List<StreamId> stale, long removed) {
  /** Copies the lists. */
  public AckResult {
    acked = List.copyOf(acked);
    stale = List.copyOf(stale);
  }
}
