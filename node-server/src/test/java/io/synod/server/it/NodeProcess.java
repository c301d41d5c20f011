package io.synod.server.it;

import io.synod.server.TestHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Synod node as a child JVM ({@code java -jar synod.jar node}), configured through its
 * environment as an operator would, with its output in a log file next to the test reports.
 */
final class NodeProcess implements AutoCloseable {
  private final String id;
  private final Map<String, String> env;
  private final Path log;
  private Process process;

  NodeProcess(String id, Map<String, String> env, Path logDir) {
    this.id = id;
    this.env = env;
    this.log = logDir.resolve(id + ".log");
  }

  /** The jar the build made; the failsafe configuration passes its path. */
  static Path jar() {
    String p = System.getProperty("synod.jar", "target/synod.jar");
    Path jar = Path.of(p);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no runnable jar at " + jar + ": run mvn package first");
    }
    return jar;
  }

  /** Starts (or restarts) the process and waits until it answers {@code /health}. */
  NodeProcess start() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.add("node");
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    process = pb.start();
    String url = env.get("PEERS").split(id + "=")[1].split(",")[0];
    Await.until(Duration.ofSeconds(60), id + " answers /health (log: " + log + ")",
        () -> process.isAlive() && TestHttp.get(url + "/health").status() == 200);
    return this;
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException(id + " survived SIGKILL");
    }
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (alive()) {
      kill();
    }
  }
}
