package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  /** A request body type. */
  public record Acquire(String resource, String ownerId, int timeoutSeconds) {}

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void malformedJsonIs400MalformedJson() {
    for (String bad : new String[] {"", "{", "{\"a\":}", "{} trailing", "nul"}) {
      HttpError e = assertThrows(HttpError.class, () -> Json.parse(utf8(bad)), bad);
      assertEquals(400, e.status());
      assertEquals("malformed_json", e.error());
    }
  }

  @Test
  void mistypedFieldIs400InvalidBodyNamingTheField() {
    HttpError e = assertThrows(HttpError.class, () -> Json.parse(
        utf8("{\"resource\":\"r\",\"ownerId\":\"o\",\"timeoutSeconds\":\"soon\"}"), Acquire.class));
    assertEquals(400, e.status());
    assertEquals("invalid_body", e.error());
    assertTrue(e.detail().contains("timeoutSeconds"), e.detail());
  }

  @Test
  void recordsRoundTrip() {
    Acquire a = new Acquire("db", "client-1", 30);
    assertEquals(a, Json.parse(Json.write(a), Acquire.class));
  }

  @Test
  void errorBodyHasErrorAndDetail() {
    HttpResponse r = HttpResponse.error(400, "bad_request", "name is empty");
    assertEquals(HttpResponse.JSON, r.contentType());
    assertEquals(Map.of("error", "bad_request", "detail", "name is empty"),
        Json.mapper().convertValue(Json.parse(r.body()), Map.class));
  }
}
