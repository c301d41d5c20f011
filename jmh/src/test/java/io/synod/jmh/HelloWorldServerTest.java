package io.synod.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The baseline answers the same 13 bytes on any path, over one kept-alive connection. */
class HelloWorldServerTest {
  @Test
  void answersHelloOnAnyPathOverKeepAlive() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    try (HelloWorldServer server = HelloWorldServer.start("127.0.0.1", 0, null)) {
      for (String path : new String[] {"/", "/x", "/lock/acquire"}) {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("Hello, World!", r.body());
      }
    }
  }
}
