package io.synod.queue.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The queue simulation over many seeds, and proof that its checker catches broken rules. */
class QueueSimulationTest {
  private static final Logger LOG = LoggerFactory.getLogger(QueueSimulationTest.class);

  @Test
  void noSeedBreaksARule() {
    int seeds = Integer.getInteger("synod.sim.seeds", 300);
    QueueSimulation.Summary s = QueueSimulation.runMany(1, seeds,
        QueueSimulation.Options.defaults());
    LOG.info("{} (acked publishes {}, deliveries {}, duplicates {}, crashes {})", s.lastLine(),
        s.acknowledgedPublishes(), s.deliveries(), s.duplicates(), s.crashes());
    s.failing().stream().limit(5).forEach(r -> r.violations().stream().limit(3)
        .forEach(v -> LOG.error("{}", v)));
    assertEquals(0, s.violations(), s.lastLine());
    assertTrue(s.crashes() > seeds, "crashes must actually happen");
    assertTrue(s.acknowledgedPublishes() > 0 && s.deliveries() > 0);
  }

  @Test
  void aSeedReplaysExactly() {
    QueueSimulation.SeedResult a = QueueSimulation.run(42, QueueSimulation.Options.defaults());
    QueueSimulation.SeedResult b = QueueSimulation.run(42, QueueSimulation.Options.defaults());
    assertEquals(a, b);
  }

  @Test
  void storesThatDieWithTheirNodeAreCaught() {
    QueueSimulation.Summary s = QueueSimulation.runMany(1, 30,
        QueueSimulation.Options.defaults().withFault(QueueSimulation.Fault.PRIVATE_STORES));
    LOG.info("with private stores: {}", s.lastLine());
    assertTrue(s.violations() > 0, "acknowledged messages lost in a crash must be reported");
    assertTrue(s.failing().stream().flatMap(r -> r.violations().stream())
        .anyMatch(v -> v.contains("never delivered")));
  }

  @Test
  void aShortVisibilityIsCaught() {
    QueueSimulation.Summary s = QueueSimulation.runMany(1, 10,
        QueueSimulation.Options.defaults().withFault(QueueSimulation.Fault.SHORT_VISIBILITY));
    LOG.info("with a short visibility timeout: {}", s.lastLine());
    assertTrue(s.failing().stream().flatMap(r -> r.violations().stream())
        .anyMatch(v -> v.contains("within the visibility timeout")));
  }
}
