package io.synod.transport.http.queue;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.TypeFactory;
import io.synod.queue.Delivery;
import io.synod.queue.QueueRequest;
import io.synod.queue.TopicStats;
import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.transport.http.HttpError;
import io.synod.transport.http.Json;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The JSON form of queue requests and their answers between nodes.
 *
 * <p>A request is an object with a {@code "type"} naming its record ({@code Publish}, {@code
 * Consume}, ... {@code Pending}) and the record's components as fields. Payloads are base64. An answer is
 * {@code {"result": ...}}. The type names are bound here with Jackson mix-ins, so {@code
 * hashring-queue} stays free of Jackson.
 */
public final class QueueJson {
  private static final ObjectMapper MAPPER =
      Json.mapper()
          .copy()
          .addMixIn(QueueRequest.class, QueueRequestMixIn.class);

  private QueueJson() {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = QueueRequest.Publish.class, name = "Publish"),
    @JsonSubTypes.Type(value = QueueRequest.Consume.class, name = "Consume"),
    @JsonSubTypes.Type(value = QueueRequest.Ack.class, name = "Ack"),
    @JsonSubTypes.Type(value = QueueRequest.Nack.class, name = "Nack"),
    @JsonSubTypes.Type(value = QueueRequest.Extend.class, name = "Extend"),
    @JsonSubTypes.Type(value = QueueRequest.Stats.class, name = "Stats"),
    @JsonSubTypes.Type(value = QueueRequest.Browse.class, name = "Browse"),
    @JsonSubTypes.Type(value = QueueRequest.Pending.class, name = "Pending"),
    @JsonSubTypes.Type(value = QueueRequest.AckReceipts.class, name = "AckReceipts"),
    @JsonSubTypes.Type(value = QueueRequest.NackReceipt.class, name = "NackReceipt"),
    @JsonSubTypes.Type(value = QueueRequest.ExtendReceipt.class, name = "ExtendReceipt"),
    @JsonSubTypes.Type(value = QueueRequest.DeleteGroup.class, name = "DeleteGroup"),
    @JsonSubTypes.Type(value = QueueRequest.DeleteConsumer.class, name = "DeleteConsumer")
  })
  private abstract static class QueueRequestMixIn {}


  /**
   * The mapper with the queue mix-ins; callers must not reconfigure it.
   *
   * @return the mapper
   */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * The route segment of a request: its record name in lower case ({@code publish}, ...).
   *
   * @param request the request
   * @return the segment
   */
  public static String kind(QueueRequest<?> request) {
    return request.getClass().getSimpleName().toLowerCase(Locale.ROOT);
  }

  /**
   * Encodes a request.
   *
   * @param request the request
   * @return UTF-8 JSON
   */
  public static byte[] encodeRequest(QueueRequest<?> request) {
    try {
      return MAPPER.writerFor(QueueRequest.class).writeValueAsBytes(request);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode " + request, e);
    }
  }

  /**
   * Decodes a request.
   *
   * @param body UTF-8 JSON
   * @return the request
   * @throws HttpError 400 when the body is not a valid request
   */
  public static QueueRequest<?> decodeRequest(byte[] body) {
    JsonNode tree = Json.parse(body);
    try {
      QueueRequest<?> r = MAPPER.treeToValue(tree, QueueRequest.class);
      if (r == null) {
        throw new HttpError(400, "invalid_body", "expected a queue request");
      }
      return r;
    } catch (IOException | IllegalArgumentException e) {
      throw new HttpError(400, "invalid_body", "not a queue request: " + e.getMessage());
    }
  }

  /**
   * Encodes an answer as {@code {"result": answer}}.
   *
   * @param answer the answer, possibly null
   * @return UTF-8 JSON
   */
  public static byte[] encodeAnswer(Object answer) {
    ObjectNode o = MAPPER.createObjectNode();
    o.set("result", MAPPER.valueToTree(answer));
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode answer " + answer, e);
    }
  }

  /**
   * Decodes the answer to a request.
   *
   * @param request the request it answers (gives the answer's type)
   * @param body UTF-8 JSON {@code {"result": ...}}
   * @param <R> the answer type
   * @return the answer (null for requests answered with nothing)
   * @throws IOException when the body does not hold an answer of that type
   */
  public static <R> R decodeAnswer(QueueRequest<R> request, byte[] body) throws IOException {
    JsonNode tree = MAPPER.readTree(body);
    if (tree == null || !tree.has("result")) {
      throw new IOException("queue answer without a result");
    }
    JavaType type = answerType(request);
    if (type == null) {
      return null;
    }
    JsonNode result = tree.get("result");
    if (result.isNull()) {
      return null;
    }
    return MAPPER.convertValue(result, type);
  }

  /**
   * The Java type of the answer to a request, or null for requests answered with nothing.
   *
   * @param request the request
   * @return the answer type
   * @throws IllegalArgumentException for a request type this codec does not know
   */
  static JavaType answerType(QueueRequest<?> request) {
    TypeFactory t = MAPPER.getTypeFactory();
    if (request instanceof QueueRequest.Publish) {
      return t.constructCollectionType(List.class, StreamId.class);
    } else if (request instanceof QueueRequest.Consume) {
      return t.constructCollectionType(List.class, Delivery.class);
    } else if (request instanceof QueueRequest.Ack || request instanceof QueueRequest.AckReceipts
        || request instanceof QueueRequest.DeleteGroup) {
      return t.constructType(Long.class);
    } else if (request instanceof QueueRequest.Nack || request instanceof QueueRequest.Extend
        || request instanceof QueueRequest.NackReceipt
        || request instanceof QueueRequest.ExtendReceipt
        || request instanceof QueueRequest.DeleteConsumer) {
      return null;
    } else if (request instanceof QueueRequest.Stats) {
      return t.constructType(TopicStats.class);
    } else if (request instanceof QueueRequest.Browse) {
      return t.constructCollectionType(List.class, StreamEntry.class);
    } else if (request instanceof QueueRequest.Pending) {
      return t.constructCollectionType(List.class, PendingEntry.class);
    }
    throw new IllegalArgumentException("no answer type known for " + request.getClass());
  }
}
