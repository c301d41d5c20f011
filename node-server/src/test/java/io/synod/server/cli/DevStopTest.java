package io.synod.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.synod.server.SynodNode;
import io.synod.server.TestHttp;
import io.synod.server.config.NodeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Ctrl-C of {@code synod dev} stops the whole cluster quietly: {@link SynodNode#stopTogether}
 * hands no leadership over (every member is going) and stops every node's timers and Raft groups
 * before any server closes, so no node logs a peer as down or unreachable while the others stop.
 * Before, the nodes stopped one by one, each handing its groups to the next, and the rest logged
 * about twenty warnings over some four seconds.
 */
class DevStopTest {
  @Test
  void stoppingTheDevClusterLogsNoWarning() {
    int base = consecutiveFreePorts();
    List<SynodNode> nodes = new ArrayList<>();
    for (NodeConfig c : DevCommand.configs(3, base, "127.0.0.1")) {
      nodes.add(new SynodNode(c).start());
    }
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    try {
      assertTrue(nodes.get(0).awaitLockLeader(Duration.ofSeconds(30)), "a leader");
      TestHttp.post("http://127.0.0.1:" + base + "/cache/write",
          "{\"address\":\"dev-stop\",\"value\":\"v\"}");
      root.addAppender(seen);
      SynodNode.stopTogether(nodes);
    } finally {
      root.detachAppender(seen);
      nodes.forEach(SynodNode::close); // idempotent; stops what a failed start left
    }
    List<String> warnings = seen.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
    assertEquals(List.of(), warnings);
    assertTrue(seen.list.stream().filter(e -> e.getFormattedMessage().endsWith(" stopped"))
        .count() >= 3, "every node logged its stop");
  }

  /** Three free ports in a row, as the dev cluster numbers its nodes. */
  private static int consecutiveFreePorts() {
    for (int attempt = 0; attempt < 50; attempt++) {
      int a = TestHttp.freePort();
      if (TestHttp.freePort() == a + 1 && TestHttp.freePort() == a + 2) {
        return a;
      }
    }
    throw new IllegalStateException("no three consecutive free ports");
  }
}
