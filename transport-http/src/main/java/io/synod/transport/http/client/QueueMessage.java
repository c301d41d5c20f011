package io.synod.transport.http.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A message handed to a consumer. It stays invisible to the group's other consumers until it is
 * acknowledged ({@link QueueCommands#ack}) or its visibility timeout passes, when it is delivered
 * again with a higher {@link #deliveryCount()}.
 *
 * @param topic the topic
 * @param id the message id, to acknowledge
 * @param data the payload as published
 * @param publishedAt when the owner stored it, or null when the server did not say
 * @param deliveryCount this delivery's number, from 1
 */
public record QueueMessage(
    String topic, String id, JsonNode data, Instant publishedAt, long deliveryCount) {}
