package io.synod.queue;

import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.util.Map;

/**
 * A message handed to a consumer.
 *
 * @param id the message id, {@code <ms>-<seq>}; ack, nack and extend name it
 * @param record payload and headers
 * @param publishedAt when it was published (store clock, ms)
 * @param deliveryCount this delivery's number, from 1
 * @param deliveredAt when this delivery was made (owner clock, ms, read just before the store
 *     call, so a lower bound); invisible to other consumers of the group until at least {@code
 *     deliveredAt + visibilityTimeout} unless nacked
 */
public record Delivery(StreamId id, StreamRecord record, long publishedAt, long deliveryCount,
    long deliveredAt) {
  /**
   * This delivery's receipt handle: ack, nack and extend by receipt are accepted only while this
   * delivery is the message's current one.
   *
   * @return the handle, {@code <ms>-<seq>~<deliveryCount>}
   */
  public String receipt() {
    return new io.synod.queue.spi.Receipt(id, deliveryCount).toString();
  }

  /**
   * The payload.
   *
   * @return the bytes (do not modify)
   */
  public byte[] payload() {
    return record.payload();
  }

  /**
   * The headers.
   *
   * @return sorted headers
   */
  public Map<String, String> headers() {
    return record.headers();
  }
}
