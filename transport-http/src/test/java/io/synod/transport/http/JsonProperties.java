package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class JsonProperties {
  @Property(tries = 200)
  void anyStringSurvivesAJsonRoundTrip(@ForAll String s) {
    Map<String, String> in = Map.of("v", s);
    assertEquals(s, Json.parse(Json.write(in)).get("v").asText());
  }
}
