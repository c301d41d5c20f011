package io.synod.server.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.server.chaos.ChaosHttp.Outcome;
import io.synod.server.chaos.ChaosHttp.Reply;
import io.synod.server.chaos.LockChecker.Attempt;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Exclusive try-locks on a few contended resources, through random nodes, in three flavours: the
 * first system's {@code /lock/acquire} (owner-only, no lease), {@code /v1} without a lease
 * ({@code ttl_ms: 0}) and {@code /v1} with a lease. A client that got a lock holds it for a
 * moment and releases it; a client whose acquire had an unknown outcome releases too (so an
 * acquire that did take effect does not wedge the resource) but never counts it as held.
 */
final class LockWorkload implements Workload {
  static final long LEASE_MILLIS = 2000;
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final long FINAL_BUDGET_NANOS = 30_000_000_000L;
  private static final List<String> KINDS = List.of("legacy", "v1", "v1-lease");

  private final ChaosHttp http = ChaosHttp.shared();
  private final RunClock clock;
  private final Workers workers;
  private final Map<String, List<Attempt>> histories = new LinkedHashMap<>();
  private final Map<String, Map<String, Long>> orphans = new ConcurrentHashMap<>();
  private final Map<String, List<Violation>> finalViolations = new LinkedHashMap<>();
  /** Per owner, the HTTP status of each release sent (0: no answer). */
  private final Map<String, String> releases = new ConcurrentHashMap<>();

  LockWorkload(RunClock clock, List<URI> nodes, long seed, int resourcesPerKind,
      int clientsPerResource) {
    this.clock = clock;
    this.workers = new Workers(nodes);
    int w = 0;
    for (String kind : KINDS) {
      List<Attempt> h = new CopyOnWriteArrayList<>();
      histories.put(kind, h);
      for (int r = 0; r < resourcesPerKind; r++) {
        String resource = "chaos-" + kind + "-" + r;
        for (int c = 0; c < clientsPerResource; c++) {
          String client = kind + "-r" + r + "c" + c;
          workers.spawn(client, seed * 31 + w++, rnd -> loop(kind, resource, client, rnd, h));
        }
      }
    }
  }

  @Override
  public String service() {
    return "lock";
  }

  @Override
  public void start() {
    workers.start();
  }

  @Override
  public void stop() throws InterruptedException {
    workers.stop();
  }

  /**
   * After the last heal every resource must be acquirable again (keys wedged after healing are a
   * failure users saw). Owners whose acquire or release had an unknown outcome may rightly still
   * hold (a hold without lease lasts until released), so they are released first, and again when
   * found holding; a holder whose release had answered 200 or 409 is a violation. A fresh owner
   * tries each resource through the nodes in turn, within a budget.
   */
  @Override
  public void finish() {
    long start = clock.now();
    long deadline = start + FINAL_BUDGET_NANOS;
    int node = 0;
    for (Map.Entry<String, List<Attempt>> e : histories.entrySet()) {
      String kind = e.getKey();
      List<Violation> wedged = new ArrayList<>();
      for (String resource : e.getValue().stream().map(Attempt::resource).distinct().toList()) {
        for (Attempt a : e.getValue()) {
          if (a.resource().equals(resource) && a.outcome() == Outcome.UNKNOWN) {
            releaseOnce(kind, workers.nodes().get(node++ % workers.nodes().size()), resource,
                a.owner(), null, null);
          }
        }
        String owner = "final-" + resource;
        String last = "";
        boolean got = false;
        while (!got) {
          Reply r = acquire(kind, workers.nodes().get(node++ % workers.nodes().size()), resource,
              owner);
          got = r.ok();
          last = r.status() + " " + r.json().path("error").asText("");
          if (got) {
            releaseOnce(kind, workers.nodes().get(node % workers.nodes().size()), resource, owner,
                r.json().path("session_id").asText(null),
                r.json().path("session_token").asText(null));
          } else if (r.outcome() == Outcome.FAIL) {
            // held: by whom, and what did its client see? Then free it (it is ours)
            URI at = workers.nodes().get(node % workers.nodes().size());
            for (JsonNode holder : http.get(at.resolve("/v1/locks/" + resource), TIMEOUT).json()
                .path("holders")) {
              String h = holder.path("owner_id").asText("");
              String acquired = acquireOutcome(e.getValue(), h);
              String released = releases.getOrDefault(h, "none sent");
              last = r.status() + " held by " + h + " (its acquire: " + acquired
                  + ", its releases answered: " + released + ")";
              if (acquired.equals("OK") && (released.contains("200") || released.contains("409"))) {
                // the client was told its hold was released (or not held) and it still is
                wedged.add(new Violation(clock.now(), "resource " + resource + ": " + last));
              }
              // otherwise the client never learnt the hold's fate: ours to free, not a failure (a
              // hold in a lease session needs its token, which that client never got: it is
              // refused, 403, and the hold ends with its lease)
              releaseOnce(kind, at, resource, h, holder.path("session_id").asText(null), null);
            }
          }
          if (got) {
            break;
          } else if (clock.now() > deadline) {
            break;
          } else {
            ChaosCluster.sleep(500);
          }
        }
        if (!got) {
          wedged.add(new Violation(clock.now(), "resource " + resource + " still not acquirable "
              + LockChecker.ms(clock.now() - start) + " after the heal (last answer: " + last
              + ")"));
        }
      }
      finalViolations.put(kind, wedged);
    }
  }

