package io.synod.server.chaos;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One chaos run: the network and the three nodes, the workloads of the chosen services, the
 * nemesis for the chosen duration, a final heal, the workloads' final phase, the checks and the
 * report. Everything it creates is removed when it ends, however it ends (a shutdown hook covers
 * Ctrl-C), and leftovers of dead runs are swept when it starts.
 */
public final class ChaosRun {

  /**
   * What to run.
   *
   * @param durationSeconds how long the nemesis injects faults
   * @param seed the seed of the fault schedule and of the clients' choices
   * @param redis whether the nodes use a {@code redis-server} (in its own namespace) or embedded
   *     storage
   * @param services which workloads run: any of lock, queue, cache
   * @param faults which faults the nemesis picks from
   * @param classpath the node processes' class path (the synod jar, or a build to test)
   * @param workDir where the nodes' DATA_DIRs and logs go
   * @param lossPercent the packet loss of the LOSS fault
   * @param extraEnv more environment for the nodes
   */
  public record Options(long durationSeconds, long seed, boolean redis, Set<String> services,
      List<Nemesis.Fault> faults, List<String> classpath, Path workDir, int lossPercent,
      Map<String, String> extraEnv) {}

  /** The verdicts of a run. */
  public record Result(int passed, int failed, List<String> failures) {}

  private ChaosRun() {}

