package io.synod.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.server.config.NodeConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `synod node` refuses an unauthenticated multi-member cluster; `synod dev` makes a secret. */
class NodeCommandSecurityTest {
  private static final String PEERS = "node1=http://127.0.0.1:18001,node2=http://127.0.0.1:18002";
  @TempDir Path dir;

  /** An empty .env file: `synod node --env-file` names one that must exist. */
  private String envFile() {
    try {
      return java.nio.file.Files.writeString(dir.resolve("empty.env"), "").toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cli = new CommandLine(new SynodCli());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void peersWithoutASecretRefuseToStart() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = run(out, err, "node", "--peers", PEERS, "--http-port", "18001", "--check-config",
        "--env-file", envFile());
    assertEquals(1, code, out.toString());
    assertTrue(err.toString().contains("CLUSTER_SECRET"), err.toString());
    assertTrue(err.toString().contains("--insecure"), err.toString());
  }

  @Test
  void insecureIsAnExplicitChoice() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = run(out, err, "node", "--peers", PEERS, "--http-port", "18001", "--check-config",
        "--insecure", "--env-file", envFile());
    assertEquals(0, code, err.toString());
  }

  @Test
  void aSecretLetsItStartAndIsNeverPrinted() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String secret = "s3cret-s3cret-s3cret-s3cret";
    int code = run(out, err, "node", "--peers", PEERS, "--http-port", "18001", "--check-config",
        "--set", "CLUSTER_SECRET=" + secret, "--env-file", envFile());
    assertEquals(0, code, err.toString());
    assertFalse(out.toString().contains(secret), out.toString());
  }

  @Test
  void aShortSecretIsAConfigError() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = run(out, err, "node", "--peers", PEERS, "--http-port", "18001", "--check-config",
        "--set", "CLUSTER_SECRET=short", "--env-file", envFile());
    assertEquals(1, code);
    assertTrue(err.toString().contains("CLUSTER_SECRET"), err.toString());
  }

  @Test
  void theDevClusterSharesOneFreshSecret() {
    List<NodeConfig> a = DevCommand.configs(3, 18101, "127.0.0.1");
    List<NodeConfig> b = DevCommand.configs(3, 18101, "127.0.0.1");
    String secret = a.get(0).values().get("CLUSTER_SECRET");
    assertNotNull(secret);
    for (NodeConfig c : a) {
      assertEquals(secret, c.values().get("CLUSTER_SECRET"));
      assertFalse(c.peersUnauthenticated());
    }
    assertFalse(secret.equals(b.get(0).values().get("CLUSTER_SECRET")), "a new secret per run");
  }
}
