package io.synod.server.redis;

import io.synod.queue.spi.StreamStore;
import io.synod.queue.spi.StreamStoreContract;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The queue's whole {@link StreamStoreContract}, run against a real Redis server. */
@ExtendWith(RedisServerExtension.class)
class RedisStreamStoreIT extends StreamStoreContract {
  private static RedisConnector connector;

  @BeforeAll
  static void connect(URI redis) {
    connector = RedisConnector.connect(redis.toString());
  }

  @AfterAll
  static void close() {
    if (connector != null) {
      connector.close();
    }
  }

  @Override
  protected StreamStore createStore() {
    return new RedisStreamStore(connector);
  }

  @Override
  protected void passTime(long millis) {
    // the server's own clock decides idle times: wait for real
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
