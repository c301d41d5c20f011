package io.synod.transport.http.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A message handed to a consumer. It stays invisible to the group's other consumers until it is
 * acknowledged ({@link QueueCommands#ack}) or its visibility timeout passes, when it is delivered
 * again with a higher {@link #deliveryCount()} and a new {@link #receipt()}.
 *
 * @param topic the topic
 * @param id the message id
 * @param data the payload as published
 * @param publishedAt when the owner stored it, or null when the server did not say
 * @param deliveryCount this delivery's number, from 1
 * @param receipt this delivery's receipt handle, to acknowledge it through {@code /v1} (refused
 *     once the message was delivered again); null from a server with only the first system's API
 */
public record QueueMessage(String topic, String id, JsonNode data, Instant publishedAt,
    long deliveryCount, String receipt) {
  /**
   * A message without a receipt handle (the first system's API).
   *
   * @param topic the topic
   * @param id the message id
   * @param data the payload
   * @param publishedAt when stored, or null
   * @param deliveryCount the delivery's number
   */
  public QueueMessage(String topic, String id, JsonNode data, Instant publishedAt,
      long deliveryCount) {
    this(topic, id, data, publishedAt, deliveryCount, null);
  }
}
