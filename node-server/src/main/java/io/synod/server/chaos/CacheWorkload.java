package io.synod.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.server.chaos.ChaosHttp.Outcome;
import io.synod.server.chaos.ChaosHttp.Reply;
import io.synod.server.chaos.RegisterChecker.Read;
import io.synod.server.chaos.RegisterChecker.Write;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Per key one writer (writing 1, 2, 3, ... through random nodes, one write at a time) and one
 * reader per node reading every key, so a stale copy on any node shows. After the last heal every
 * node must answer a read of every key and all must agree (checked until they do, within a
 * budget: a write with an unknown outcome may still land).
 */
final class CacheWorkload implements Workload {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final ChaosHttp http = ChaosHttp.shared();
  private final RunClock clock;
  private final Workers workers;
  private final List<String> keys = new ArrayList<>();
  private final List<Write> writes = new CopyOnWriteArrayList<>();
  private final List<Read> reads = new CopyOnWriteArrayList<>();
  private final long finalBudgetMillis;
  private final List<Violation> finalViolations = new ArrayList<>();
  private String finalNote = "";

  CacheWorkload(RunClock clock, List<URI> nodes, long seed, int keyCount,
      long finalBudgetMillis) {
    this.clock = clock;
    this.workers = new Workers(nodes);
    this.finalBudgetMillis = finalBudgetMillis;
    for (int k = 0; k < keyCount; k++) {
      keys.add("chaos-k" + k);
    }
    for (String key : keys) {
      workers.spawn("write-" + key, seed * 43 + keys.indexOf(key), rnd -> writeLoop(key, rnd));
    }
    for (int n = 0; n < nodes.size(); n++) {
      URI node = nodes.get(n);
      String name = "node" + (n + 1);
      workers.spawn("read-" + name, seed * 47 + n, rnd -> readLoop(node, name, rnd));
    }
  }

  @Override
  public String service() {
    return "cache";
  }

  @Override
  public void start() {
    workers.start();
  }

  @Override
  public void stop() throws InterruptedException {
    workers.stop();
  }

  private void writeLoop(String key, Random rnd) throws InterruptedException {
    long value = 0;
    while (workers.running()) {
      value++;
      long invoke = clock.now();
      Reply r = http.put(workers.anyNode(rnd).resolve("/v1/cache/" + key),
          Map.of("value", value), TIMEOUT);
      long complete = clock.now();
      writes.add(new Write(key, value, invoke, complete, r.outcome()));
      if (r.ok()) {
        clock.answered("cache", complete);
      }
      Workers.pause(20 + rnd.nextInt(60));
    }
  }

  private void readLoop(URI node, String name, Random rnd) throws InterruptedException {
    while (workers.running()) {
      String key = keys.get(rnd.nextInt(keys.size()));
      if (read(node, name, key) == null) {
        Workers.pause(50);
      }
      Workers.pause(rnd.nextInt(10));
    }
  }

  /** Reads once and records an OK answer; returns the value, or null when it did not answer. */
  private Long read(URI node, String name, String key) {
    long invoke = clock.now();
    Reply r = http.get(node.resolve("/v1/cache/" + key), TIMEOUT);
    long complete = clock.now();
    if (!r.ok()) {
      return null;
    }
    clock.answered("cache", complete);
    JsonNode v = r.json().path("value");
    long value = v.isNumber() ? v.asLong() : 0;
    reads.add(new Read(key, name, invoke, complete, value));
    return value;
  }

  @Override
  public void finish() {
    long start = clock.now();
    long deadline = start + finalBudgetMillis * 1_000_000;
    Map<String, String> last = new LinkedHashMap<>();
    int rounds = 0;
    while (true) {
      rounds++;
      last.clear();
      boolean agreed = true;
      for (String key : keys) {
        Long first = null;
        StringBuilder seen = new StringBuilder();
        for (int n = 0; n < workers.nodes().size(); n++) {
          String name = "node" + (n + 1);
          Long v = read(workers.nodes().get(n), name, key);
          seen.append(seen.length() > 0 ? ", " : "").append(name).append('=')
              .append(v == null ? "no answer" : v);
          if (v == null || (first != null && !first.equals(v))) {
            agreed = false;
          }
          if (first == null) {
            first = v;
          }
        }
        last.put(key, seen.toString());
      }
      if (agreed) {
        break;
      }
      if (clock.now() > deadline) {
        for (Map.Entry<String, String> e : last.entrySet()) {
          finalViolations.add(new Violation(clock.now(), "key " + e.getKey()
              + " after heal: " + e.getValue()));
        }
        break;
      }
      ChaosCluster.sleep(500);
    }
    finalNote = "agreement after " + rounds + " rounds, " + LockChecker.ms(clock.now() - start);
  }

  @Override
  public List<Property> check() {
    List<Write> ws = new ArrayList<>(writes);
    List<Read> rs = new ArrayList<>(reads);
    long ok = ws.stream().filter(w -> w.outcome() == Outcome.OK).count();
    long unknown = ws.stream().filter(w -> w.outcome() == Outcome.UNKNOWN).count();
    return List.of(
        new Property("cache: every key a linearizable register",
            ws.size() + " writes (" + ok + " ok, " + unknown + " unknown), " + rs.size()
                + " reads over " + keys.size() + " keys",
            RegisterChecker.check(ws, rs)),
        new Property("cache: after heal every node answers and agrees", finalNote,
            finalViolations));
  }
}
