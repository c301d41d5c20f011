package io.synod.server.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * Client settings of {@link RedisConnector}.
 *
 * @param commandTimeout how long a command may wait for its reply before its stage fails with a
 *     timeout; must be positive
 * @param connectTimeout how long a connection attempt may take; must be positive
 * @param requestQueueSize most commands buffered per connection (in flight or waiting for a
 *     reconnect); further commands fail at once; must be positive
 * @param ioThreads Netty I/O threads of the client; must be positive
 */
public record RedisSettings(Duration commandTimeout, Duration connectTimeout,
    int requestQueueSize, int ioThreads) {
  /** Checks the values. */
  public RedisSettings {
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    if (commandTimeout.isNegative() || commandTimeout.isZero()) {
      throw new IllegalArgumentException("commandTimeout must be positive");
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be positive");
    }
    if (requestQueueSize < 1 || ioThreads < 1) {
      throw new IllegalArgumentException("requestQueueSize and ioThreads must be positive");
    }
  }

  /**
   * Defaults: 5 s command timeout, 2 s connect timeout, 65,536 queued commands, 2 I/O threads.
   *
   * @return the defaults
   */
  public static RedisSettings defaults() {
    return new RedisSettings(Duration.ofSeconds(5), Duration.ofSeconds(2), 65_536, 2);
  }
}
