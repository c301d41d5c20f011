package io.synod.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Static checks of docker/: there is no Docker engine on the build machines, so the files are read
 * and checked for what the deployment promises (three nodes and Redis on dist_net, ports
 * 8001-8003, durable Redis, a non-root image with a readiness health check).
 */
class DockerFilesTest {

  static final Path DOCKER = locateDockerDir();

  static Path locateDockerDir() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("docker"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("no docker/ folder above " + Path.of("").toAbsolutePath());
    }
    return p.resolve("docker");
  }

  static JsonNode compose() throws IOException {
    return new ObjectMapper(new YAMLFactory()).readTree(DOCKER.resolve("docker-compose.yml").toFile());
  }

  /** Each node's environment as the compose file gives it, with ${VAR:-default} resolved. */
  static Map<String, Map<String, String>> nodeEnvironments() throws IOException {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    JsonNode services = compose().path("services");
    for (String node : List.of("node1", "node2", "node3")) {
      Map<String, String> env = new LinkedHashMap<>();
      services.path(node).path("environment").fields().forEachRemaining(
          e -> env.put(e.getKey(), resolveDefault(e.getValue().asText())));
      out.put(node, env);
    }
    return out;
  }

  /** What an operator supplies for a required variable ({@code ${VAR:?message}}). */
  static final String OPERATOR_SECRET = "an-operator-chosen-secret-0123456789";

  private static String resolveDefault(String value) {
    Matcher m = Pattern.compile("\\$\\{[A-Z_]+:-([^}]*)}").matcher(value);
    String out = m.replaceAll(r -> Matcher.quoteReplacement(r.group(1)));
    return Pattern.compile("\\$\\{CLUSTER_SECRET:\\?[^}]*}").matcher(out)
        .replaceAll(Matcher.quoteReplacement(OPERATOR_SECRET));
  }

  @Test
  void everyNodeRequiresTheSameClusterSecretFromTheOperator() throws IOException {
    JsonNode services = compose().path("services");
    for (String node : List.of("node1", "node2", "node3")) {
      String v = services.path(node).path("environment").path("CLUSTER_SECRET").asText();
      assertTrue(v.startsWith("${CLUSTER_SECRET:?"), node + " must require CLUSTER_SECRET: " + v);
    }
    for (String line : Files.readAllLines(DOCKER.resolve(".env"))) {
      assertFalse(line.trim().startsWith("CLUSTER_SECRET="),
          "no secret is committed in docker/.env: " + line);
    }
  }

  @Test
  void composeRunsRedisAndThreeNodesOnDistNet() throws IOException {
    JsonNode c = compose();
    JsonNode services = c.path("services");
    for (String s : List.of("redis", "node1", "node2", "node3")) {
      assertTrue(services.has(s), "service " + s + " is missing");
      List<String> nets = new ArrayList<>();
      services.path(s).path("networks").forEach(n -> nets.add(n.asText()));
      assertEquals(List.of("dist_net"), nets, s + " must be on dist_net");
    }
    assertEquals("bridge", c.path("networks").path("dist_net").path("driver").asText());
  }

  @Test
  void nodesArePublishedOn8001To8003AndKnowEachOther() throws IOException {
    JsonNode services = compose().path("services");
    Map<String, Map<String, String>> envs = nodeEnvironments();
    for (int i = 1; i <= 3; i++) {
      String node = "node" + i;
      Map<String, String> env = envs.get(node);
      String port = env.get("HTTP_PORT");
      assertEquals("800" + i + ":" + port, services.path(node).path("ports").get(0).asText());
      assertEquals(node, env.get("NODE_ID"));
      assertEquals("redis://redis:6379", env.get("REDIS_URL"));
      for (int j = 1; j <= 3; j++) {
        assertTrue(
            env.get("PEERS").contains("node" + j + "=http://node" + j + ":" + port),
            node + " PEERS must name node" + j + ": " + env.get("PEERS"));
      }
      assertTrue(env.get("ROLES").contains("lock"), "all services by default");
      assertTrue(env.get("ROLES").contains("queue"));
      assertTrue(env.get("ROLES").contains("cache"));
      assertEquals("service_healthy",
          services.path(node).path("depends_on").path("redis").path("condition").asText());
    }
  }

  @Test
  void redisKeepsAnAppendOnlyFile() throws IOException {
    String command = compose().path("services").path("redis").path("command").toString();
    assertTrue(command.contains("\"--appendonly\",\"yes\""), command);
  }

  @Test
  void imageBuildsInTwoStagesAndRunsAsNonRootWithALivenessCheck() throws IOException {
    List<String> lines = Files.readAllLines(DOCKER.resolve("Dockerfile"));
    long froms = lines.stream().filter(l -> l.startsWith("FROM ")).count();
    assertEquals(2, froms, "a Maven build stage and a JRE runtime stage");
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("FROM maven:")));
    String user = lines.stream().filter(l -> l.startsWith("USER ")).findFirst().orElse("USER root");
    assertFalse(user.contains("root"), "must not run as root: " + user);
    String all = String.join("\n", lines);
    // Docker's health check is liveness: an orchestrator restarts an unhealthy container, and a
    // node must not be restarted because its cluster has no quorum (that is /ready's business)
    String check = all.substring(all.indexOf("HEALTHCHECK"));
    check = check.substring(0, check.indexOf("ENTRYPOINT"));
    assertTrue(check.contains("/health") && !check.contains("/ready"), "health check on /health");
    assertTrue(all.contains("synod.jar node"), "the entry point runs a node");
  }

  @Test
  void theImageSizesTheHeapAsAShareOfTheContainerWithTheMeasuredGc() throws IOException {
    String all = Files.readString(DOCKER.resolve("Dockerfile"));
    Matcher opts = Pattern.compile("JAVA_OPTS=\"([^\"]*)\"").matcher(all);
    assertTrue(opts.find(), "the image sets JAVA_OPTS");
    String javaOpts = opts.group(1);
    for (String flag : List.of("-XX:+UseG1GC", "-XX:InitialRAMPercentage=", "-XX:MaxRAMPercentage=",
        "-XX:MaxDirectMemorySize=", "-XX:+ExitOnOutOfMemoryError")) {
      assertTrue(javaOpts.contains(flag), flag + " in " + javaOpts);
    }
    assertTrue(all.contains("exec java $JAVA_OPTS -jar"), "the entry point passes JAVA_OPTS");
    String launcher = Files.readString(DOCKER.getParent().resolve("synod"));
    assertTrue(launcher.contains("${SYNOD_JAVA_OPTS:-$default_java_opts}"),
        "./synod sizes the JVM unless SYNOD_JAVA_OPTS is set");
    assertTrue(launcher.contains("-Xmx") && launcher.contains("-XX:+UseG1GC"), launcher);
  }

  @Test
  void everyNodesEnvironmentPassesCheckConfig() throws IOException {
    for (Map.Entry<String, Map<String, String>> node : nodeEnvironments().entrySet()) {
      List<String> args = new java.util.ArrayList<>(
          List.of("node", "--check-config", "--env-file", DOCKER.resolve(".env").toString()));
      node.getValue().forEach((k, v) -> {
        args.add("--set");
        args.add(k + "=" + v);
      });
      java.io.StringWriter out = new java.io.StringWriter();
      java.io.StringWriter err = new java.io.StringWriter();
      picocli.CommandLine cli = new picocli.CommandLine(new io.synod.server.cli.SynodCli());
      cli.setOut(new java.io.PrintWriter(out, true));
      cli.setErr(new java.io.PrintWriter(err, true));
      int rc = cli.execute(args.toArray(String[]::new));
      assertEquals(0, rc, node.getKey() + " is refused: " + err);
      assertTrue(out.toString().contains("NODE_ID=" + node.getKey()), out.toString());
    }
  }

  @Test
  void theDataVolumeMountPointExistsAndBelongsToTheRuntimeUser() throws IOException {
    // a named volume takes its owner from the image's directory; a missing one is root's
    String all = Files.readString(DOCKER.resolve("Dockerfile"));
    for (Map<String, String> env : nodeEnvironments().values()) {
      String dir = env.get("DATA_DIR");
      assertTrue(all.contains("mkdir -p " + dir), "the image creates " + dir);
      assertTrue(all.contains("chown -R synod:synod /var/lib/synod"), "owned by the runtime user");
    }
  }

  @Test
  void theDefaultsTheExampleShowsAreTheNodesDefaults() throws IOException {
    // "# KEY=value" lines document a default: they must not drift from NodeConfig
    Pattern documented = Pattern.compile("^#\\s*([A-Z_]+)=(\\S+)");
    int checked = 0;
    for (String line : Files.readAllLines(DOCKER.resolve(".env.example"))) {
      Matcher m = documented.matcher(line.trim());
      if (m.find() && io.synod.server.config.NodeConfig.KEYS.get(m.group(1)) != null
          && !m.group(1).equals("NODE_TYPE")) {
        assertEquals(io.synod.server.config.NodeConfig.KEYS.get(m.group(1)), m.group(2),
            m.group(1) + " in .env.example");
        checked++;
      }
    }
    assertTrue(checked >= 5, "documented defaults checked: " + checked);
  }

  @Test
  void theExampleListsEverySettingANodeReads() throws IOException {
    String example = Files.readString(DOCKER.resolve(".env.example"));
    List<String> missing = io.synod.server.config.NodeConfig.KEYS.keySet().stream()
        .filter(k -> !Pattern.compile("(?m)^#?\\s*" + k + "=").matcher(example).find())
        .sorted().toList();
    assertEquals(List.of(), missing, "settings missing from docker/.env.example");
  }

  @Test
  void envFileOnlySetsDocumentedKeys() throws IOException {
    String example = Files.readString(DOCKER.resolve(".env.example"));
    for (String line : Files.readAllLines(DOCKER.resolve(".env"))) {
      String l = line.trim();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String key = l.substring(0, l.indexOf('='));
      assertTrue(example.contains(key + "="), key + " in .env is not documented in .env.example");
    }
  }
}
