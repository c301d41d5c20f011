package io.synod.server.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.sim.SimOptions;
import io.synod.raft.sim.SimResult;
import io.synod.server.queue.sim.RaftQueueWorkload;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The embedded queue's state machine on the Raft simulator (crashes, partitions, loss, pauses,
 * leader changes, membership changes, snapshots): no acknowledged publish lost, no overlapping
 * unexpired leases, no redelivery after a confirmed ack. {@code -Dsynod.sim.queueSeeds} (default 20).
 */
class RaftQueueSimulationTest {
  private static final int SEEDS = Integer.getInteger("synod.sim.queueSeeds", 20);

  @Test
  void noSeedLosesAnAcknowledgedPublishOrOverlapsALease() {
    List<SimResult> failures = new ArrayList<>();
    long[] published = new long[1];
    LongStream.rangeClosed(1, SEEDS).forEach(seed -> {
      SimResult r = RaftQueueWorkload.run(SimOptions.draw(seed, 3, 8_000, true, true));
      if (!r.ok()) {
        failures.add(r);
      }
      String stats = r.stats();
      int at = stats.indexOf("published=");
      published[0] += Long.parseLong(stats.substring(at + 10, stats.indexOf(' ', at)));
    });
    assertTrue(failures.isEmpty(), () -> failures.size() + " failing seeds; first:\n"
        + failures.get(0).report());
    assertTrue(published[0] > SEEDS * 10L, "publishes were acknowledged: " + published[0]);
  }

  @Test
  void aSeedReplaysExactly() {
    SimResult a = RaftQueueWorkload.run(SimOptions.draw(7, 3, 4_000, true, true));
    SimResult b = RaftQueueWorkload.run(SimOptions.draw(7, 3, 4_000, true, true));
    assertEquals(a.stats(), b.stats());
    assertEquals(a.violation(), b.violation());
  }

  @Test
  void replicasWithAShorterVisibilityThanPromisedAreCaught() {
    long caught = LongStream.rangeClosed(1, 10)
        .mapToObj(seed -> RaftQueueWorkload.run(SimOptions.draw(seed, 3, 8_000, true, true),
            RaftQueueWorkload.VISIBILITY / 4))
        .filter(r -> !r.ok() && r.violation().contains("lease was unexpired"))
        .count();
    assertTrue(caught > 0, "an early redelivery must be reported");
  }
}
