package io.synod.server.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Lettuce connection on a real Redis server: health probe, timeouts, reconnect. */
@ExtendWith(RedisServerExtension.class)
class RedisConnectorIT {
  private static final RedisSettings FAST =
      new RedisSettings(Duration.ofMillis(300), Duration.ofSeconds(2), 1024, 1);

  @Test
  void pingAnswersAndPipelinedCommandsAllComplete(URI uri) throws Exception {
    try (RedisConnector c = RedisConnector.connect(uri.toString())) {
      assertTrue(c.ping().toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertFalse(c.isCluster());
      assertEquals("queue_stream:t", c.keys().stream("t"));
      List<CompletableFuture<Long>> sent = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        sent.add(c.commands().incr("n".getBytes(StandardCharsets.UTF_8)).toCompletableFuture());
      }
      for (int i = 0; i < sent.size(); i++) {
        assertEquals(i + 1, sent.get(i).get(30, TimeUnit.SECONDS), "replies in command order");
      }
    }
  }

  @Test
  void aStalledServerFailsCommandsWithATimeoutAndThePingSaysNo(URI uri, RedisTestServer server)
      throws Exception {
    try (RedisConnector c = RedisConnector.connect(uri.toString(), FAST)) {
      assertTrue(c.ping().toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertEquals("+OK", server.command("CLIENT", "PAUSE", "3000", "ALL"));
      try {
        assertFalse(c.ping().toCompletableFuture().get(10, TimeUnit.SECONDS));
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> c.commands().get("k".getBytes(StandardCharsets.UTF_8))
                .get(10, TimeUnit.SECONDS));
        assertInstanceOf(RedisCommandTimeoutException.class, e.getCause());
      } finally {
        server.command("CLIENT", "UNPAUSE");
      }
      boolean back = false;
      for (int i = 0; i < 100 && !back; i++) {
        back = c.ping().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      assertTrue(back, "answers again once the pause is over");
    }
  }

  @Test
  void reconnectsAfterTheServerDropsTheConnection(URI uri, RedisTestServer server)
      throws Exception {
    try (RedisConnector c = RedisConnector.connect(uri.toString())) {
      byte[] k = "k".getBytes(StandardCharsets.UTF_8);
      c.commands().set(k, "1".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      server.command("CLIENT", "KILL", "TYPE", "normal");
      byte[] got = null;
      for (int i = 0; i < 50 && got == null; i++) {
        try {
          got = c.commands().get(k).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          // the command in flight when the socket died may fail; the next ones must not
        }
      }
      assertEquals("1", new String(got, StandardCharsets.UTF_8));
    }
  }

  @Test
  void anUnreachableServerFailsTheConnectWithAClearError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThrows(RedisConnectionException.class,
        () -> RedisConnector.connect("redis://127.0.0.1:" + port, FAST));
  }
}
