package io.synod.server.chaos;

import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synod chaos}: three node processes in network namespaces under a seeded nemesis, with
 * recorded client histories checked afterwards. Needs root (namespaces, nftables) and {@code ip},
 * {@code nft} and, with {@code --redis}, {@code redis-server}. See docs/RELIABILITY.md.
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Start three synod nodes, each in its own Linux network namespace on a private bridge"
          + " (no default route: no traffic leaves the machine), drive lock, queue and cache"
          + " clients from outside, and inject seeded faults: leader partition, node isolation,"
          + " bridge partition, packet loss, SIGSTOP pauses, SIGKILL and restart.",
      "Prints PASS/FAIL per property and the fault schedule around any violation; the last"
          + " line is 'chaos: N passed, M failed'. Exit status 1 on any violation, 2 when the"
          + " run itself could not be set up. Needs root."
    })
public final class ChaosCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--duration", defaultValue = "60",
      description = "Seconds of faults (default: ${DEFAULT-VALUE})")
  long durationSeconds;

  @Option(names = "--seed", defaultValue = "1",
      description = "Seed of the fault schedule and the clients' choices (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--redis",
      description = "Run the nodes on a redis-server in its own namespace (default: embedded)")
  boolean redis;

  @Option(names = "--services", split = ",", defaultValue = "lock,queue,cache",
      description = "Workloads to run: lock, queue, cache (default: ${DEFAULT-VALUE})")
  List<String> services;

  @Option(names = "--faults", split = ",",
      defaultValue = "partition_leader,isolate_node,bridge,loss,pause,kill_restart",
      description = "Faults to pick from (default: ${DEFAULT-VALUE})")
  List<Nemesis.Fault> faults;

  @Option(names = "--no-faults",
      description = "Inject nothing: a control run of the same workloads")
  boolean noFaults;

  @Option(names = "--loss-percent", defaultValue = "20",
      description = "Packet loss of the loss fault, in percent (default: ${DEFAULT-VALUE})")
  int lossPercent;

  @Option(names = "--work-dir",
      description = "Where node DATA_DIRs and logs go (default: a new temporary directory)")
  Path workDir;

  @Option(names = "--node-classpath", split = ",",
      description = "Class path of the node processes (default: this jar). Put a directory of"
          + " changed classes first to test a different build without rebuilding the jar.")
  List<String> nodeClasspath;

  @Option(names = "--node-env", split = ",",
      description = "More environment for the nodes, KEY=VALUE[,KEY=VALUE...]")
  List<String> nodeEnv;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (durationSeconds < 0 || durationSeconds > 86_400) {
      spec.commandLine().getErr().println("--duration: must be 0..86400 seconds");
      return 2;
    }
    if (lossPercent < 1 || lossPercent > 100) {
      spec.commandLine().getErr().println("--loss-percent: must be 1..100");
      return 2;
    }
    Set<String> chosen = new LinkedHashSet<>();
    for (String s : services) {
      String n = s.strip().toLowerCase(java.util.Locale.ROOT);
      if (!List.of("lock", "queue", "cache").contains(n)) {
        spec.commandLine().getErr().println("--services: '" + s + "' is not lock, queue or cache");
        return 2;
      }
      chosen.add(n);
    }
    Map<String, String> env = new LinkedHashMap<>();
    if (nodeEnv != null) {
      for (String kv : nodeEnv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          spec.commandLine().getErr().println("--node-env: '" + kv + "' is not KEY=VALUE");
          return 2;
        }
        env.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    List<String> cp = nodeClasspath != null ? nodeClasspath : List.of(ownJar());
    Path dir = workDir != null ? Files.createDirectories(workDir)
        : Files.createTempDirectory("synod-chaos-");
    ChaosRun.Options o = new ChaosRun.Options(durationSeconds, seed, redis, chosen,
        noFaults ? List.of() : new ArrayList<>(faults), cp, dir, lossPercent, env);
    try {
      ChaosRun.Result r = ChaosRun.run(o, out);
      return r.failed() == 0 ? 0 : 1;
    } catch (Exception e) {
      out.flush();
      spec.commandLine().getErr().println("chaos: the run could not complete: " + e);
      return 2;
    }
  }

  private static String ownJar() {
    try {
      return new File(ChaosCommand.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI()).getPath();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
