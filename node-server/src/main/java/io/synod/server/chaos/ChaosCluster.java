package io.synod.server.chaos;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Three {@code synod node} processes, each in its own namespace of a {@link Netns}, started as an
 * operator would (environment only), with their own {@code DATA_DIR} that survives a SIGKILL, and
 * optionally a {@code redis-server} in a namespace of its own. Node output goes to
 * {@code <logDir>/<node>.log}.
 */
final class ChaosCluster implements AutoCloseable {
  static final int PORT = 8000;
  static final List<String> NODES = List.of("node1", "node2", "node3");

  private final Netns net;
  private final List<String> classpath;
  private final Path dataDir;
  private final Path logDir;
  private final boolean redis;
  private final String secret;
  private final Map<String, String> extraEnv;
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private Process redisProcess;

  ChaosCluster(Netns net, List<String> classpath, Path dataDir, Path logDir, boolean redis,
      String secret, Map<String, String> extraEnv) {
    this.net = net;
    this.classpath = classpath;
    this.dataDir = dataDir;
    this.logDir = logDir;
    this.redis = redis;
    this.secret = secret;
    this.extraEnv = extraEnv;
  }

  /** The member name of a node's namespace ("n1" for node1). */
  static String member(String node) {
    return "n" + node.substring("node".length());
  }

  /** The URL the harness reaches a node at (through the bridge). */
  URI url(String node) {
    return URI.create("http://" + net.address(member(node)) + ":" + PORT);
  }

  /** Creates the namespaces and starts Redis (when asked) and the three nodes. */
  void start() throws IOException {
    for (String n : NODES) {
      net.addMember(member(n));
    }
    if (redis) {
      net.addMember("redis");
      List<String> redisCmd = net.exec("redis", List.of("redis-server", "--bind",
          net.address("redis"), "--port", "6379", "--save", "", "--appendonly", "no",
          "--protected-mode", "no"));
      redisProcess = new ProcessBuilder(redisCmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve("redis.log").toFile()))
          .start();
    }
    for (String n : NODES) {
      startNode(n);
    }
    for (String n : NODES) {
      awaitHealthy(n, Duration.ofSeconds(90));
    }
  }

  /** Starts (or restarts, with the same DATA_DIR) one node process without waiting for it. */
  void startNode(String node) throws IOException {
    StringBuilder peers = new StringBuilder();
    for (String n : NODES) {
      peers.append(peers.length() > 0 ? "," : "").append(n).append('=').append(url(n));
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx192m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, classpath));
    cmd.add("io.synod.server.cli.SynodCli");
    cmd.add("node");
    Path dir = Files.createDirectories(dataDir.resolve(node));
    ProcessBuilder pb = new ProcessBuilder(net.exec(member(node), cmd))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(node + ".log").toFile()));
    Map<String, String> env = pb.environment();
    env.put("NODE_ID", node);
    env.put("PEERS", peers.toString());
    env.put("HTTP_HOST", net.address(member(node)));
    env.put("HTTP_PORT", Integer.toString(PORT));
    env.put("DATA_DIR", dir.toString());
    env.put("HEARTBEAT_INTERVAL_MILLIS", "200");
    env.put("FAILURE_TIMEOUT_MILLIS", "1500");
    env.put("QUEUE_VISIBILITY_TIMEOUT_MILLIS", "3000");
    env.put("QUEUE_MAX_DELIVERIES", "1000");
    // the internal routes' shared secret, for nodes that check one (ignored by those that do not)
    env.put("CLUSTER_SECRET", secret);
    if (redis) {
      env.put("REDIS_URL", "redis://" + net.address("redis") + ":6379");
    } else {
      env.remove("REDIS_URL");
    }
    env.putAll(extraEnv);
    processes.put(node, pb.start());
  }

  /** Waits until the node answers {@code /health}, or throws. */
  void awaitHealthy(String node, Duration budget) {
    ChaosHttp http = ChaosHttp.shared();
    long deadline = System.nanoTime() + budget.toNanos();
    while (System.nanoTime() < deadline) {
      Process p = processes.get(node);
      if (p != null && !p.isAlive()) {
        throw new IllegalStateException(node + " exited with " + p.exitValue() + " (log: "
            + logDir.resolve(node + ".log") + ")");
      }
      if (http.get(url(node).resolve("/health"), Duration.ofSeconds(1)).ok()) {
        return;
      }
      sleep(200);
    }
    throw new IllegalStateException(node + " did not answer /health within " + budget
        + " (log: " + logDir.resolve(node + ".log") + ")");
  }

  /** SIGKILL: nothing is flushed, no shutdown hook runs. */
  void kill(String node) throws InterruptedException {
    Process p = processes.get(node);
    p.destroyForcibly();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException(node + " survived SIGKILL");
    }
  }

  /** SIGSTOP: the process keeps its sockets but runs no thread, as in a long GC pause. */
  void pause(String node) {
    signal(node, "STOP");
  }

  /** SIGCONT after {@link #pause}. */
  void resume(String node) {
    signal(node, "CONT");
  }

  private void signal(String node, String sig) {
    Process p = processes.get(node);
    if (p != null && p.isAlive()) {
      Netns.run(List.of("kill", "-" + sig, Long.toString(p.pid())), true);
    }
  }

  boolean alive(String node) {
    Process p = processes.get(node);
    return p != null && p.isAlive();
  }

  @Override
  public void close() {
    for (String n : processes.keySet()) {
      resume(n); // a stopped process ignores SIGTERM until continued; SIGKILL works either way
      processes.get(n).destroyForcibly();
    }
    if (redisProcess != null) {
      redisProcess.destroyForcibly();
    }
    for (Process p : processes.values()) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
