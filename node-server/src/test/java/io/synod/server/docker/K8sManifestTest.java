package io.synod.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.synod.server.cli.SynodCli;
import io.synod.server.config.NodeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Static checks of the Kubernetes example (docker/k8s/synod.yaml): no cluster runs on the build
 * machines, so the manifest is read and checked for what a three-node Synod needs from Kubernetes.
 */
class K8sManifestTest {

  static final Path MANIFEST = DockerFilesTest.DOCKER.resolve("k8s/synod.yaml");

  /** Settings the manifest may set besides the node's own ({@link NodeConfig#KEYS}). */
  static final Set<String> RUNTIME_ENV = Set.of("JAVA_OPTS");
  /** Stands for the value of a Secret the operator creates. */
  static final String OPERATOR_SECRET = "an-operator-chosen-secret-0123456789";

  static Map<String, JsonNode> byKind() throws IOException {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (MappingIterator<JsonNode> docs =
        yaml.readerFor(JsonNode.class).readValues(Files.readString(MANIFEST))) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc == null || doc.isEmpty()) {
          continue;
        }
        String key = doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
        assertTrue(out.put(key, doc) == null, "declared twice: " + key);
      }
    }
    return out;
  }

  static JsonNode get(Map<String, JsonNode> docs, String key) {
    JsonNode n = docs.get(key);
    assertNotNull(n, "the manifest declares " + key + " (it has " + docs.keySet() + ")");
    return n;
  }

  @Test
  void threeStatefulNodesStartTogetherUnderAHeadlessServiceThatPublishesUnreadyPeers()
      throws IOException {
    Map<String, JsonNode> docs = byKind();
    JsonNode sts = get(docs, "StatefulSet/synod").path("spec");
    assertEquals(3, sts.path("replicas").asInt());
    // OrderedReady would wait for synod-0 to be ready, and ready needs a Raft quorum: a deadlock
    assertEquals("Parallel", sts.path("podManagementPolicy").asText());
    JsonNode peers = get(docs, "Service/" + sts.path("serviceName").asText()).path("spec");
    assertEquals("None", peers.path("clusterIP").asText(), "the peer Service is headless");
    assertTrue(peers.path("publishNotReadyAddresses").asBoolean(),
        "peers must resolve each other before any is ready");
    JsonNode labels = sts.path("template").path("metadata").path("labels");
    assertEquals(labels, sts.path("selector").path("matchLabels"));
    assertEquals(labels, peers.path("selector"));
    assertEquals(labels, get(docs, "Service/synod").path("spec").path("selector"));
  }

  @Test
  void peersNameEveryPodByItsStableDnsNameAndNodeIdIsThePodName() throws IOException {
    Map<String, JsonNode> docs = byKind();
    JsonNode sts = get(docs, "StatefulSet/synod");
    String set = sts.path("metadata").path("name").asText();
    String service = sts.path("spec").path("serviceName").asText();
    int port = container(sts).path("ports").get(0).path("containerPort").asInt();
    Map<String, String> env = environment(docs);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < sts.path("spec").path("replicas").asInt(); i++) {
      expected.add(set + "-" + i + "=http://" + set + "-" + i + "." + service + ":" + port);
    }
    assertEquals(String.join(",", expected), env.get("PEERS"));
    assertEquals(String.valueOf(port), env.get("HTTP_PORT"));
    JsonNode nodeId = envVar(container(sts), "NODE_ID");
    assertEquals("metadata.name", nodeId.path("valueFrom").path("fieldRef").path("fieldPath").asText());
  }

  @Test
  void probesUseReadyForTrafficAndHealthForRestartsOnTheServedPort() throws IOException {
    JsonNode c = container(get(byKind(), "StatefulSet/synod"));
    assertEquals("/ready", c.path("readinessProbe").path("httpGet").path("path").asText());
    assertEquals("/health", c.path("livenessProbe").path("httpGet").path("path").asText());
    String portName = c.path("ports").get(0).path("name").asText();
    assertEquals(portName, c.path("readinessProbe").path("httpGet").path("port").asText());
    assertEquals(portName, c.path("livenessProbe").path("httpGet").path("port").asText());
  }

  @Test
  void aDisruptionTakesAtMostOneNodeSoTheQuorumStays() throws IOException {
    Map<String, JsonNode> docs = byKind();
    JsonNode pdb = get(docs, "PodDisruptionBudget/synod").path("spec");
    int replicas = get(docs, "StatefulSet/synod").path("spec").path("replicas").asInt();
    int maxUnavailable = pdb.path("maxUnavailable").asInt();
    assertTrue(replicas - maxUnavailable > replicas / 2, "a majority must stay up");
    assertEquals(get(docs, "StatefulSet/synod").path("spec").path("selector").path("matchLabels"),
        pdb.path("selector").path("matchLabels"));
  }

  @Test
  void theDataDirIsAPersistentVolumeAndTheHeapASharedOfTheContainer() throws IOException {
    Map<String, JsonNode> docs = byKind();
    JsonNode sts = get(docs, "StatefulSet/synod").path("spec");
    String dataDir = environment(docs).get("DATA_DIR");
    String claim = sts.path("volumeClaimTemplates").get(0).path("metadata").path("name").asText();
    boolean mounted = false;
    for (JsonNode m : container(get(docs, "StatefulSet/synod")).path("volumeMounts")) {
      mounted |= m.path("name").asText().equals(claim) && m.path("mountPath").asText().equals(dataDir);
    }
    assertTrue(mounted, "DATA_DIR " + dataDir + " is the claim " + claim);
    String javaOpts = envVar(container(get(docs, "StatefulSet/synod")), "JAVA_OPTS").path("value").asText();
    assertTrue(javaOpts.contains("MaxRAMPercentage"), javaOpts);
    assertTrue(container(get(docs, "StatefulSet/synod")).path("resources").path("limits").has("memory"));
    // the heap share is computed from the limit, so the scheduler must reserve all of it, and the
    // share leaves room for what is not heap (metaspace, threads, direct buffers)
    JsonNode resources = container(get(docs, "StatefulSet/synod")).path("resources");
    assertEquals(resources.path("limits").path("memory").asText(),
        resources.path("requests").path("memory").asText(), "memory request = limit");
    java.util.regex.Matcher share =
        java.util.regex.Pattern.compile("MaxRAMPercentage=(\\d+)").matcher(javaOpts);
    assertTrue(share.find() && Integer.parseInt(share.group(1)) <= 75, javaOpts);
    assertTrue(javaOpts.contains("ExitOnOutOfMemoryError"), javaOpts);
    assertTrue(javaOpts.contains("UseG1GC"), "the GC docs/PERFORMANCE.md measured: " + javaOpts);
  }

  @Test
  void theClusterSecretComesFromAKubernetesSecret() throws IOException {
    JsonNode v = envVar(container(get(byKind(), "StatefulSet/synod")), "CLUSTER_SECRET");
    assertEquals("synod-cluster-secret",
        v.path("valueFrom").path("secretKeyRef").path("name").asText(), v.toString());
  }

  @Test
  void everyPodsSettingsAreKnownAndPassCheckConfig() throws IOException {
    Map<String, JsonNode> docs = byKind();
    Map<String, String> env = environment(docs);
    for (String key : env.keySet()) {
      assertTrue(NodeConfig.KEYS.containsKey(key) || RUNTIME_ENV.contains(key), "unknown setting " + key);
    }
    JsonNode sts = get(docs, "StatefulSet/synod");
    for (int i = 0; i < sts.path("spec").path("replicas").asInt(); i++) {
      String pod = sts.path("metadata").path("name").asText() + "-" + i;
      List<String> args = new ArrayList<>(List.of("node", "--check-config"));
      env.forEach((k, v) -> {
        if (NodeConfig.KEYS.containsKey(k)) {
          args.add("--set");
          args.add(k + "=" + v);
        }
      });
      args.add("--set");
      args.add("NODE_ID=" + pod);
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine cli = new CommandLine(new SynodCli());
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      assertEquals(0, cli.execute(args.toArray(String[]::new)), pod + " is refused: " + err);
      assertTrue(out.toString().contains("NODE_ID=" + pod), out.toString());
    }
  }

  private static JsonNode container(JsonNode sts) {
    return sts.path("spec").path("template").path("spec").path("containers").get(0);
  }

  private static JsonNode envVar(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("the container sets " + name);
  }

  /** The pod's plain settings: the ConfigMap it loads, then its own literal env values. */
  private static Map<String, String> environment(Map<String, JsonNode> docs) {
    JsonNode c = container(get(docs, "StatefulSet/synod"));
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode from : c.path("envFrom")) {
      String map = from.path("configMapRef").path("name").asText();
      get(docs, "ConfigMap/" + map).path("data").fields()
          .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    }
    for (JsonNode e : c.path("env")) {
      if (e.has("value")) {
        env.put(e.path("name").asText(), e.path("value").asText());
      } else if (e.path("valueFrom").has("secretKeyRef")) {
        // what the operator's Secret holds (docs/SECURITY.md)
        env.put(e.path("name").asText(), OPERATOR_SECRET);
      }
    }
    return env;
  }
}
