package io.synod.server.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Checks of the connector, keys and settings that need no server. */
class RedisConnectorTest {
  @Test
  void refusesUrlsThatAreNotRedis() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RedisConnector.connect("http://user:secret@localhost:6379"));
    assertTrue(e.getMessage().contains("redis://"));
    assertTrue(!e.getMessage().contains("secret"), "the password must not leak into messages");
  }

  @Test
  void redactsPasswords() {
    assertEquals("redis://***@host:6379", RedisConnector.redact("redis://u:pw@host:6379"));
    assertEquals("redis://host:6379", RedisConnector.redact("redis://host:6379"));
  }

  @Test
  void keysFollowTheOperatorLayoutAndTagOnClusters() {
    RedisKeys plain = new RedisKeys(false);
    assertEquals("queue_stream:orders", plain.stream("orders"));
    assertEquals("cache:user:1", plain.cache("user:1"));
    assertEquals("lock:resource1", plain.lock("resource1"));
    RedisKeys tagged = new RedisKeys(true);
    assertEquals("queue_stream:{orders}", tagged.stream("orders"));
    assertEquals("cache:{user:1}", tagged.cache("user:1"));
    assertEquals("lock:{resource1}", tagged.lock("resource1"));
  }

  @Test
  void settingsMustBePositive() {
    assertThrows(IllegalArgumentException.class,
        () -> new RedisSettings(Duration.ZERO, Duration.ofSeconds(1), 1, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new RedisSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 0, 1));
    assertEquals(Duration.ofSeconds(5), RedisSettings.defaults().commandTimeout());
  }
}
