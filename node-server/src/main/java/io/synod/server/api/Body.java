package io.synod.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.transport.http.HttpError;
import io.synod.transport.http.HttpRequestView;
import io.synod.transport.http.Json;

/**
 * A request's JSON object body with checked field access: a missing, mistyped, empty or over-long
 * field raises a 400 {@link HttpError} naming the field, before any state is touched.
 */
final class Body {
  private final JsonNode node;
  private final int maxKeyLength;

  private Body(JsonNode node, int maxKeyLength) {
    this.node = node;
    this.maxKeyLength = maxKeyLength;
  }

  static Body of(HttpRequestView request, int maxKeyLength) {
    JsonNode n = Json.parse(request.body());
    if (!n.isObject()) {
      throw new HttpError(400, "invalid_body", "the body must be a JSON object");
    }
    return new Body(n, maxKeyLength);
  }

  static Body empty(int maxKeyLength) {
    return new Body(Json.object(), maxKeyLength);
  }

  static Body ofOptional(HttpRequestView request, int maxKeyLength) {
    return request.body().length == 0 ? empty(maxKeyLength) : of(request, maxKeyLength);
  }

  /** A required non-empty name (resource, topic, owner...) of bounded length. */
  String name(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw missing(field);
    }
    if (!v.isTextual()) {
      throw new HttpError(
          400, "invalid_field", "'" + field + "' must be a string, got " + v.getNodeType());
    }
    return checkName(field, v.asText(), maxKeyLength);
  }

  static String checkName(String field, String s, int maxKeyLength) {
    if (s.isBlank()) {
      throw new HttpError(400, "empty_field", "'" + field + "' must not be empty");
    }
    if (s.length() > maxKeyLength) {
      throw new HttpError(
          400, "too_long", "'" + field + "' is " + s.length() + " characters; at most "
              + maxKeyLength);
    }
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        throw new HttpError(400, "invalid_field", "'" + field + "' holds a control character");
      }
    }
    return s;
  }

  String optionalName(String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : name(field);
  }

  long optionalLong(String field, long dflt, long min, long max) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new HttpError(400, "invalid_field", "'" + field + "' must be a whole number");
    }
    long n = v.asLong();
    if (n < min || n > max) {
      throw new HttpError(
          400, "invalid_field", "'" + field + "' must be in [" + min + ", " + max + "]");
    }
    return n;
  }

  JsonNode required(String field) {
    JsonNode v = node.get(field);
    if (v == null) {
      throw missing(field);
    }
    return v;
  }

  JsonNode object(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw missing(field);
    }
    if (!v.isObject()) {
      throw new HttpError(
          400, "invalid_field", "'" + field + "' must be a JSON object, got " + v.getNodeType());
    }
    return v;
  }

  JsonNode node() {
    return node;
  }

  JsonNode get(String field) {
    return node.get(field);
  }

  private static HttpError missing(String field) {
    return new HttpError(400, "missing_field", "'" + field + "' is required");
  }
}
