package io.synod.server.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamInfo;
import io.synod.queue.spi.StreamRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An acknowledged append is as durable as Redis makes it: on a server with {@code appendonly
 * yes} (as in the compose file), everything acknowledged is found again after Redis reloads its
 * data from the append-only file, with the consumer groups' pending lists and delivery counts.
 */
@ExtendWith(RedisServerExtension.class)
@RedisServerExtension.AppendOnly
class RedisDurabilityIT {
  private static <T> T await(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void acknowledgedAppendsAndGroupStateSurviveAReloadFromTheAppendOnlyFile(URI uri,
      RedisTestServer server) throws Exception {
    assertEquals("appendonly\nyes", server.command("CONFIG", "GET", "appendonly"));
    try (RedisConnector c = RedisConnector.connect(uri.toString())) {
      RedisStreamStore store = new RedisStreamStore(c);
      await(store.createGroup("orders", "g"));
      List<StreamRecord> rs = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        rs.add(StreamRecord.of(("order-" + i).getBytes(StandardCharsets.UTF_8)));
      }
      List<StreamId> ids = await(store.append("orders", rs));
      await(store.readNew("orders", "g", "c1", 10));
      await(store.ack("orders", "g", ids.subList(0, 5)));
      StreamInfo before = await(store.info("orders"));
      List<PendingEntry> pendingBefore = await(store.pending("orders", "g", StreamId.MIN, 100));

      assertEquals("+OK", server.command("DEBUG", "LOADAOF"));

      assertEquals(before.length(), await(store.info("orders")).length());
      List<StreamEntry> all = await(store.range("orders", StreamId.MIN, 1000));
      assertEquals(ids, all.stream().map(StreamEntry::id).toList());
      assertEquals("order-99", new String(all.get(99).record().payload(),
          StandardCharsets.UTF_8));
      List<PendingEntry> pendingAfter = await(store.pending("orders", "g", StreamId.MIN, 100));
      assertEquals(pendingBefore.stream().map(PendingEntry::id).toList(),
          pendingAfter.stream().map(PendingEntry::id).toList());
      assertEquals(before.group("g").lastDeliveredId(),
          await(store.info("orders")).group("g").lastDeliveredId());
      assertEquals(90, await(store.readNew("orders", "g", "c2", 1000)).size(),
          "the group goes on where it stopped");
    }
  }
}