  private void loop(String kind, String resource, String client, Random rnd, List<Attempt> h)
      throws InterruptedException {
    long n = 0;
    while (workers.running()) {
      String owner = client + "-" + n++;
      URI node = workers.anyNode(rnd);
      long invoke = clock.now();
      Reply r = acquire(kind, node, resource, owner);
      long complete = clock.now();
      if (r.outcome() != Outcome.UNKNOWN) {
        clock.answered("lock", complete);
      }
      long token = r.json().path("fencing_token").asLong(0);
      String session = r.json().path("session_id").asText(null);
      String sessionToken = r.json().path("session_token").asText(null);
      long lease = kind.equals("v1-lease") ? LEASE_MILLIS * 1_000_000 : 0;
      if (r.outcome() == Outcome.OK) {
        Workers.pause(20 + rnd.nextInt(150));
        long release = clock.now();
        h.add(new Attempt(resource, owner, invoke, complete, Outcome.OK, token, lease, release));
        release(kind, rnd, resource, owner, session, sessionToken);
      } else {
        h.add(new Attempt(resource, owner, invoke, complete, r.outcome(), 0, lease,
            Long.MAX_VALUE));
        if (r.outcome() == Outcome.UNKNOWN) {
          maybeHeld(resource).put(owner, complete);
          release(kind, rnd, resource, owner, session, sessionToken);
        } else {
          releaseOrphans(kind, rnd, resource);
          Workers.pause(10 + rnd.nextInt(40));
        }
      }
    }
  }

  private Reply acquire(String kind, URI node, String resource, String owner) {
    return switch (kind) {
      case "legacy" -> http.post(node.resolve("/lock/acquire"),
          Map.of("resource_id", resource, "mode", "exclusive", "requester_id", owner), TIMEOUT);
      case "v1" -> http.post(node.resolve("/v1/locks/" + resource + "/acquire"),
          Map.of("owner_id", owner, "mode", "exclusive", "ttl_ms", 0), TIMEOUT);
      default -> http.post(node.resolve("/v1/locks/" + resource + "/acquire"),
          Map.of("owner_id", owner, "mode", "exclusive", "ttl_ms", LEASE_MILLIS), TIMEOUT);
    };
  }

  private Map<String, Long> maybeHeld(String resource) {
    return orphans.computeIfAbsent(resource, r -> new ConcurrentHashMap<>());
  }

  /**
   * The resource is held: it may be by an acquire of ours whose outcome was unknown and that
   * took effect after its clean-up release had answered "not held" (a hold without lease would
   * then wedge the resource for good). Releases each such owner again; an owner is forgotten
   * once a release frees it, or 30 s after its acquire.
   */
  private void releaseOrphans(String kind, Random rnd, String resource)
      throws InterruptedException {
    Map<String, Long> maybe = maybeHeld(resource);
    for (Map.Entry<String, Long> e : maybe.entrySet()) {
      Reply r = releaseOnce(kind, workers.anyNode(rnd), resource, e.getKey(), null, null);
      if (r.ok() || clock.now() - e.getValue() > 30_000_000_000L) {
        maybe.remove(e.getKey());
      }
    }
  }

  /** Releases until a definite answer (released, or not held), a few times at most. */
  private void release(String kind, Random rnd, String resource, String owner, String session,
      String sessionToken) throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      Reply r = releaseOnce(kind, workers.anyNode(rnd), resource, owner, session, sessionToken);
      if (r.ok()) {
        maybeHeld(resource).remove(owner);
      }
      if (r.outcome() != Outcome.UNKNOWN) {
        clock.answered("lock", clock.now());
        return;
      }
      Workers.pause(200);
    }
  }

  private static String acquireOutcome(List<Attempt> history, String owner) {
    return history.stream().filter(a -> a.owner().equals(owner)).map(a -> a.outcome().toString())
        .findFirst().orElse("not in the history");
  }

  private Reply releaseOnce(String kind, URI node, String resource, String owner,
      String session, String sessionToken) {
    Reply r = releaseCall(kind, node, resource, owner, session, sessionToken);
    releases.merge(owner, Integer.toString(r.status()), (a, b) -> a + "," + b);
    return r;
  }

  /** A release; a hold in a session (v1 with a lease) needs the session's token. */
  private Reply releaseCall(String kind, URI node, String resource, String owner,
      String session, String sessionToken) {
    if (kind.equals("legacy")) {
      return http.post(node.resolve("/lock/release"),
          Map.of("resource_id", resource, "owner_id", owner), TIMEOUT);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("owner_id", owner);
    if (session != null) {
      body.put("session_id", session);
    }
    return sessionToken == null
        ? http.post(node.resolve("/v1/locks/" + resource + "/release"), body, TIMEOUT)
        : http.post(node.resolve("/v1/locks/" + resource + "/release"), body, TIMEOUT,
            Map.of("X-Synod-Session-Token", sessionToken));
  }

  @Override
  public List<Property> check() {
    List<Property> out = new ArrayList<>();
    for (Map.Entry<String, List<Attempt>> e : histories.entrySet()) {
      List<Attempt> h = new ArrayList<>(e.getValue());
      long ok = h.stream().filter(a -> a.outcome() == Outcome.OK).count();
      long unknown = h.stream().filter(a -> a.outcome() == Outcome.UNKNOWN).count();
      String counts = h.size() + " acquires, " + ok + " granted, " + unknown + " unknown";
      out.add(new Property("lock/" + e.getKey() + ": no two overlapping exclusive holds", counts,
          LockChecker.overlaps(h)));
      out.add(new Property("lock/" + e.getKey() + ": every resource acquirable after heal",
          "a fresh owner per resource", finalViolations.getOrDefault(e.getKey(), List.of())));
      if (!e.getKey().equals("legacy")) {
        out.add(new Property("lock/" + e.getKey() + ": fencing tokens increase in grant order",
            ok + " grants", LockChecker.fencing(h)));
      }
    }
    return out;
  }
}
