package io.synod.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HelloWorldServerIT {
  @Test
  void answersHelloOnAnyPathOverKeepAlive() throws Exception {
    try (HelloWorldServer server = HelloWorldServer.start("127.0.0.1", 0, null);
        RawHttp c = new RawHttp(server.port())) {
      for (String path : new String[] {"/", "/x", "/lock/acquire"}) {
        c.send("GET", path, null);
        RawHttp.Response r = c.read();
        assertEquals(200, r.status());
        assertEquals("Hello, World!", r.body());
      }
    }
  }
}
