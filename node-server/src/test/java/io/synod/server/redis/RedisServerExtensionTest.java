package io.synod.server.redis;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** Without Redis the tests skip, except under CI=true where they must fail. */
class RedisServerExtensionTest {
  @Test
  void skipsLocallyButFailsUnderCi() {
    RuntimeException local = RedisServerExtension.unavailable("no redis-server", null);
    assertInstanceOf(TestAbortedException.class, local);
    assertTrue(local.getMessage().contains("no redis-server"));
    assertInstanceOf(TestAbortedException.class,
        RedisServerExtension.unavailable("x", "false"));
    RuntimeException ci = RedisServerExtension.unavailable("no redis-server", "true");
    assertInstanceOf(IllegalStateException.class, ci);
    assertTrue(ci.getMessage().contains("CI=true"));
  }
}
