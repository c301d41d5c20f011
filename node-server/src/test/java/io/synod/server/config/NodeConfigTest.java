package io.synod.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.cli.SynodCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class NodeConfigTest {

  @Test
  void defaultsDescribeASingleNodeRunningEverythingOnEmbeddedStorage() {
    NodeConfig c = NodeConfig.of(Map.of());
    assertEquals("node1", c.nodeId());
    assertEquals(8000, c.httpPort());
    assertEquals(EnumSet.allOf(Role.class), c.roles());
    assertNull(c.redisUrl());
    assertNull(c.dataDir());
    assertEquals(Map.of("node1", URI.create("http://127.0.0.1:8000")), c.peers());
    assertEquals(1 << 20, c.maxBodyBytes());
    assertEquals("lru", c.cachePolicy());
    assertEquals("write-back", c.cacheWritePolicy());
  }

  @Test
  void flagsWinOverEnvironmentWhichWinsOverDotEnv() {
    NodeConfig c =
        NodeConfig.resolve(
            Map.of("HTTP_PORT", "9001"),
            Map.of("HTTP_PORT", "9002", "CACHE_CAPACITY", "77"),
            Map.of("HTTP_PORT", "9003", "CACHE_CAPACITY", "88", "QUEUE_MAX_DELIVERIES", "9"));
    assertEquals(9001, c.httpPort());
    assertEquals(77, c.cacheCapacity());
    assertEquals(9, c.queueMaxDeliveries());
  }

  @Test
  void peersAreParsedSortedAndMustIncludeThisNode() {
    NodeConfig c =
        NodeConfig.of(
            Map.of(
                "NODE_ID", "node2",
                "PEERS", "node3=http://h3:8000, node1=http://h1:8000,node2=http://h2:8000"));
    assertEquals(List.of("node1", "node2", "node3"), List.copyOf(c.peers().keySet()));
    assertEquals(URI.create("http://h2:8000"), c.advertisedUrl());
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> NodeConfig.of(Map.of("NODE_ID", "node9", "PEERS", "node1=http://h1:1")));
    assertEquals("PEERS", e.key());
  }

  @Test
  void nodeTypeOfTheFirstSystemSelectsOneRole() {
    assertEquals(EnumSet.of(Role.LOCK), NodeConfig.of(Map.of("NODE_TYPE", "lock_manager")).roles());
    assertEquals(EnumSet.of(Role.QUEUE), NodeConfig.of(Map.of("NODE_TYPE", "queue")).roles());
    assertEquals(EnumSet.of(Role.CACHE), NodeConfig.of(Map.of("NODE_TYPE", "cache")).roles());
    assertEquals(
        EnumSet.of(Role.LOCK, Role.CACHE), NodeConfig.of(Map.of("ROLES", "cache, lock")).roles());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "HTTP_PORT|abc",
        "HTTP_PORT|70000",
        "NODE_ID|bad id!",
        "PEERS|node1",
        "PEERS|node1=ftp://x:1",
        "PEERS|node1=http://a:1,node1=http://b:2",
        "REDIS_URL|http://localhost:6379",
        "ROLES|lock,teapot",
        "ROLES|,",
        "NODE_TYPE|database",
        "RAFT_TICK_MILLIS|0",
        "RAFT_HEARTBEAT_TICKS|100",
        "CACHE_CAPACITY|-1",
        "CACHE_POLICY|fifo",
        "CACHE_WRITE_POLICY|sometimes",
        "QUEUE_VISIBILITY_TIMEOUT_MILLIS|soon",
        "QUEUE_MAX_DELIVERIES|0",
        "QUEUE_GROUPS|0",
        "CACHE_GROUPS|0",
        "MAX_BODY_BYTES|12",
        "FAILURE_TIMEOUT_MILLIS|100",
        "LOCK_MAX_RESOURCES|0",
        "LOCK_MAX_RESOURCES|many",
        "LOCK_MAX_SESSIONS|-5",
        "LOCK_MAX_SESSIONS|200000000",
      })
  void aBadValueIsRefusedWithOneLineNamingIt(String key, String value) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> NodeConfig.of(Map.of(key, value)));
    assertEquals(key, e.key());
    assertTrue(e.getMessage().contains(key), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void lockTableBoundsAreSettingsWithTheirDefaults() {
    NodeConfig d = NodeConfig.of(Map.of());
    assertEquals(1_000_000, d.lockMaxResources());
    assertEquals(100_000, d.lockMaxSessions());
    NodeConfig c =
        NodeConfig.of(Map.of("LOCK_MAX_RESOURCES", "2000000", "LOCK_MAX_SESSIONS", "5000"));
    assertEquals(2_000_000, c.lockMaxResources());
    assertEquals(5_000, c.lockMaxSessions());
    assertTrue(NodeConfig.KEYS.containsKey("LOCK_MAX_RESOURCES"), "--list-settings shows it");
    assertTrue(NodeConfig.KEYS.containsKey("LOCK_MAX_SESSIONS"), "--list-settings shows it");
  }

  @Test
  void unknownSettingsAreRefused() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> NodeConfig.of(Map.of("HTTP_PROT", "1")));
    assertEquals("HTTP_PROT", e.key());
  }

  @Test
  void dotEnvFilesAreParsed(@TempDir Path dir) throws Exception {
    Path f = dir.resolve(".env");
    Files.writeString(
        f,
        "# comment\n\nexport NODE_ID=node7\nHTTP_PORT = 8123 # the port\n"
            + "PEERS=\"node7=http://a:1\"\nCACHE_POLICY='lfu'\n");
    Map<String, String> m = DotEnv.load(f);
    assertEquals("node7", m.get("NODE_ID"));
    assertEquals("8123", m.get("HTTP_PORT"));
    assertEquals("node7=http://a:1", m.get("PEERS"));
    assertEquals("lfu", m.get("CACHE_POLICY"));
    assertEquals(Map.of(), DotEnv.load(dir.resolve("missing")));
    assertThrows(ConfigException.class, () -> DotEnv.parse(List.of("no equals"), "x"));
  }

  @Test
  void checkConfigPrintsTheResolvedConfigAndExitsZero(@TempDir Path dir) throws Exception {
    StringWriter out = new StringWriter();
    // an --env-file named on the command line must exist
    Path none = Files.writeString(dir.resolve("none"), "");
    int rc =
        cli(out, new StringWriter())
            .execute("node", "--check-config", "--env-file", none.toString(),
                "--node-id", "node2", "--peers", "node1=http://a:1,node2=http://b:2",
                "--set", "CACHE_POLICY=lfu", "--set", "CLUSTER_SECRET=0123456789abcdef0123");
    assertEquals(0, rc);
    assertTrue(out.toString().contains("NODE_ID=node2"), out.toString());
    assertTrue(out.toString().contains("CACHE_POLICY=lfu"), out.toString());
  }

  @Test
  void checkConfigFailsWithOneLineNamingTheSetting(@TempDir Path dir) throws Exception {
    Path env = dir.resolve(".env");
    Files.writeString(env, "QUEUE_MAX_DELIVERIES=lots\n");
    StringWriter err = new StringWriter();
    int rc =
        cli(new StringWriter(), err)
            .execute("node", "--check-config", "--env-file", env.toString());
    assertEquals(1, rc);
    String text = err.toString().strip();
    assertTrue(text.contains("QUEUE_MAX_DELIVERIES"), text);
    assertEquals(1, text.lines().count(), text);
  }

  private static CommandLine cli(StringWriter out, StringWriter err) {
    CommandLine c = new CommandLine(new SynodCli());
    c.setOut(new PrintWriter(out, true));
    c.setErr(new PrintWriter(err, true));
    return c;
  }
}
