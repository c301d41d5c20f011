package io.synod.transport.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * JSON helpers over one shared, thread-safe Jackson {@link ObjectMapper}.
 *
 * <p>Parsing failures become {@link HttpError}s with status 400 so a handler can parse its body in
 * one line and let the server answer the client: {@code malformed_json} when the bytes are not
 * JSON, {@code invalid_body} when they are JSON but do not fit the requested type.
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Json() {}

  /**
   * Returns the shared mapper. Callers must not reconfigure it.
   *
   * @return the mapper
   */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Returns a new empty JSON object node.
   *
   * @return the node
   */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /**
   * Parses bytes as a JSON tree.
   *
   * @param body UTF-8 JSON
   * @return the tree, never null
   * @throws HttpError 400 {@code malformed_json} when empty or not JSON
   */
  public static JsonNode parse(byte[] body) {
    if (body == null || body.length == 0) {
      throw new HttpError(400, "malformed_json", "request body is empty; a JSON document is needed");
    }
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new HttpError(400, "malformed_json", "request body holds no JSON value");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new HttpError(400, "malformed_json", e.getOriginalMessage());
    } catch (IOException e) {
      throw new HttpError(400, "malformed_json", String.valueOf(e.getMessage()));
    }
  }

  /**
   * Parses bytes into a type.
   *
   * @param body UTF-8 JSON
   * @param type target type
   * @param <T> target type
   * @return the value, never null
   * @throws HttpError 400 {@code malformed_json} or {@code invalid_body}
   */
  public static <T> T parse(byte[] body, Class<T> type) {
    JsonNode tree = parse(body);
    try {
      T value = MAPPER.treeToValue(tree, type);
      if (value == null) {
        throw new HttpError(400, "invalid_body", "expected " + type.getSimpleName());
      }
      return value;
    } catch (MismatchedInputException e) {
      throw new HttpError(400, "invalid_body", describe(e));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new HttpError(400, "invalid_body", String.valueOf(e.getMessage()));
    }
  }

  /**
   * Serializes a value to UTF-8 JSON.
   *
   * @param value the value
   * @return the bytes
   * @throws IllegalArgumentException when the value cannot be serialized
   */
  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialize " + value.getClass().getName(), e);
    }
  }

  private static String describe(MismatchedInputException e) {
    StringBuilder path = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    String where = path.length() == 0 ? "body" : "field '" + path + "'";
    return where + ": " + e.getOriginalMessage();
  }
}
