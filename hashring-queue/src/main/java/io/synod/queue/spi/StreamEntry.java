package io.synod.queue.spi;

/**
 * An entry read from a stream.
 *
 * @param id its id
 * @param record its payload and headers
 * @param deliveryCount how many times it has been delivered in the group it was read for,
 *     counting this delivery (1 on a first read; 0 for plain range reads outside any group)
 */
public record StreamEntry(StreamId id, StreamRecord record, long deliveryCount) {}
