package io.synod.server.chaos;

import static io.synod.server.chaos.ChaosHttp.Outcome.FAIL;
import static io.synod.server.chaos.ChaosHttp.Outcome.OK;
import static io.synod.server.chaos.ChaosHttp.Outcome.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.server.chaos.QueueChecker.Publish;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The at-least-once checker on hand-made histories. */
class QueueCheckerTest {

  @Test
  void anAcknowledgedPublishNeverDeliveredIsLost() {
    List<Publish> p = List.of(new Publish("a", 0, 1, OK), new Publish("b", 2, 3, OK));
    QueueChecker.Result r = QueueChecker.check(p, Map.of("a", 1), 10);
    assertEquals(1, r.lost().size());
    assertEquals(0, r.duplicates());
  }

  @Test
  void unknownAndRefusedPublishesNeedNotBeDeliveredAndDuplicatesAreCounted() {
    List<Publish> p = List.of(new Publish("a", 0, 1, OK), new Publish("b", 2, 3, UNKNOWN),
        new Publish("c", 4, 5, FAIL));
    QueueChecker.Result r = QueueChecker.check(p, Map.of("a", 3, "b", 1), 10);
    assertEquals(List.of(), r.lost());
    assertEquals(List.of(), r.phantoms());
    assertEquals(2, r.duplicates());
  }

  @Test
  void aDeliveryOfSomethingNeverPublishedIsAPhantom() {
    QueueChecker.Result r = QueueChecker.check(List.of(), Map.of("x", 1), 10);
    assertEquals(1, r.phantoms().size());
  }
}
