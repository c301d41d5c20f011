package io.synod.transport.http.client;

/**
 * A published message with its ordering fact: the id the topic's owner gave it. Ids of one topic
 * increase in publish order ({@code <ms>-<seq>}); consumers see and acknowledge messages by it.
 *
 * @param topic the topic
 * @param messageId the id
 * @param node the node that served the publish ({@code X-Synod-Node}), or null
 */
public record PublishResult(String topic, String messageId, String node) {}
