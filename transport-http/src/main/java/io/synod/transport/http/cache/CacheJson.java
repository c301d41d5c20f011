package io.synod.transport.http.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synod.cache.CacheValue;
import io.synod.cache.protocol.CacheMessage;
import io.synod.cache.protocol.MessageType;
import io.synod.transport.http.HttpError;
import io.synod.transport.http.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of coherence messages between nodes: a batch is an array of objects with the
 * fields of {@link CacheMessage} ({@code type} by enum name, {@code value} in base64 or absent
 * for a key never written). Decoding checks every field and refuses the whole batch with a 400
 * {@link HttpError} when one is missing or malformed, so a bad batch delivers nothing.
 */
public final class CacheJson {
  private CacheJson() {}

  /**
   * Encodes a batch.
   *
   * @param batch the messages
   * @return UTF-8 JSON
   */
  public static byte[] encodeBatch(List<CacheMessage> batch) {
    ArrayNode array = Json.mapper().createArrayNode();
    for (CacheMessage m : batch) {
      array.add(toJson(m));
    }
    return Json.write(array);
  }

  /**
   * Encodes one message as a JSON object.
   *
   * @param m the message
   * @return the object
   */
  public static ObjectNode toJson(CacheMessage m) {
    ObjectNode o = Json.object();
    o.put("type", m.type().name());
    o.put("from", m.from());
    o.put("to", m.to());
    o.put("key", m.key());
    o.put("requester", m.requester());
    o.put("txn", m.txn());
    o.put("homeTxn", m.homeTxn());
    if (m.value() != null) {
      o.put("value", m.value().toBase64());
    }
    o.put("flag", m.flag());
    o.put("hops", m.hops());
    o.put("incarnation", m.incarnation());
    o.put("stamp", m.stamp());
    return o;
  }

  /**
   * Decodes a batch.
   *
   * @param body UTF-8 JSON
   * @return the messages in order
   * @throws HttpError 400 when the body is not a well-formed batch
   */
  public static List<CacheMessage> decodeBatch(byte[] body) {
    JsonNode tree = Json.parse(body);
    if (!tree.isArray()) {
      throw new HttpError(400, "invalid_body", "a cache batch is a JSON array of messages");
    }
    List<CacheMessage> out = new ArrayList<>(tree.size());
    for (JsonNode n : tree) {
      out.add(fromJson(n));
    }
    return out;
  }

  /**
   * Decodes one message.
   *
   * @param n the object
   * @return the message
   * @throws HttpError 400 when a field is missing or malformed
   */
  public static CacheMessage fromJson(JsonNode n) {
    if (!n.isObject()) {
      throw bad("a cache message is a JSON object");
    }
    MessageType type;
    try {
      type = MessageType.valueOf(text(n, "type"));
    } catch (IllegalArgumentException e) {
      throw bad("unknown cache message type " + n.get("type"));
    }
    CacheValue value = null;
    JsonNode v = n.get("value");
    if (v != null && !v.isNull()) {
      if (!v.isTextual()) {
        throw bad("value must be base64 text");
      }
      try {
        value = CacheValue.fromBase64(v.asText());
      } catch (IllegalArgumentException e) {
        throw bad("value is not base64: " + e.getMessage());
      }
    }
    JsonNode flag = n.get("flag");
    if (flag == null || !flag.isBoolean()) {
      throw bad("flag must be a boolean");
    }
    return new CacheMessage(type, text(n, "from"), text(n, "to"), text(n, "key"),
        text(n, "requester"), number(n, "txn"), number(n, "homeTxn"), value, flag.asBoolean(),
        (int) number(n, "hops"), number(n, "incarnation"), number(n, "stamp"));
  }

  private static String text(JsonNode n, String field) {
    JsonNode f = n.get(field);
    if (f == null || !f.isTextual() || f.asText().isEmpty()) {
      throw bad(field + " must be a non-empty string");
    }
    return f.asText();
  }

  private static long number(JsonNode n, String field) {
    JsonNode f = n.get(field);
    if (f == null || !f.canConvertToLong() || !f.isIntegralNumber()) {
      throw bad(field + " must be an integer");
    }
    return f.asLong();
  }

  private static HttpError bad(String detail) {
    return new HttpError(400, "invalid_body", detail);
  }
}
