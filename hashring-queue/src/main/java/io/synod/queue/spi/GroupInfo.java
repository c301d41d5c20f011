package io.synod.queue.spi;

/**
 * A consumer group as the store sees it.
 *
 * @param name the group name
 * @param consumers consumers known to the group
 * @param pending entries delivered and not acknowledged
 * @param lastDeliveredId the last id handed out by a read of new entries ({@link StreamId#MIN}
 *     when none)
 * @param oldestPendingId the smallest pending id, or null when nothing is pending
 * @param lag entries after {@code lastDeliveredId} not yet delivered; -1 when the store cannot
 *     tell
 */
public record GroupInfo(String name, long consumers, long pending, StreamId lastDeliveredId,
    StreamId oldestPendingId, long lag) {}
