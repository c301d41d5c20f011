package io.synod.raft.lock.sim;

import io.synod.raft.NodeId;
import io.synod.raft.NotLeaderException;
import io.synod.raft.RaftException;
import io.synod.raft.lock.HolderId;
import io.synod.raft.lock.LockCodec;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockEvent;
import io.synod.raft.lock.LockGrant;
import io.synod.raft.lock.LockLimits;
import io.synod.raft.lock.LockMode;
import io.synod.raft.lock.LockResult;
import io.synod.raft.lock.LockStateMachine;
import io.synod.raft.lock.LockTestKit;
import io.synod.raft.lock.LockView;
import io.synod.raft.sim.SimCluster;
import io.synod.raft.sim.SimWorkload;
import io.synod.raft.spi.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Lock clients on the Raft simulator ({@link io.synod.raft.sim.Simulation}): every replica runs
 * the real {@link LockStateMachine} (optionally with one rule broken through {@link LockTestKit}),
 * and clients reach it only through Raft proposals, so crashes, restarts, partitions, snapshot
 * install, leader changes and membership changes all sit between a client and the lock table.
 *
 * <h2>What runs</h2>
 *
 * Each client opens a session, keeps it alive every quarter TTL, try-locks or waits (bounded) for
 * a resource in shared or exclusive mode, releases, sometimes closes its session, and sometimes
 * abandons it (as a crashed process). Commands are stamped with the virtual clock at the moment
 * the node receives them, as the lock runtime's leader stamps them. A client that learns no
 * outcome before its timeout treats the outcome as unknown and abandons its session, as a real
 * client must (it cannot know whether it holds). The workload's maintenance plays the leader's
 * lock runtime: on every new leader term it commits {@code GrantGrace} first, then proposes
 * {@code ExpireSessions}/{@code ExpireWaits} from the leader's clock. Queued grants and wait ends
 * reach the client from the first replica that applies them (an applied entry is committed).
 *
 * <h2>What is checked</h2>
 *
 * <ul>
 *   <li>after every event, on every replica: {@link LockChecker} (mutual exclusion, fencing per
 *       replica, no hold outliving its session, acyclic wait-for graph, no grantable queue head;
 *       resynchronised after a restore from a snapshot);
 *   <li>after every event: every replica's lock table is byte-identical to every other replica's
 *       at the same applied index (including replicas restored from an installed snapshot);
 *   <li>at every acknowledged grant or release: the acknowledging replica's table agrees (the
 *       holder with that token is there; a full release left no hold);
 *   <li>fencing tokens of acknowledged grants strictly increase per resource in log order;
 *   <li>client-visible mutual exclusion, at the end: a client believes it holds from the grant's
 *       acknowledgement until it invokes the release, and only while its lease is valid by its own
 *       clock (from the acknowledgement of an open or keep-alive until its invocation plus the
 *       TTL); an acquire of unknown outcome never counts. No two believed holds of different
 *       holders on one resource may overlap unless both are shared;
 *   <li>liveness: after healing, a fresh client acquires every resource exclusively (abandoned
 *       sessions must expire for that), which the simulator's liveness phase waits for through
 *       {@link SimWorkload#unsettled()}.
 * </ul>
 *
 * @since 1.0
 */
public final class LockRaftWorkload implements SimWorkload {

  /** Session TTL in simulation units (100 Raft ticks: ten election timeouts). */
  static final long TTL = 1_000;
  private static final long KEEP_ALIVE_EVERY = TTL / 4;
  private static final long MAINTENANCE_EVERY = 50;
  private static final long TIMEOUT = 400;

  private final LockTestKit.Mutant mutant;
  private final boolean grace;
  private int clientCount;
  private int resourceCount;
  private final List<Client> clients = new ArrayList<>();
  private final HashMap<Long, Attempt> waiting = new HashMap<>();
  // the lock table bytes first seen at each applied index, to compare every other replica's with
  private final HashMap<Long, byte[]> tableAt = new HashMap<>();
  private final HashMap<Long, NodeId> tableFrom = new HashMap<>();
  // acknowledged grants: resource -> log index -> fencing token
  private final TreeMap<String, TreeMap<Long, Long>> tokens = new TreeMap<>();
  private final List<Hold> holds = new ArrayList<>();
  // session -> lease windows [from, until) the client believed valid
  private final HashMap<Long, List<long[]>> leases = new HashMap<>();
  private final HashMap<NodeId, Long> graceTerm = new HashMap<>();
  private long lastMaintenance = -1_000_000;
  private long requestCounter;
  private long ackedIndex;
  private String violation;
  private Client probe;
  private int probeNext;
  private boolean probeDone;
  private long grants;
  private long queuedGrants;
  private long releases;
  private long unknown;
  private long refused;
  private long abandoned;
  private long expiries;
  private long compared;

  /**
   * A workload.
   *
   * @param mutant the lock rule to break on every replica, or {@code null}
   * @param grace whether new leaders commit {@code GrantGrace} before expiring sessions
   */
  public LockRaftWorkload(LockTestKit.Mutant mutant, boolean grace) {
    this.mutant = mutant;
    this.grace = grace;
  }

  /** A new replica's state machine; pass as the simulator's state machine factory. */
  public StateMachine newReplica(NodeId node) {
    return new Replica(node);
  }

  /** One replica: the real lock machine, its checker, and event delivery to the clients. */
  final class Replica implements StateMachine {
    final NodeId node;
    final LockStateMachine machine;
    final LockChecker checker;
    long comparedAt = -1;

    Replica(NodeId node) {
      this.node = node;
      LockChecker c = new LockChecker(node.toString());
      this.checker = c;
      this.machine = LockTestKit.brokenMachine(LockLimits.DEFAULT, (i, cmd, res, evs) -> {
        c.onApplied(i, cmd, res, evs);
        deliver(this, evs);
      }, mutant);
      c.attach(machine);
    }

    @Override
    public Object apply(long index, byte[] command) {
      return machine.apply(index, command);
    }

    @Override
    public SnapshotWriter snapshot() {
      return machine.snapshot();
    }

    @Override
    public void restore(InputStream in) throws IOException {
      machine.restore(in);
      // the checker's shadow table is rebuilt from the restored table; the comparison with the
      // other replicas at the restored index checks the restore itself
      checker.resync();
    }
  }

  private record Hold(String resource, LockMode mode, HolderId holder, long token, long from,
      long[] until) {}

  private final class Attempt {
    final Client client;
    final String resource;
    final LockMode mode;
    final long session;
    final long generation;
    boolean done;

    Attempt(Client client, String resource, LockMode mode, long session, long generation) {
      this.client = client;
      this.resource = resource;
      this.mode = mode;
      this.session = session;
      this.generation = generation;
    }

    /** Whether the client still waits for this attempt (it did not give its session up). */
    boolean current() {
      return generation == client.generation && session == client.session;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the workload

  @Override
  public void start(SimCluster cluster) {
    clientCount = 2 + cluster.random().nextInt(5);
    resourceCount = 1 + cluster.random().nextInt(3);
    for (int i = 0; i < clientCount; i++) {
      Client c = new Client(cluster, "c" + i);
      clients.add(c);
      cluster.schedule(1 + cluster.random().nextInt(50), c::next);
    }
    cluster.schedule(MAINTENANCE_EVERY, () -> maintain(cluster));
  }

  @Override
  public long ackedIndex() {
    return ackedIndex;
  }

  @Override
  public String unsettled() {
    return probeDone ? null : "no fresh client acquired every resource yet (probe at r"
        + probeNext + " of " + resourceCount + ")";
  }

  /** The per-event check: replica checkers, identical tables, then the client-side findings. */
  String check(SimCluster cluster) {
    if (violation != null) {
      return violation;
    }
    for (NodeId id : cluster.nodes()) {
      if (!cluster.isUp(id) || !(cluster.stateMachine(id) instanceof Replica r)) {
        continue;
      }
      if (r.checker.violation() != null) {
        return r.checker.violation();
      }
      long at = r.machine.lastAppliedIndex();
      if (at != r.comparedAt) {
        r.comparedAt = at;
        byte[] bytes = r.machine.snapshotBytes();
        byte[] first = tableAt.putIfAbsent(at, bytes);
        if (first == null) {
          tableFrom.put(at, id);
        } else {
          compared++;
          if (!Arrays.equals(first, bytes)) {
            return "replicas diverge: the lock table of " + id + " at applied index " + at
                + " differs from that of " + tableFrom.get(at) + " at the same index";
          }
        }
      }
    }
    return null;
  }

  @Override
  public String verify(SimCluster cluster) {
    if (violation != null) {
      return violation;
    }
    // client-visible mutual exclusion over the believed hold intervals
    List<List<long[]>> believed = new ArrayList<>();
    for (Hold h : holds) {
      believed.add(believed(h));
    }
    for (int i = 0; i < holds.size(); i++) {
      Hold a = holds.get(i);
      for (int j = i + 1; j < holds.size(); j++) {
        Hold b = holds.get(j);
        if (!a.resource.equals(b.resource) || a.holder.equals(b.holder)
            || (a.mode == LockMode.SHARED && b.mode == LockMode.SHARED)) {
          continue;
        }
        for (long[] x : believed.get(i)) {
          for (long[] y : believed.get(j)) {
            if (x[0] < y[1] && y[0] < x[1]) {
              return "client-visible mutual exclusion: " + a.holder + " believed it held "
                  + a.resource + " " + a.mode + " (token " + a.token + ") during [" + x[0] + ", "
                  + x[1] + ") and " + b.holder + " " + b.mode + " (token " + b.token
                  + ") during [" + y[0] + ", " + y[1] + ")";
            }
          }
        }
      }
    }
    return null;
  }

  /** The times the holder believed it held: [grant ack, release) within its valid leases. */
  private List<long[]> believed(Hold h) {
    List<long[]> out = new ArrayList<>();
    for (long[] w : leases.getOrDefault(h.holder.sessionId(), List.of())) {
      long from = Math.max(h.from, w[0]);
      long until = Math.min(h.until[0], w[1]);
      if (from < until) {
        out.add(new long[] {from, until});
      }
    }
    return out;
  }

  @Override
  public String summary() {
    return "lock: clients=" + clientCount + " resources=" + resourceCount + " grants=" + grants
        + " (queued " + queuedGrants + ") releases=" + releases + " unknown=" + unknown
        + " refused=" + refused + " abandoned=" + abandoned + " expired=" + expiries
        + " tablesCompared=" + compared + " probe=" + (probeDone ? "ok" : "pending");
  }

  private void fail(String v) {
    if (violation == null) {
      violation = v;
    }
  }

  /** Grants and wait ends from a replica's apply: the first replica to apply one delivers it. */
  private void deliver(Replica r, List<LockEvent> events) {
    for (LockEvent e : events) {
      if (e instanceof LockGrant g) {
        Attempt a = waiting.remove(g.requestId());
        if (a != null && !a.done) {
          a.done = true;
          queuedGrants++;
          a.client.granted(a, g, r);
        }
      } else if (e instanceof LockEvent.WaitEnded w) {
        Attempt a = waiting.remove(w.requestId());
        if (a != null && !a.done) {
          a.done = true;
          if (a.current()) {
            a.client.afterOp(null);
          }
        }
      } else if (e instanceof LockEvent.SessionEnded s
          && s.reason() == LockEvent.Reason.SESSION_EXPIRED) {
        expiries++;
      }
    }
  }

  /** An acknowledged grant: fencing order and agreement with the acknowledging table. */
  private void onGrantAck(Attempt a, LockGrant g, Replica r, SimCluster cluster) {
    grants++;
    ackedIndex = Math.max(ackedIndex, g.index());
    TreeMap<Long, Long> t = tokens.computeIfAbsent(g.resource(), k -> new TreeMap<>());
    Map.Entry<Long, Long> before = t.lowerEntry(g.index());
    Map.Entry<Long, Long> after = t.higherEntry(g.index());
    if ((before != null && before.getValue() >= g.fencingToken())
        || (after != null && after.getValue() <= g.fencingToken())) {
      fail("fencing token " + g.fencingToken() + " of the grant of " + g.resource() + " at index "
          + g.index() + " is not strictly between the acknowledged tokens around it: "
          + before + " / " + after + ": " + g);
    }
    t.put(g.index(), g.fencingToken());
    if (r != null && r.machine.lastAppliedIndex() >= g.index()) {
      LockView v = r.machine.view(g.resource());
      boolean there = v.holders().stream().anyMatch(h -> h.holder().equals(g.holder())
          && h.fencingToken() == g.fencingToken());
      // one command may grant a waiter and end the waiter's session too (an expiry sweep)
      boolean sessionLive = r.machine.sessions().stream()
          .anyMatch(x -> x.sessionId() == g.holder().sessionId());
      if (!there && sessionLive && r.machine.lastAppliedIndex() == g.index()) {
        fail("acknowledged grant " + g + " is not in the table of " + r.node + ": " + v);
      }
    }
    holds.add(new Hold(g.resource(), g.mode(), g.holder(), g.fencingToken(), cluster.now(),
        new long[] {Long.MAX_VALUE}));
  }

  // ---------------------------------------------------------------------------------------------
  // the leader's lock runtime: grace on every new term, then expiries from the leader's clock

  private void maintain(SimCluster cluster) {
    cluster.schedule(MAINTENANCE_EVERY, () -> maintain(cluster));
    if (cluster.inLivenessPhase() && probe == null) {
      // faults are healed: every client stops (their sessions must expire), a fresh one probes
      for (Client c : clients) {
        c.abandon();
        c.stopped = true;
      }
      probe = new Client(cluster, "probe");
      probe.next();
    }
    NodeId leader = cluster.leaderGuess();
    if (leader == null || !(cluster.stateMachine(leader) instanceof Replica r)) {
      return;
    }
    long term = cluster.raft(leader).term();
    long now = cluster.now();
    if (graceTerm.getOrDefault(leader, -1L) != term) {
      if (!grace) {
        graceTerm.put(leader, term);
      } else if (now - lastMaintenance >= 2 * MAINTENANCE_EVERY) {
        lastMaintenance = now;
        cluster.propose(leader, LockCodec.encode(new LockCommand.GrantGrace(now)),
            new SimCluster.ProposalCallback() {
              @Override
              public void applied(long index, Object result) {
                graceTerm.put(leader, term);
              }

              @Override
              public void failed(RaftException e) {}
            });
      }
      return;
    }
    LockStateMachine m = r.machine;
    if (m.nextSessionExpiry().isPresent() && m.nextSessionExpiry().getAsLong() <= now) {
      cluster.propose(leader, LockCodec.encode(new LockCommand.ExpireSessions(now)), IGNORE);
    }
    if (m.nextWaitDeadline().isPresent() && m.nextWaitDeadline().getAsLong() <= now) {
      cluster.propose(leader, LockCodec.encode(new LockCommand.ExpireWaits(now)), IGNORE);
    }
  }

  private static final SimCluster.ProposalCallback IGNORE = new SimCluster.ProposalCallback() {
    @Override
    public void applied(long index, Object result) {}

    @Override
    public void failed(RaftException e) {}
  };

  // ---------------------------------------------------------------------------------------------
  // clients

  private final class Client {
    final SimCluster cluster;
    final String owner;
    long session;
    // the session's token: a counter, not random, so the seeds' schedules stay reproducible (the
    // real LockService draws it from a SecureRandom)
    String token = LockCommand.NO_TOKEN;
    int opened;
    long generation;
    boolean stopped;
    NodeId hint;
    final TreeMap<String, Hold> held = new TreeMap<>();

    Client(SimCluster cluster, String owner) {
      this.cluster = cluster;
      this.owner = owner;
    }

    boolean isProbe() {
      return this == probe;
    }

    NodeId target() {
      NodeId t = hint;
      if (t == null || !cluster.isUp(t)) {
        t = cluster.leaderGuess();
      }
      // some commands go to any node: followers refuse, deposed leaders must be asked too
      if (t == null || cluster.random().nextInt(4) == 0) {
        List<NodeId> nodes = cluster.nodes();
        t = nodes.get(cluster.random().nextInt(nodes.size()));
      }
      return t;
    }

    void later(long min, int spread) {
      long gen = generation;
      cluster.schedule(min + cluster.random().nextInt(spread), () -> {
        if (gen == generation) {
          next();
        }
      });
    }

    void afterOp(NodeId nextHint) {
      hint = nextHint;
      later(1, 30);
    }

    /** The client forgets its session, as a crashed process; its holds end now in its view. */
    void abandon() {
      for (Hold h : held.values()) {
        h.until[0] = Math.min(h.until[0], cluster.now());
      }
      held.clear();
      if (session != 0) {
        abandoned++;
      }
      session = 0;
      token = LockCommand.NO_TOKEN;
      generation++;
    }

    /**
     * Proposes {@code command} with a timeout; {@code onResult} gets the result, null on a
     * refusal; on timeout the outcome is unknown and the client abandons its session.
     */
    void send(LockCommand command, long timeout, BiConsumer<LockResult, Replica> onResult) {
      send(command, timeout, onResult, () -> { });
    }

    /** As above; {@code onRefused} runs first when the command definitely did not take effect. */
    void send(LockCommand command, long timeout, BiConsumer<LockResult, Replica> onResult,
        Runnable onRefused) {
      NodeId node = target();
      if (!cluster.isUp(node)) {
        hint = null;
        onRefused.run();
        later(10, 30);
        return;
      }
      long gen = generation;
      boolean[] settled = {false};
      cluster.schedule(timeout, () -> {
        if (!settled[0] && gen == generation) {
          settled[0] = true;
          unknown++;
          abandon();
          later(1, 30);
        }
      });
      cluster.propose(node, LockCodec.encode(command), new SimCluster.ProposalCallback() {
        @Override
        public void applied(long index, Object result) {
          if (settled[0] || gen != generation) {
            return;
          }
          settled[0] = true;
          ackedIndex = Math.max(ackedIndex, index);
          hint = node;
          Replica r = cluster.stateMachine(node) instanceof Replica rep ? rep : null;
          onResult.accept((LockResult) result, r);
        }

        @Override
        public void failed(RaftException e) {
          if (settled[0] || gen != generation) {
            return;
          }
          settled[0] = true;
          refused++;
          onRefused.run();
          hint = e instanceof NotLeaderException nle ? nle.leader().orElse(null) : null;
          later(5, 30);
        }
      });
    }

    void next() {
      if (stopped) {
        return;
      }
      if (cluster.inLivenessPhase() && !isProbe()) {
        return;
      }
      if (session == 0) {
        long invoked = cluster.now();
        String fresh = "sim-token-" + owner + "-" + (++opened);
        send(new LockCommand.OpenSession(invoked, TTL, fresh), TIMEOUT, (res, r) -> {
          if (res instanceof LockResult.SessionOpened o) {
            session = o.sessionId();
            token = o.sessionToken();
            lease(session, invoked);
            long gen = generation;
            String t = o.sessionToken();
            cluster.schedule(KEEP_ALIVE_EVERY, () -> keepAlive(gen, o.sessionId(), t));
          }
          afterOp(hint);
        });
        return;
      }
      if (isProbe()) {
        if (probeNext >= resourceCount) {
          probeDone = true;
          return;
        }
        acquire("r" + probeNext, LockMode.EXCLUSIVE, 0);
        return;
      }
      int roll = cluster.random().nextInt(100);
      if (roll < 45 && held.size() < resourceCount) {
        String resource;
        do {
          resource = "r" + cluster.random().nextInt(resourceCount);
        } while (held.containsKey(resource));
        LockMode mode = cluster.random().nextBoolean() ? LockMode.SHARED : LockMode.EXCLUSIVE;
        long[] waits = {0, 0, 150, 600};
        acquire(resource, mode, waits[cluster.random().nextInt(waits.length)]);
      } else if (roll < 90 && !held.isEmpty()) {
        release(held.firstKey());
      } else if (roll < 92) {
        long s = session;
        send(new LockCommand.CloseSession(cluster.now(), s, token), TIMEOUT, (res, r) -> {
          for (Hold h : held.values()) {
            h.until[0] = Math.min(h.until[0], cluster.now());
          }
          held.clear();
          session = 0;
          token = LockCommand.NO_TOKEN;
          generation++;
          afterOp(hint);
        });
      } else if (roll < 94) {
        abandon();
        later(50, 200);
      } else {
        later(10, 100);
      }
    }

    void acquire(String resource, LockMode mode, long wait) {
      long id = ++requestCounter;
      HolderId holder = new HolderId(session, owner);
      Attempt a = new Attempt(this, resource, mode, session, generation);
      waiting.put(id, a);
      send(new LockCommand.Acquire(cluster.now(), id, holder, resource, mode, wait, token),
          TIMEOUT + wait, (res, r) -> {
            if (a.done) {
              return;
            }
            if (res instanceof LockResult.Queued) {
              // the grant or the wait's end comes as an event; without either in time the
              // outcome is unknown
              cluster.schedule(TIMEOUT + wait, () -> {
                if (!a.done && a.current()) {
                  a.done = true;
                  waiting.remove(id);
                  unknown++;
                  abandon();
                  later(1, 30);
                }
              });
              return;
            }
            waiting.remove(id);
            a.done = true;
            if (res instanceof LockGrant g) {
              granted(a, g, r);
            } else {
              if (isProbe()) {
                later(MAINTENANCE_EVERY, 30);
                return;
              }
              afterOp(hint);
            }
          });
    }

    void granted(Attempt a, LockGrant g, Replica r) {
      if (!a.current() || session == 0) {
        return; // the client gave the session up meanwhile: it does not count the grant
      }
      onGrantAck(a, g, r, cluster);
      held.put(g.resource(), holds.get(holds.size() - 1));
      if (isProbe()) {
        probeNext++;
      }
      afterOp(hint);
    }

    void release(String resource) {
      Hold h = held.remove(resource);
      // from the invocation on, the client no longer relies on the lock
      h.until[0] = Math.min(h.until[0], cluster.now());
      Runnable retry = () -> {
        if (h.holder.sessionId() == session) {
          held.put(resource, h); // the hold is still in the table: release it again later
        }
      };
      // held only keeps holds of the current session, so its token is the one to present
      LockCommand release = new LockCommand.Release(cluster.now(), h.holder, resource, token);
      send(release, TIMEOUT, (res, r) -> {
        if (res instanceof LockResult.Released rel) {
          releases++;
          if (rel.remainingCount() == 0 && r != null
              && r.machine.lastAppliedIndex() == rel.index()) {
            boolean still = r.machine.view(resource).holders().stream()
                .anyMatch(x -> x.holder().equals(h.holder));
            if (still) {
              fail("acknowledged release of " + resource + " by " + h.holder + " at index "
                  + rel.index() + " left it holding in the table of " + r.node);
            }
          }
        }
        afterOp(hint);
      }, retry);
    }

    void keepAlive(long gen, long s, String t) {
      if (gen != generation || s != session || stopped) {
        return;
      }
      cluster.schedule(KEEP_ALIVE_EVERY, () -> keepAlive(gen, s, t));
      NodeId node = cluster.leaderGuess();
      if (node == null) {
        return;
      }
      long invoked = cluster.now();
      cluster.propose(node, LockCodec.encode(new LockCommand.KeepAlive(invoked, s, t)),
          new SimCluster.ProposalCallback() {
            @Override
            public void applied(long index, Object result) {
              if (result instanceof LockResult.SessionKeptAlive) {
                lease(s, invoked);
              } else if (gen == generation && s == session) {
                abandon(); // the session is gone: so are its holds
                later(1, 30);
              }
            }

            @Override
            public void failed(RaftException e) {}
          });
    }

    /** A lease confirmed now, from a command invoked at {@code invoked}. */
    void lease(long s, long invoked) {
      long now = cluster.now();
      if (invoked + TTL > now) {
        leases.computeIfAbsent(s, k -> new ArrayList<>()).add(new long[] {now, invoked + TTL});
      }
    }
  }
}
