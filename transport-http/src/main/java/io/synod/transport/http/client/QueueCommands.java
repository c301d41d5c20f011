package io.synod.transport.http.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.transport.http.Json;
import io.synod.transport.http.client.RequestExecutor.Call;
import io.synod.transport.http.client.RequestExecutor.Reply;
import io.synod.transport.http.client.RequestExecutor.Safety;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The queue: publish, consume in a consumer group, acknowledge. Obtain it with {@link
 * SynodClient#queues()}.
 *
 * <p>Delivery is at least once: a consumed message that is not acknowledged within the topic's
 * visibility timeout is delivered again. Messages are JSON values: a {@link JsonNode}, or any value
 * Jackson serializes (a record, a map, a string...).
 *
 * <p>Retries (see {@link SynodClient}): a publish is never resent after an unknown outcome, since
 * the server keeps no idempotency key and a resend could store the message twice; it fails with
 * {@link SynodException#outcomeUnknown()} set and the caller chooses. A consume is not resent
 * either: messages a lost answer handed out come back after their visibility timeout. An ack is
 * resent (acknowledging twice is harmless).
 *
 * <p>Against a server with only the first system's endpoints the calls fall back to {@code
 * /queue/publish}, {@code /queue/consume} and {@code /queue/ack} (a batch is then published one
 * message after another).
 */
public final class QueueCommands {
  /** Default most messages one consume returns. */
  public static final int DEFAULT_MAX_MESSAGES = 10;

  private final RequestExecutor exec;
  private volatile boolean legacyOnly;

  QueueCommands(RequestExecutor exec) {
    this.exec = exec;
  }

  /**
   * Publishes one message.
   *
   * @param topic the topic
   * @param message the message, not null
   * @return the message id the owner gave it; fails with {@link SynodException}
   */
  public CompletionStage<PublishResult> publish(String topic, Object message) {
    LockRequest.requireName(topic, "topic");
    JsonNode m = toJson(message);
    if (legacyOnly) {
      return legacyPublish(topic, m);
    }
    Call call = Call.post(topicPath(topic, "publish"), Map.of("message", m), Safety.NOT_IDEMPOTENT);
    return exec.execute(call).thenCompose(r -> {
      if (Paths.missingRoute(r)) {
        legacyOnly = true;
        return legacyPublish(topic, m);
      }
      return CompletableFuture.completedFuture(
          new PublishResult(topic, ids(r).get(0), r.node()));
    });
  }

  /**
   * Publishes messages in one request: they are stored in this order, with increasing ids.
   *
   * @param topic the topic
   * @param messages the messages, at least one, none null
   * @return one result per message, in order
   */
  public CompletionStage<List<PublishResult>> publishBatch(String topic, List<?> messages) {
    LockRequest.requireName(topic, "topic");
    Objects.requireNonNull(messages, "messages");
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("messages must not be empty");
    }
    List<JsonNode> ms = new ArrayList<>();
    for (Object o : messages) {
      ms.add(toJson(o));
    }
    if (legacyOnly) {
      return legacyBatch(topic, ms);
    }
    Call call = Call.post(topicPath(topic, "publish"), Map.of("messages", ms),
        Safety.NOT_IDEMPOTENT);
    return exec.execute(call).thenCompose(r -> {
      if (Paths.missingRoute(r)) {
        legacyOnly = true;
        return legacyBatch(topic, ms);
      }
      List<PublishResult> out = new ArrayList<>();
      for (String id : ids(r)) {
        out.add(new PublishResult(topic, id, r.node()));
      }
      return CompletableFuture.completedFuture(out);
    });
  }

  /**
   * Takes up to {@code max} messages for a consumer of a group, waiting up to {@code wait} for
   * one to arrive (long poll).
   *
   * @param topic the topic
   * @param group the consumer group
   * @param consumer this consumer's name
   * @param max most messages, 1..1000
   * @param wait longest wait for a first message; zero to return at once
   * @return the messages, possibly none
   */
  public CompletionStage<List<QueueMessage>> consume(
      String topic, String group, String consumer, int max, Duration wait) {
    LockRequest.requireName(topic, "topic");
    LockRequest.requireName(group, "group");
    LockRequest.requireName(consumer, "consumer");
    Objects.requireNonNull(wait, "wait");
    if (max < 1 || max > 1000) {
      throw new IllegalArgumentException("max must be 1..1000");
    }
    if (wait.isNegative()) {
      throw new IllegalArgumentException("wait must not be negative");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("consumer_group", group);
    body.put("consumer_id", consumer);
    body.put("max_messages", max);
    body.put("wait_ms", wait.toMillis());
    if (legacyOnly) {
      return legacyConsume(topic, body, wait);
    }
    Call call = Call.post(topicPath(topic, "consume"), body, Safety.NOT_IDEMPOTENT)
        .plusTimeout(wait);
    return exec.execute(call).thenCompose(r -> {
      if (Paths.missingRoute(r)) {
        legacyOnly = true;
        return legacyConsume(topic, body, wait);
      }
      return CompletableFuture.completedFuture(messages(topic, r));
    });
  }

  /**
   * Takes up to {@link #DEFAULT_MAX_MESSAGES} messages without waiting.
   *
   * @param topic the topic
   * @param group the consumer group
   * @param consumer this consumer's name
   * @return the messages, possibly none
   */
  public CompletionStage<List<QueueMessage>> consume(String topic, String group, String consumer) {
    return consume(topic, group, consumer, DEFAULT_MAX_MESSAGES, Duration.ZERO);
  }

  /**
   * Acknowledges one message: it will not be delivered to the group again. Resent after an
   * unknown outcome.
   *
   * @param topic the topic
   * @param group the consumer group
   * @param messageId the receipt handle from {@link QueueMessage#receipt()} (acknowledged only
   *     while that delivery is current), or the id from {@link QueueMessage#id()} (sent to the
   *     first system's {@code /queue/ack}, which acknowledges by id)
   * @return completes when acknowledged; fails with {@link SynodException} ({@code
   *     unknown_message} when the group was never handed it)
   */
  public CompletionStage<Void> ack(String topic, String group, String messageId) {
    LockRequest.requireName(messageId, "messageId");
    return ack(topic, group, List.of(messageId)).thenApply(n -> null);
  }

  /**
   * Acknowledges messages in one request. Resent after an unknown outcome.
   *
   * @param topic the topic
   * @param group the consumer group
   * @param messageIds the ids, at least one
   * @return how many the server counted
   */
  public CompletionStage<Long> ack(String topic, String group, List<String> messageIds) {
    LockRequest.requireName(topic, "topic");
    LockRequest.requireName(group, "group");
    Objects.requireNonNull(messageIds, "messageIds");
    if (messageIds.isEmpty()) {
      throw new IllegalArgumentException("messageIds must not be empty");
    }
    messageIds.forEach(id -> LockRequest.requireName(id, "message id"));
    // /v1 acknowledges deliveries by receipt handle (QueueMessage#receipt), so a late ack after
    // a redelivery is refused; plain message ids go to /queue/ack, which acks by id
    boolean receipts = messageIds.stream().allMatch(id -> id.indexOf('~') > 0);
    if (legacyOnly || !receipts) {
      return legacyAck(topic, group, messageIds);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("consumer_group", group);
    body.put("receipt_handles", messageIds);
    Call call = Call.post(topicPath(topic, "ack"), body, Safety.IDEMPOTENT);
    return exec.execute(call).thenCompose(r -> {
      if (Paths.missingRoute(r)) {
        legacyOnly = true;
        return legacyAck(topic, group, messageIds);
      }
      return CompletableFuture.completedFuture(
          r.orThrow().path("count").asLong(messageIds.size()));
    });
  }

  // ---- the first system's endpoints --------------------------------------------------------

  private CompletionStage<PublishResult> legacyPublish(String topic, JsonNode m) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("topic", topic);
    body.put("message", m);
    return exec.execute(Call.post("/queue/publish", body, Safety.NOT_IDEMPOTENT)).thenApply(r ->
        new PublishResult(topic, r.orThrow().path("message_id").asText(), r.node()));
  }

  private CompletionStage<List<PublishResult>> legacyBatch(String topic, List<JsonNode> ms) {
    // one after another, so the ids keep the list's order
    CompletionStage<List<PublishResult>> chain = CompletableFuture.completedFuture(
        new ArrayList<>());
    for (JsonNode m : ms) {
      chain = chain.thenCompose(acc -> legacyPublish(topic, m).thenApply(p -> {
        acc.add(p);
        return acc;
      }));
    }
    return chain;
  }

  private CompletionStage<List<QueueMessage>> legacyConsume(
      String topic, Map<String, Object> v1Body, Duration wait) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("topic", topic);
    body.putAll(v1Body);
    Call call = Call.post("/queue/consume", body, Safety.NOT_IDEMPOTENT).plusTimeout(wait);
    return exec.execute(call).thenApply(r -> messages(topic, r));
  }

  private CompletionStage<Long> legacyAck(String topic, String group, List<String> ids) {
    CompletionStage<Long> chain = CompletableFuture.completedFuture(0L);
    for (String id : ids) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("topic", topic);
      body.put("consumer_group", group);
      body.put("message_id", id);
      chain = chain.thenCompose(n -> exec.execute(Call.post("/queue/ack", body, Safety.IDEMPOTENT))
          .thenApply(r -> {
            r.orThrow();
            return n + 1;
          }));
    }
    return chain;
  }

  // ---- shapes --------------------------------------------------------------------------------

  private static String topicPath(String topic, String action) {
    return "/v1/topics/" + Paths.encode(topic) + "/" + action;
  }

  private static JsonNode toJson(Object message) {
    Objects.requireNonNull(message, "message");
    JsonNode n = message instanceof JsonNode j ? j : Json.mapper().valueToTree(message);
    if (n == null || n.isNull() || n.isMissingNode()) {
      throw new IllegalArgumentException("a message must not be null");
    }
    return n;
  }

  private static List<String> ids(Reply r) {
    JsonNode b = r.orThrow();
    List<String> out = new ArrayList<>();
    JsonNode many = b.path("message_ids");
    if (many.isArray()) {
      many.forEach(n -> out.add(n.asText()));
    } else if (b.path("message_id").isTextual()) {
      out.add(b.path("message_id").asText());
    }
    if (out.isEmpty()) {
      throw new SynodException(r.status(), "bad_answer",
          "the publish answer carries no message id: " + b, r.node(), true, null);
    }
    return out;
  }

  private static List<QueueMessage> messages(String topic, Reply r) {
    JsonNode b = r.orThrow();
    List<QueueMessage> out = new ArrayList<>();
    for (JsonNode m : b.path("messages")) {
      JsonNode ts = m.path("timestamp");
      Instant at = ts.isNumber()
          ? Instant.ofEpochMilli(ts.decimalValue().movePointRight(3).longValue())
          : null;
      out.add(new QueueMessage(topic, m.path("id").asText(), m.path("data"), at,
          m.path("delivery_count").asLong(1), m.path("receipt_handle").asText(null)));
    }
    return out;
  }
}
