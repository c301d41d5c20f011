package io.synod.server.cli;

import io.synod.server.SynodNode;
import io.synod.server.config.ConfigException;
import io.synod.server.config.DotEnv;
import io.synod.server.config.NodeConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synod node}: runs one node from its configuration: flags first, then the environment,
 * then the {@code .env} file in the working directory. SIGTERM shuts it down gracefully.
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Run one node from its configuration.",
      "Settings come from flags, then the environment, then ./.env; every setting's",
      "environment name also works as --set NAME=VALUE."
    })
final class NodeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--node-id", description = "NODE_ID: this node's id (default node1)")
  String nodeId;

  @Option(names = "--peers", description = "PEERS: node1=http://host:port,... (all members)")
  String peers;

  @Option(names = "--http-port", description = "HTTP_PORT (default 8000)")
  String httpPort;

  @Option(names = "--http-host", description = "HTTP_HOST: interface to bind (default 0.0.0.0)")
  String httpHost;

  @Option(names = "--redis-url", description = "REDIS_URL: redis://host:6379; none: embedded")
  String redisUrl;

  @Option(names = "--data-dir", description = "DATA_DIR: Raft log directory; none: memory")
  String dataDir;

  @Option(names = "--roles", description = "ROLES: any of lock,queue,cache (default all)")
  String roles;

  @Option(names = "--node-type", description = "NODE_TYPE: lock_manager|queue|cache")
  String nodeType;

  @Option(names = "--set", paramLabel = "NAME=VALUE", description = "any setting by its name")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(names = "--env-file", description = "the .env file (default ./.env when it exists;"
      + " a file named here must exist)")
  Path envFile;

  @Option(names = "--list-settings", description = "print every setting with its default, exit")
  boolean listSettings;

  @Option(names = "--insecure", description = "INSECURE: run several members without a "
      + "CLUSTER_SECRET (anyone who reaches the port can forge cluster traffic)")
  boolean insecure;

  @Option(names = "--check-config", description = "validate, print the resolved config, exit")
  boolean checkConfig;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    NodeConfig config;
    if (listSettings) {
      NodeConfig.KEYS.forEach((k, v) -> out.println(k + "=" + (v == null ? "" : v)));
      out.println("# docker/.env.example describes each setting and its unit");
      out.flush();
      return 0;
    }
    try {
      config = resolve(System.getenv());
    } catch (ConfigException e) {
      err.println("synod: " + e.getMessage());
      err.flush();
      return 1;
    }
    if (config.peersUnauthenticated() && !config.insecure()) {
      err.println("synod: refusing to start node " + config.nodeId() + ": " + config.peers().size()
          + " members and no CLUSTER_SECRET, so anyone who reaches its port could forge Raft,"
          + " cache, queue and heartbeat traffic. Set CLUSTER_SECRET (the same on every member,"
          + " at least " + io.synod.transport.http.ClusterAuth.MIN_SECRET_BYTES
          + " bytes), or use mutual TLS (TLS_CERT, TLS_KEY, TLS_CA, TLS_CLIENT_AUTH=require),"
          + " or pass --insecure to run unauthenticated anyway (docs/SECURITY.md).");
      err.flush();
      return 1;
    }
    if (checkConfig) {
      out.print(config.describe());
      out.println("# configuration OK");
      out.flush();
      return 0;
    }
    SynodNode node;
    try {
      node = new SynodNode(config).start();
    } catch (RuntimeException e) {
      err.println("synod: cannot start node " + config.nodeId() + ": " + e.getMessage());
      err.flush();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "synod-shutdown"));
    out.println("synod node " + config.nodeId() + " listening on port " + node.port());
    out.flush();
    stopped.await();
    return 0;
  }

  NodeConfig resolve(Map<String, String> env) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      if (!NodeConfig.KEYS.containsKey(e.getKey())) {
        throw new ConfigException(e.getKey(), "unknown setting (synod node --list-settings lists them all)");
      }
      flags.put(e.getKey(), e.getValue());
    }
    put(flags, "NODE_ID", nodeId);
    put(flags, "PEERS", peers);
    put(flags, "HTTP_PORT", httpPort);
    put(flags, "HTTP_HOST", httpHost);
    put(flags, "REDIS_URL", redisUrl);
    put(flags, "DATA_DIR", dataDir);
    put(flags, "ROLES", roles);
    put(flags, "NODE_TYPE", nodeType);
    if (insecure) {
      flags.put("INSECURE", "true");
    }
    Path dotEnv = envFile == null ? Path.of(".env") : envFile;
    if (envFile != null && !Files.isRegularFile(envFile)) {
      throw new ConfigException("--env-file", "no such file: " + envFile);
    }
    return NodeConfig.resolve(flags, env, DotEnv.load(dotEnv));
  }

  private static void put(Map<String, String> m, String key, String value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
