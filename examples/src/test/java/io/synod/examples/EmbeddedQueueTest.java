package io.synod.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EmbeddedQueueTest {

  @Test
  void theUnacknowledgedMessageComesBackAfterTheVisibilityTimeout() {
    EmbeddedQueue.Result r = EmbeddedQueue.run(1_000);

    assertTrue(Set.of("node1", "node2", "node3").contains(r.owner()));
    assertEquals(3, r.published().size());
    assertEquals(r.published(), r.firstDelivery(), "delivered once each, in publish order");
    assertEquals(List.of(), r.visibleBeforeTimeout(),
        "acked messages are gone and the unacked one is invisible until its timeout");
    assertEquals(List.of(r.published().get(2)), r.redelivered(),
        "only the unacknowledged message is delivered again");
    assertEquals(2, r.redeliveryCount());
    assertEquals(0, r.pendingAtEnd());
  }

  @Test
  void theRunIsTheSameEveryTime() {
    // virtual time and in-memory parts: nothing depends on the machine's clock or threads
    assertEquals(EmbeddedQueue.run(500), EmbeddedQueue.run(500));
  }
}
