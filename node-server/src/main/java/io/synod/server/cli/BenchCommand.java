package io.synod.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.synod.server.bench.BenchOptions;
import io.synod.server.bench.BenchResult;
import io.synod.server.bench.BenchRunner;
import io.synod.server.bench.DurationConverter;
import io.synod.server.bench.Scenario;
import java.io.File;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code synod bench lock|queue|cache|all|hello}: the first system's Locust scenarios; {@code
 * lock_read} for linearizable lock-state reads.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Load-test running nodes with the first system's Locust scenarios and print requests/s,"
          + " failures and latency percentiles per endpoint (HdrHistogram).",
      "lock: acquire+release an exclusive lock on a unique resource; queue: publish, consume"
          + " and ack on one topic; cache: 95%% reads, 5%% writes over 50 keys; hello: GET the"
          + " target URL (a ceiling run against a plain HTTP server); etcd_put, etcd_lock: the same load"
          + " against etcd's v3 JSON gateway (puts; lock then unlock), for a side-by-side run;"
          + " all: lock, queue, cache.",
      "Exit status 1 when any request failed."
    })
public final class BenchCommand implements Callable<Integer> {

  /** The scenarios by name. */
  enum Which {
    lock,
    lock_read,
    queue,
    cache,
    hello,
    etcd_put,
    etcd_lock,
    all
  }

  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "lock, lock_read, queue, cache, hello, etcd_put, etcd_lock or all")
  Which which;

  @Option(
      names = "--target",
      split = ",",
      defaultValue = "http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003",
      description = "Node URLs, comma separated; users are spread over them (default: ${DEFAULT-VALUE})")
  List<URI> targets;

  @Option(names = "--users", defaultValue = "100", description = "Concurrent users (default: ${DEFAULT-VALUE})")
  int users;

  @Option(
      names = "--spawn-rate",
      defaultValue = "10",
      description = "Users started per second (default: ${DEFAULT-VALUE})")
  double spawnRate;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = DurationConverter.class,
      description = "Run time per scenario, ramp-up included (default: ${DEFAULT-VALUE})")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "0s",
      converter = DurationConverter.class,
      description = "Users run this long before the figures start, so a JVM's JIT is warm;"
          + " its failures still fail the run (default: ${DEFAULT-VALUE})")
  Duration warmup;

  @Option(
      names = "--timeout",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Per-request timeout; a slower request fails (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the users' random choices")
  long seed;

  @Option(names = "--api-key", description = "API key for nodes with API_KEYS (default: "
      + "$SYNOD_API_KEY)")
  String apiKey = System.getenv("SYNOD_API_KEY");

  @Option(names = "--tls-ca", description = "PEM CA certificates for https:// targets "
      + "(default: the JDK's trust store)")
  java.nio.file.Path tlsCa;

  @Option(names = "--json", description = "Also write the results to this JSON file")
  File json;

  @Option(
      names = "--report",
      description = "Also write a self-contained HTML report (throughput and latency over time)")
  File report;

  @Option(
      names = "--progress",
      defaultValue = "auto",
      description = "Live line once a second: auto (on a terminal), always or never")
  String progress;

  @Override
  public Integer call() throws Exception {
    BenchOptions options;
    try {
      options =
          new BenchOptions(
              targets,
              users,
              spawnRate,
              duration,
              timeout,
              seed,
              Long.toString(System.currentTimeMillis(), 36),
              warmup,
              apiKey == null || apiKey.isBlank() ? null : apiKey.strip(),
              tlsCa);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("synod bench: " + e.getMessage());
      return 2;
    }
    boolean live =
        switch (progress.toLowerCase(Locale.ROOT)) {
          case "always" -> true;
          case "never" -> false;
          default -> System.console() != null;
        };
    BenchRunner runner = new BenchRunner(options, live ? System.err : null);
    List<Scenario> scenarios = new ArrayList<>();
    if (which == Which.all) {
      scenarios.add(Scenario.LOCK);
      scenarios.add(Scenario.QUEUE);
      scenarios.add(Scenario.CACHE);
    } else {
      scenarios.add(Scenario.valueOf(which.name().toUpperCase(Locale.ROOT)));
    }
    PrintWriter out = spec.commandLine().getOut();
    List<BenchResult> results = new ArrayList<>();
    long failures = 0;
    for (Scenario s : scenarios) {
      BenchResult r = runner.run(s);
      results.add(r);
      failures += r.allFailures();
      out.print(r.table());
      out.flush();
    }
    if (json != null) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json, results);
      out.println("results written to " + json);
    }
    if (report != null) {
      io.synod.server.bench.BenchReport.write(report.toPath(), results,
          "synod " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
      out.println("report written to " + report);
    }
    out.flush();
    return failures > 0 ? 1 : 0;
  }
}
