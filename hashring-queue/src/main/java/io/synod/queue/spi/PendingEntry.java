package io.synod.queue.spi;

/**
 * One entry of a group's pending list (delivered, not acknowledged).
 *
 * @param id the entry id
 * @param consumer the consumer it was last delivered to
 * @param idleMillis milliseconds since it was last delivered (or since its idle time was set)
 * @param deliveryCount deliveries so far
 */
public record PendingEntry(StreamId id, String consumer, long idleMillis, long deliveryCount) {}