  /** Runs and prints the report to {@code out}; the last line is {@code chaos: N passed, M failed}. */
  public static Result run(Options o, PrintWriter out) throws Exception {
    // a fresh directory per run: a DATA_DIR left by an earlier run would bring back its lock
    // table (holds without lease never expire) and make the new run's history meaningless
    Files.createDirectories(o.workDir());
    Path runDir = Files.createTempDirectory(o.workDir(), "run-seed" + o.seed() + "-");
    Path logs = Files.createDirectories(runDir.resolve("logs"));
    Path data = Files.createDirectories(runDir.resolve("data"));
    out.printf(Locale.ROOT, "chaos: seed %d, %d s of faults, %s storage, services %s%n",
        o.seed(), o.durationSeconds(), o.redis() ? "redis" : "embedded", o.services());
    out.println("chaos: node logs in " + logs);
    out.flush();
    Netns net = Netns.claim(line -> {
      out.println("chaos: " + line);
      out.flush();
    });
    // a fresh secret per run for the internal routes (nodes without the setting ignore it)
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    String secret = java.util.HexFormat.of().formatHex(key);
    ChaosCluster cluster = new ChaosCluster(net, o.classpath(), data, logs, o.redis(), secret,
        o.extraEnv());
    Thread hook = new Thread(() -> {
      cluster.close();
      net.close();
    }, "chaos-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return runIn(o, net, cluster, out);
    } finally {
      cluster.close();
      net.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running already
      }
    }
  }

  private static Result runIn(Options o, Netns net, ChaosCluster cluster, PrintWriter out)
      throws Exception {
    cluster.start();
    RunClock clock = new RunClock();
    out.println("chaos: times below are seconds since " + java.time.Instant.now()
        + " (node logs carry wall-clock times)");
    List<URI> urls = ChaosCluster.NODES.stream().map(cluster::url).toList();
    Nemesis nemesis = new Nemesis(net, cluster, clock, o.seed(), o.faults(), o.redis(),
        o.lossPercent(), out);
    awaitLeader(nemesis, Duration.ofSeconds(60));
    out.println("chaos: cluster up on " + urls + ", leader " + nemesis.leader());
    out.flush();

    List<Workload> workloads = new ArrayList<>();
    if (o.services().contains("lock")) {
      workloads.add(new LockWorkload(clock, urls, o.seed(), 2, 2));
    }
    if (o.services().contains("queue")) {
      workloads.add(new QueueWorkload(clock, urls, o.seed(), 2, 2, 2, 3000, 60_000));
    }
    if (o.services().contains("cache")) {
      workloads.add(new CacheWorkload(clock, urls, o.seed(), 4, 30_000));
    }
    workloads.forEach(Workload::start);
    long faultsStart = clock.now();
    try {
      ChaosCluster.sleep(2000);
      nemesis.run(o.durationSeconds() * 1000);
    } finally {
      nemesis.healAll();
    }
    long lastHeal = clock.now();
    awaitLeader(nemesis, Duration.ofSeconds(60));
    // the clients keep going a while after the last heal: recovery is part of what is measured
    ChaosCluster.sleep(5000);
    for (Workload w : workloads) {
      w.stop();
    }
    // availability is measured while the clients ran; the final phase below is not load
    long end = clock.now();
    for (Workload w : workloads) {
      w.finish();
    }

    List<Property> properties = new ArrayList<>();
    for (Workload w : workloads) {
      properties.addAll(w.check());
    }
    return report(o, properties, workloads, nemesis, clock, faultsStart, lastHeal, end, out);
  }

  private static void awaitLeader(Nemesis nemesis, Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    while (nemesis.leader() == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no Raft leader within " + budget);
      }
      ChaosCluster.sleep(250);
    }
  }

  private static Result report(Options o, List<Property> properties, List<Workload> workloads,
      Nemesis nemesis, RunClock clock, long faultsStart, long lastHeal, long end,
      PrintWriter out) {
    out.println();
    out.printf(Locale.ROOT, "chaos: %d faults injected over %.1f s%n", nemesis.injected(),
        (lastHeal - faultsStart) / 1e9);
    for (Workload w : workloads) {
      out.println("availability " + availability(w.service(), clock, nemesis.heals(),
          faultsStart, end));
    }
    int passed = 0;
    int failed = 0;
    List<String> failures = new ArrayList<>();
    for (Property p : properties) {
      if (p.passed()) {
        passed++;
        out.println("PASS " + p.name() + " (" + p.counts() + ")");
      } else {
        failed++;
        failures.add(p.name());
        out.println("FAIL " + p.name() + " (" + p.counts() + "): " + p.violations().size()
            + " violation(s)");
        p.violations().stream().limit(5).forEach(v -> out.printf(Locale.ROOT,
            "     [%9.3fs] %s%n", v.atNanos() / 1e9, v.what()));
        long at = p.violations().get(0).atNanos();
        out.println("     faults around the first violation:");
        List<Nemesis.Event> around = nemesis.log().stream()
            .filter(e -> e.atNanos() > at - 15_000_000_000L && e.atNanos() < at + 5_000_000_000L)
            .toList();
        if (around.isEmpty()) {
          List<Nemesis.Event> all = nemesis.log();
          around = all.subList(Math.max(0, all.size() - 4), all.size()); // the last faults
        }
        around.forEach(e -> out.printf(Locale.ROOT, "       [%9.3fs] %s%n", e.atNanos() / 1e9,
                e.what()));
      }
    }
    out.printf(Locale.ROOT, "chaos: %d passed, %d failed%n", passed, failed);
    out.flush();
    return new Result(passed, failed, failures);
  }

  /** Longest gap between answers, and the time from each heal to the next answer. */
  static String availability(String service, RunClock clock, List<Long> heals, long from,
      long to) {
    List<Long> answers = clock.answers(service);
    long gap = 0;
    long prev = from;
    for (long a : answers) {
      if (a >= from) {
        gap = Math.max(gap, a - prev);
        prev = a;
      }
    }
    gap = Math.max(gap, to - prev);
    StringBuilder sb = new StringBuilder();
    long worst = 0;
    int never = 0;
    for (long h : heals) {
      if (h > to) {
        continue;
      }
      Long first = answers.stream().filter(a -> a >= h).findFirst().orElse(null);
      if (first == null) {
        never++;
      } else {
        worst = Math.max(worst, first - h);
      }
    }
    sb.append(service).append(": ").append(answers.size()).append(" answers, longest gap ")
        .append(LockChecker.ms(gap)).append(", worst heal-to-first-answer ")
        .append(LockChecker.ms(worst)).append(" over ").append(heals.size()).append(" heals");
    if (never > 0) {
      sb.append(" (").append(never).append(" heals never followed by an answer)");
    }
    return sb.toString();
  }
}
