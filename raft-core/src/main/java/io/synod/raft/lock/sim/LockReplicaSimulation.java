package io.synod.raft.lock.sim;

import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockCodec;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockError;
import io.synod.raft.lock.LockEvent;
import io.synod.raft.lock.LockGrant;
import io.synod.raft.lock.LockLimits;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockResult;
import io.synod.raft.lock.LockStateMachine;
import io.synod.raft.lock.LockTestKit;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A deterministic simulation of many lock clients contending for few resources through a
 * replicated lock table: one seed, one random source, virtual time, an event queue ordered by time
 * then sequence number.
 *
 * <h2>What runs</h2>
 *
 * Clients (with sessions, some owner-only as in the legacy API) open sessions, keep them alive,
 * acquire one or two resources in random order (shared or exclusive, try-lock, timed or unbounded
 * waits, reentrant and upgrade requests), release, close sessions, and crash (stop keeping alive).
 * A client refused with {@code DEADLOCK} releases everything it holds. Every command goes into one
 * committed log, stamped by the current leader's clock (skewed per leader); leaders change with an
 * election gap during which nothing commits; a new leader commits its grace command before it may
 * expire anything, then proposes lease expiries and wait timeouts from its own clock. Several
 * replicas apply the log at their own pace, take snapshots, crash and restore from their last
 * snapshot, and replay the rest.
 *
 * <h2>What is checked</h2>
 *
 * After every apply on every replica, {@link LockChecker}: mutual exclusion, fencing tokens
 * strictly increasing per resource, no hold or wait outliving its session, an acyclic wait-for
 * graph, no grantable queue head. Across the run: no live client (one that keeps alive within its
 * TTL) ever loses its session, including across leader changes. At the end (clients stop, holders
 * release, crashed clients' leases run out): every replica's table is byte-identical, every grant
 * was released or expired, no waiter is left waiting and no request is left unsettled.
 *
 * <p>This harness replaces Raft by one agreed log (the Raft simulator checks consensus itself); it
 * focuses on the lock table's rules under reordering of time, leader clocks, expiries and
 * snapshots.
 *
 * @since 1.0
 */
public final class LockReplicaSimulation {

  /** Deliberate bugs, to show the checkers catch each (test-only). */
  public enum Bug {
    /** No bug. */
    NONE,
    /** The machine grants exclusive over shared holders. */
    EXCLUSIVE_OVER_SHARED,
    /** The machine reuses the previous fencing token. */
    REUSE_TOKEN,
    /** The machine skips deadlock detection. */
    NO_DEADLOCK_CHECK,
    /** The machine keeps an expired session's holds. */
    KEEP_HOLDS_ON_EXPIRY,
    /** New leaders expire sessions without granting the grace period first. */
    NO_GRACE;

    LockTestKit.Mutant mutant() {
      return switch (this) {
        case EXCLUSIVE_OVER_SHARED -> LockTestKit.Mutant.EXCLUSIVE_OVER_SHARED;
        case REUSE_TOKEN -> LockTestKit.Mutant.REUSE_TOKEN;
        case NO_DEADLOCK_CHECK -> LockTestKit.Mutant.NO_DEADLOCK_CHECK;
        case KEEP_HOLDS_ON_EXPIRY -> LockTestKit.Mutant.KEEP_HOLDS_ON_EXPIRY;
        default -> null;
      };
    }

    /** The CLI spelling, e.g. {@code exclusive-over-shared}. */
    public String cliName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private static final long TTL_MILLIS = 1_000;
  private static final long KEEP_ALIVE_MILLIS = TTL_MILLIS / 4;
  private static final long MAINTENANCE_MILLIS = 50;
  private static final long END_BUDGET_MILLIS = 60_000;
  private static final int TRACE_LINES = 40;

  private final long seed;
  private final int steps;
  private final Bug bug;
  private final SplittableRandom random;
  // swarm options drawn from the seed
  private final int clientCount;
  private final int resourceCount;
  private final int replicaCount;
  private final long maxSkewMillis;
  private final long maxElectionGapMillis;
  private final long meanLeaderMillis;
  private final double crashChance;
  private final double nestedChance;

  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private long seq;
  private long now;
  private final List<byte[]> log = new ArrayList<>();
  private final List<Replica> replicas = new ArrayList<>();
  private final List<Client> clients = new ArrayList<>();
  private final TreeMap<Long, Client> requests = new TreeMap<>();
  private final TreeMap<Long, Client> sessionOwners = new TreeMap<>();
  private final ArrayDeque<String> trace = new ArrayDeque<>();
  private final List<LockEvent> pendingEvents = new ArrayList<>();
  private long leaderOffsetMillis;
  private long leaderReadyAt;
  private long term;
  private long graceTerm = -1;
  private long requestCounter;
  private boolean ending;
  private String violation;
  private long leaderChanges;
  private long restarts;
  private long deadlocks;
  private long grantsSeen;
  private long expiries;

  private LockReplicaSimulation(long seed, int steps, Bug bug) {
    this.seed = seed;
    this.steps = steps;
    this.bug = bug;
    this.random = new SplittableRandom(seed);
    this.clientCount = 3 + random.nextInt(8);
    this.resourceCount = 1 + random.nextInt(4);
    this.replicaCount = 3;
    this.maxSkewMillis = pick(0, 50, 200);
    this.maxElectionGapMillis = pick(0, 300, 1_500, 3_000);
    this.meanLeaderMillis = pick(500, 2_000, 10_000);
    this.crashChance = pick(0, 10, 40) / 1000.0;
    this.nestedChance = pick(0, 30, 70) / 100.0;
  }

  private long pick(long... choices) {
    return choices[random.nextInt(choices.length)];
  }

  /**
   * Runs one seed.
   *
   * @param seed the seed; the same seed replays the same run to the event
   * @param steps how many events the contention phase processes before the final drain
   * @param bug a deliberate bug, or {@link Bug#NONE}
   * @return the outcome
   */
  public static LockSimResult run(long seed, int steps, Bug bug) {
    return new LockReplicaSimulation(seed, steps, bug).run();
  }

  private String describe() {
    return String.format(Locale.ROOT,
        "clients=%d resources=%d replicas=%d skew<=%dms electionGap<=%dms leaderMean=%dms"
            + " crash=%.3f nested=%.2f steps=%d bug=%s",
        clientCount, resourceCount, replicaCount, maxSkewMillis, maxElectionGapMillis,
        meanLeaderMillis, crashChance, nestedChance, steps, bug.cliName());
  }

  private LockSimResult run() {
    for (int i = 0; i < replicaCount; i++) {
      Replica r = new Replica("replica" + i, i == 0);
      r.reset(null, 0);
      replicas.add(r);
    }
    for (int i = 0; i < clientCount; i++) {
      Client c = new Client(i, random.nextInt(4) == 0);
      clients.add(c);
      schedule(random.nextLong(100), c::act);
    }
    newLeader();
    schedule(MAINTENANCE_MILLIS, this::maintain);
    schedule(random.nextLong(200), this::replicaFault);
    int processed = 0;
    while (violation == null && processed < steps && !events.isEmpty()) {
      step();
      processed++;
    }
    if (violation == null) {
      drain();
    }
    String stats = String.format(Locale.ROOT,
        "log=%d grants=%d deadlocksRefused=%d sessionsExpired=%d leaderChanges=%d"
            + " replicaRestarts=%d virtualMillis=%d",
        log.size(), grantsSeen, deadlocks, expiries, leaderChanges, restarts, now);
    String replay = "./synod simulate lock --seeds 1 --seed-base " + seed + " --steps " + steps
        + (bug == Bug.NONE ? "" : " --bug " + bug.cliName());
    return new LockSimResult(seed, describe(), violation,
        violation == null ? List.of() : new ArrayList<>(trace), stats, replay);
  }

  private void step() {
    Event e = events.poll();
    now = e.time;
    e.action.run();
    for (Replica r : replicas) {
      if (violation == null && r.checker.violation() != null) {
        violation = r.checker.violation();
      }
    }
  }

  /** The final phase: clients stop, holders release, leases of crashed clients run out. */
  private void drain() {
    ending = true;
    if (now < leaderReadyAt) {
      now = leaderReadyAt;
    }
    long deadline = now + END_BUDGET_MILLIS;
    for (Client c : clients) {
      schedule(1, c::act);
    }
    while (violation == null && !events.isEmpty() && events.peek().time <= deadline) {
      step();
      if (quiet()) {
        break;
      }
    }
    if (violation != null) {
      return;
    }
    for (Replica r : replicas) {
      r.catchUp();
    }
    for (Replica r : replicas) {
      if (violation == null && r.checker.violation() != null) {
        violation = r.checker.violation();
      }
    }
    if (violation != null) {
      return;
    }
    LockStateMachine main = replicas.get(0).machine;
    byte[] bytes = main.snapshotBytes();
    for (Replica r : replicas) {
      if (!Arrays.equals(bytes, r.machine.snapshotBytes())) {
        violation = "replicas diverge: " + r.name + " differs from replica0 at index " + log.size();
        return;
      }
    }
    if (!main.resources().isEmpty()) {
      violation = "liveness: locks still held or awaited after the drain: "
          + main.view(main.resources().get(0));
    } else if (!requests.isEmpty()) {
      violation = "liveness: queued requests never settled: " + requests.keySet();
    } else if (!main.sessions().isEmpty()) {
      violation = "liveness: sessions never closed or expired: " + main.sessions();
    } else if (replicas.get(0).checker.grants() != replicas.get(0).checker.holdsEnded()) {
      violation = "liveness: " + replicas.get(0).checker.grants() + " grants but "
          + replicas.get(0).checker.holdsEnded() + " releases or expiries";
    }
  }

  private boolean quiet() {
    LockStateMachine m = replicas.get(0).machine;
    return m.resources().isEmpty() && m.sessions().isEmpty() && requests.isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // the leader: clock, election gaps, grace, expiries

  private long leaderNow() {
    return now + leaderOffsetMillis;
  }

  private boolean leaderReady() {
    return now >= leaderReadyAt;
  }

  private void newLeader() {
    term++;
    leaderChanges++;
    leaderOffsetMillis = maxSkewMillis == 0 ? 0 : random.nextLong(-maxSkewMillis, maxSkewMillis + 1);
    long gap = ending || maxElectionGapMillis == 0 ? 0 : random.nextLong(maxElectionGapMillis + 1);
    leaderReadyAt = now + gap;
    note("leader change: term " + term + ", clock offset " + leaderOffsetMillis + " ms, ready in "
        + gap + " ms");
    long myTerm = term;
    schedule(gap, () -> {
      if (term != myTerm) {
        return;
      }
      if (bug != Bug.NO_GRACE) {
        propose(new LockCommand.GrantGrace(leaderNow()), r -> { });
      }
      graceTerm = myTerm;
    });
    if (!ending) {
      schedule(gap + 1 + random.nextLong(2 * meanLeaderMillis), () -> {
        if (term == myTerm && !ending) {
          newLeader();
        }
      });
    }
  }

  private void maintain() {
    if (leaderReady() && graceTerm == term) {
      LockStateMachine m = replicas.get(0).machine;
      long t = leaderNow();
      if (m.nextSessionExpiry().isPresent() && m.nextSessionExpiry().getAsLong() <= t) {
        propose(new LockCommand.ExpireSessions(t), r -> { });
      }
      if (m.nextWaitDeadline().isPresent() && m.nextWaitDeadline().getAsLong() <= t) {
        propose(new LockCommand.ExpireWaits(t), r -> { });
      }
    }
    schedule(MAINTENANCE_MILLIS, this::maintain);
  }

  /** Proposes through the current leader; null to the callback while no leader serves. */
  private void propose(LockCommand command, Consumer<LockResult> callback) {
    if (!leaderReady()) {
      callback.accept(null);
      return;
    }
    log.add(LockCodec.encode(command));
    Replica main = replicas.get(0);
    LockResult result = main.applyNext();
    note(command + " -> " + result);
    List<LockEvent> delivered = new ArrayList<>(pendingEvents);
    pendingEvents.clear();
    callback.accept(result);
    for (LockEvent e : delivered) {
      deliver(e);
    }
  }

  private void deliver(LockEvent e) {
    if (e instanceof LockGrant g) {
      grantsSeen++;
      Client c = requests.remove(g.requestId());
      if (c != null) {
        c.granted(g);
      }
    } else if (e instanceof LockEvent.WaitEnded w) {
      Client c = requests.remove(w.requestId());
      if (c != null) {
        c.waitEnded(w);
      }
    } else if (e instanceof LockEvent.SessionEnded s) {
      Client c = sessionOwners.remove(s.sessionId());
      if (s.reason() == LockEvent.Reason.SESSION_EXPIRED) {
        expiries++;
        if (c != null && !c.crashed && violation == null) {
          violation = "lease safety: session " + s.sessionId() + " of live client " + c.owner
              + " (keep-alive every " + KEEP_ALIVE_MILLIS + " ms, ttl " + TTL_MILLIS
              + " ms) expired at index " + s.index();
        }
      }
      if (c != null) {
        c.sessionEnded(s.sessionId());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // replicas: lagging application, snapshots, crash and restore

  private void replicaFault() {
    if (!ending) {
      Replica r = replicas.get(random.nextInt(replicaCount));
      int roll = random.nextInt(10);
      if (roll < 6) {
        for (Replica each : replicas) {
          each.applyUpTo(Math.min(log.size(), each.applied + random.nextInt(40)));
        }
      } else if (roll < 8) {
        r.takeSnapshot();
      } else if (r != replicas.get(0) || random.nextInt(4) == 0) {
        r.restart();
      }
    }
    schedule(1 + random.nextLong(100), this::replicaFault);
  }

  private final class Replica {
    final String name;
    final boolean main;
    LockStateMachine machine;
    LockChecker checker;
    long applied;
    byte[] snapshot;
    long snapshotIndex;
    long delivered;

    Replica(String name, boolean main) {
      this.name = name;
      this.main = main;
    }

    void reset(byte[] from, long index) {
      checker = new LockChecker(name);
      LockChecker c = checker;
      machine = LockTestKit.brokenMachine(LockLimits.DEFAULT, (i, cmd, res, evs) -> {
        c.onApplied(i, cmd, res, evs);
        if (main && i > delivered) {
          delivered = i;
          pendingEvents.addAll(evs);
        }
      }, bug.mutant());
      checker.attach(machine);
      if (from != null) {
        try {
          machine.restore(new ByteArrayInputStream(from));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        checker.resync();
      }
      applied = index;
    }

    LockResult applyNext() {
      LockResult last = null;
      while (applied < log.size()) {
        applied++;
        last = (LockResult) machine.apply(applied, log.get((int) applied - 1));
      }
      return last;
    }

    void applyUpTo(long index) {
      while (applied < index) {
        applied++;
        machine.apply(applied, log.get((int) applied - 1));
      }
    }

    void catchUp() {
      applyUpTo(log.size());
    }

    void takeSnapshot() {
      snapshot = machine.snapshotBytes();
      snapshotIndex = applied;
      note(name + " snapshot at " + applied);
    }

    void restart() {
      restarts++;
      note(name + " crash; restore from snapshot at " + snapshotIndex);
      reset(snapshot, snapshot == null ? 0 : snapshotIndex);
      if (main) {
        // the leader-facing replica catches up at once (its results are already delivered)
        pendingEvents.clear();
        catchUp();
        pendingEvents.clear();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // clients

  private final class Client {
    final int id;
    final boolean legacy;
    final String owner;
    boolean crashed;
    long session;
    // the simulated client's session token: a counter, not random, so the seeds' schedules stay
    // as they were (the real LockService draws it from a SecureRandom)
    String token = LockCommand.NO_TOKEN;
    int opened;
    boolean opening;
    final TreeMap<String, Integer> held = new TreeMap<>();
    long waitingRequest = -1;
    long keepAliveGeneration;

    Client(int id, boolean legacy) {
      this.id = id;
      this.legacy = legacy;
      this.owner = "c" + id;
    }

    HolderId holder() {
      return new HolderId(legacy ? HolderId.NO_SESSION : session, owner);
    }

    void later(long min, long spread) {
      schedule(min + random.nextLong(spread), this::act);
    }

    void act() {
      if (crashed || waitingRequest >= 0) {
        return;
      }
      if (ending) {
        drainStep();
        return;
      }
      if (!legacy && session == 0) {
        if (!opening) {
          opening = true;
          String fresh = "sim-token-" + owner + "-" + (++opened);
          propose(new LockCommand.OpenSession(leaderNow(), TTL_MILLIS, fresh), r -> {
            opening = false;
            if (r instanceof LockResult.SessionOpened o) {
              session = o.sessionId();
              token = o.sessionToken();
              sessionOwners.put(session, this);
              startKeepAlive();
            }
          });
        }
        later(20, 200);
        return;
      }
      double roll = random.nextDouble();
      if (roll < 0.5) {
        acquire();
      } else if (roll < 0.9) {
        releaseOne();
      } else if (roll < 0.92 && !legacy) {
        propose(new LockCommand.CloseSession(leaderNow(), session, token), r -> {
          if (r instanceof LockResult.SessionClosed) {
            sessionEnded(session);
          }
        });
      } else if (roll < 0.92 + crashChance && !legacy) {
        crashed = true;
        note(owner + " crashes holding " + held);
        return;
      }
      later(10, 300);
    }

    void acquire() {
      String resource;
      if (!held.isEmpty() && random.nextDouble() < nestedChance) {
        resource = "r" + random.nextInt(resourceCount);
      } else if (held.isEmpty()) {
        resource = "r" + random.nextInt(resourceCount);
      } else {
        resource = held.firstKey();
      }
      LockMode mode = random.nextBoolean() ? LockMode.SHARED : LockMode.EXCLUSIVE;
      long wait = pick(0, 300, 2_000, LockCommand.WAIT_FOREVER);
      long requestId = ++requestCounter;
      requests.put(requestId, this);
      propose(new LockCommand.Acquire(leaderNow(), requestId, holder(), resource, mode, wait,
          token),
          r -> {
            if (r instanceof LockResult.Queued) {
              waitingRequest = requestId;
              return;
            }
            requests.remove(requestId);
            if (r instanceof LockGrant g) {
              held.merge(g.resource(), 1, Integer::sum);
            } else if (r instanceof LockResult.Refused f) {
              if (f.error() == LockError.DEADLOCK) {
                deadlocks++;
                releaseAll();
              } else if (f.error() == LockError.UNKNOWN_SESSION) {
                sessionEnded(session);
              }
            }
          });
    }

    void granted(LockGrant g) {
      if (g.requestId() == waitingRequest) {
        waitingRequest = -1;
        held.merge(g.resource(), 1, Integer::sum);
        later(1, 200);
      }
    }

    void waitEnded(LockEvent.WaitEnded w) {
      if (w.requestId() == waitingRequest) {
        waitingRequest = -1;
        later(1, 200);
      }
    }

    void releaseOne() {
      if (held.isEmpty()) {
        return;
      }
      String resource = held.firstKey();
      if (held.size() > 1 && random.nextBoolean()) {
        resource = held.lastKey();
      }
      String r0 = resource;
      propose(new LockCommand.Release(leaderNow(), holder(), resource, token), r -> {
        if (r instanceof LockResult.Released rel) {
          if (rel.remainingCount() == 0) {
            held.remove(r0);
          } else {
            held.put(r0, rel.remainingCount());
          }
        } else if (r instanceof LockResult.Refused f && f.error() == LockError.NOT_HOLDER) {
          held.remove(r0);
        }
      });
    }

    void releaseAll() {
      for (String resource : new ArrayList<>(held.keySet())) {
        int n = held.get(resource);
        for (int i = 0; i < n; i++) {
          propose(new LockCommand.Release(leaderNow(), holder(), resource, token), r -> { });
        }
        held.remove(resource);
      }
    }

    void drainStep() {
      if (!held.isEmpty()) {
        releaseOne();
        later(1, 50);
      } else if (!legacy && session != 0) {
        propose(new LockCommand.CloseSession(leaderNow(), session, token), r -> {
          if (r instanceof LockResult.SessionClosed) {
            sessionEnded(session);
          }
        });
        later(1, 50);
      }
    }

    void sessionEnded(long id) {
      if (legacy || id != session || session == 0) {
        return;
      }
      sessionOwners.remove(session);
      session = 0;
      held.clear();
      keepAliveGeneration++;
    }

    void startKeepAlive() {
      long generation = ++keepAliveGeneration;
      schedule(KEEP_ALIVE_MILLIS, () -> keepAlive(generation));
    }

    void keepAlive(long generation) {
      if (crashed || generation != keepAliveGeneration || session == 0) {
        return;
      }
      propose(new LockCommand.KeepAlive(leaderNow(), session, token), r -> {
        if (r instanceof LockResult.Refused) {
          sessionEnded(session);
        }
      });
      if (session != 0) {
        schedule(KEEP_ALIVE_MILLIS, () -> keepAlive(generation));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // events and trace

  private void schedule(long delay, Runnable action) {
    events.add(new Event(now + Math.max(0, delay), seq++, action));
  }

  private void note(String line) {
    trace.addLast("t=" + now + " " + line);
    if (trace.size() > TRACE_LINES) {
      trace.removeFirst();
    }
  }

  private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
