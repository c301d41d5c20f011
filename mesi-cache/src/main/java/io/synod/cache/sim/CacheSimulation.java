package io.synod.cache.sim;

import io.synod.cache.CacheConfig;
import io.synod.cache.CacheValue;
import io.synod.cache.WritePolicy;
import io.synod.cache.protocol.CacheMessage;
import io.synod.cache.protocol.DirectoryState;
import io.synod.cache.protocol.FaultHooks;
import io.synod.cache.protocol.LineState;
import io.synod.cache.protocol.MessageType;
import io.synod.cache.protocol.OpKind;
import io.synod.cache.protocol.OpResult;
import io.synod.cache.protocol.ProtocolEffects;
import io.synod.cache.protocol.ProtocolNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A deterministic simulation of a cluster of cache nodes: one seeded PRNG, virtual time, an event
 * queue ordered by (time, sequence), a network that delays and reorders every message, a main
 * memory with per-key FIFO latency, and crashes that wipe a node's lines.
 *
 * <p>After <b>every</b> event it checks single-writer/multiple-reader (at most one node may
 * write a key, and then no other node may read it) and the data-value invariant (every readable
 * copy holds the last value written). At the end it lets the cluster settle (no more faults) and
 * checks liveness (every operation of a live node finished), quiescent directory agreement (the
 * home's record matches the lines), per-key linearizability of the client history, and the
 * message count of every undisturbed transaction: a hit sends nothing, a read miss is answered
 * within 3 hops (2 or 4 messages), a write over k sharers costs 2 + 2k messages and a write of a
 * key another node owns costs 3.
 *
 * <p>Crashes: a crashed node loses its lines and its in-flight messages (sent or addressed);
 * every other node learns it at once (the membership change) and its home directories clean up.
 * Crashes hit nodes that are not homes of any key (home failover is a membership concern the
 * node server handles by moving keys on the ring). Under write-back a crash may lose the owner's
 * unwritten data: the history then contains an optional "revert" to main memory's content;
 * under write-through nothing acknowledged may be lost, so no revert is allowed.
 */
public final class CacheSimulation {
  private enum EventType {
    DELIVER, MEM_READ, MEM_WRITE, MEM_WRITE_DONE, CLIENT, CRASH, RESTART, PAUSE, RESUME,
    PARTITION, HEAL, FD_TICK, OP_TIMEOUT, NODE_TICK
  }

  private enum Phase { RUN, SETTLE, LIVENESS, DONE }

  /** Ticks between two failure-detector rounds. */
  private static final int FD_PERIOD = 5;
  /** Ticks a node must be reachable again before the membership takes it back. */
  private static final int REJOIN_TICKS = 10;
  /** Ticks between two {@link ProtocolNode#tick()} calls on a node. */
  private static final int TICK_PERIOD = 5;

  private record Event(long time, long seq, EventType type, int node, CacheMessage message,
      long token, String key, CacheValue value, int fromIncarnation, int toIncarnation) {}

  private final SimOptions options;
  private final SplittableRandom random;
  private final String[] ids;
  private final int homeCount;
  private final List<String> keys = new ArrayList<>();
  private final ProtocolNode[] nodes;
  private final int[] incarnation;
  private final boolean[] up;
  private final PriorityQueue<Event> queue = new PriorityQueue<>(
      Comparator.comparingLong(Event::time).thenComparingLong(Event::seq));
  private final List<String> violations = new ArrayList<>();
  private final TreeMap<String, CacheValue> memory = new TreeMap<>();
  private final TreeMap<String, CacheValue> memoryLastPut = new TreeMap<>();
  private final TreeMap<String, Long> memoryBusyUntil = new TreeMap<>();
  private final TreeMap<String, List<LinearizabilityChecker.Op>> history = new TreeMap<>();
  private final TreeMap<String, String> current = new TreeMap<>();
  private final TreeSet<String> uncertain = new TreeSet<>();
  private final List<Long> crashTimes = new ArrayList<>();
  // per node: the pending client op
  private final long[] pendingOpId;
  private final String[] pendingKey;
  private final OpKind[] pendingKind;
  private final String[] pendingValue;
  private final long[] pendingInvoke;
  private final int[] opsIssued;
  private final long[] writeCounter;

  // weather drawn from the seed
  private final int maxDelay;
  private final int maxMemoryDelay;
  private final double crashChance;
  private final int capacity;
  private final double readShare;
  private final double invalidateShare;

  private long now;
  private long seq;
  private long logical;
  private long nextOpId = 1;
  private long events;
  private long opsCompleted;
  private long hits;
  private long messages;
  private long checkedTxns;
  private int crashes;
  private boolean faultsOn = true;

  // ---- the hard faults (pauses, partitions, loss, home crashes): drawn from their own PRNG so
  // the weather of a run without them is exactly what it was before they existed
  private final boolean hard;
  private final SplittableRandom faultRandom;
  private final int failureTimeout;
  private final long lease;
  private final long drift;
  private final long retry;
  private final long opTimeout;
  private final double lossRate;
  private final double pauseChance;
  private final double partitionChance;
  private final double homeCrashChance;
  private final boolean[] paused;
  private final List<List<Event>> deferred = new ArrayList<>();
  private final boolean[][] blocked;
  private boolean partitioned;
  private final boolean[] declaredDown;
  private final long[] unreachableSince;
  private final long[] reachableSince;
  // membership changes a node has not learned yet (it was paused or cut off): +i up, -i-1 down
  private final List<List<Integer>> missedMembership = new ArrayList<>();
  private final java.util.Set<Long> abandoned = new java.util.HashSet<>();
  private final int[] livenessNext;
  private Phase phase = Phase.RUN;
  private long livenessAt;
  private long lost;
  private long timedOut;
  private long failed;
  private int pauses;
  private int partitions;
  private int homeCrashes;

  private final java.util.function.Consumer<String> trace;

  private CacheSimulation(SimOptions options, java.util.function.Consumer<String> trace) {
    this.options = options;
    this.trace = trace;
    this.random = new SplittableRandom(options.seed());
    int n = options.nodes();
    ids = new String[n];
    for (int i = 0; i < n; i++) {
      ids[i] = "n" + (i + 1);
    }
    homeCount = options.crashes() ? Math.max(1, (n + 1) / 2) : n;
    int keyCount = 2 + random.nextInt(3);
    for (int k = 0; k < keyCount; k++) {
      keys.add("k" + k);
    }
    maxDelay = 1 + random.nextInt(20);
    maxMemoryDelay = 1 + random.nextInt(10);
    crashChance = options.crashes() && n > homeCount ? random.nextDouble() * 0.03 : 0.0;
    capacity = 1 + random.nextInt(keyCount);
    readShare = 0.3 + random.nextDouble() * 0.4;
    invalidateShare = random.nextDouble() * 0.15;
    nodes = new ProtocolNode[n];
    incarnation = new int[n];
    up = new boolean[n];
    pendingOpId = new long[n];
    pendingKey = new String[n];
    pendingKind = new OpKind[n];
    pendingValue = new String[n];
    pendingInvoke = new long[n];
    opsIssued = new int[n];
    writeCounter = new long[n];
    for (String k : keys) {
      history.put(k, new ArrayList<>());
    }
    hard = options.hardFaults();
    faultRandom = new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + 0x5DEECE66DL);
    java.util.Set<SimFault> f = options.faults();
    failureTimeout = 30 + faultRandom.nextInt(50);
    lease = 60 + faultRandom.nextInt(140);
    drift = faultRandom.nextInt(10);
    retry = 15 + faultRandom.nextInt(25);
    opTimeout = Math.max(6L * failureTimeout, 3 * lease);
    lossRate = f.contains(SimFault.LOSS) ? faultRandom.nextDouble() * 0.05 : 0.0;
    pauseChance = f.contains(SimFault.PAUSE) ? faultRandom.nextDouble() * 0.004 : 0.0;
    partitionChance = f.contains(SimFault.PARTITION) ? faultRandom.nextDouble() * 0.004 : 0.0;
    homeCrashChance = f.contains(SimFault.HOME_CRASH) ? faultRandom.nextDouble() * 0.003 : 0.0;
    paused = new boolean[n];
    blocked = new boolean[n][n];
    declaredDown = new boolean[n];
    unreachableSince = new long[n];
    reachableSince = new long[n];
    livenessNext = new int[n];
    for (int i = 0; i < n; i++) {
      deferred.add(new ArrayList<>());
      missedMembership.add(new ArrayList<>());
      unreachableSince[i] = -1;
    }
  }

  /**
   * Runs one seed.
   *
   * @param options the options
   * @return the result
   */
  public static SimResult run(SimOptions options) {
    return new CacheSimulation(options, null).execute();
  }

  /**
   * Runs one seed and reports every event, operation and violation to {@code trace} (for
   * replaying a failing seed by hand).
   *
   * @param options the options
   * @param trace receives one line per event
   * @return the result
   */
  public static SimResult run(SimOptions options, java.util.function.Consumer<String> trace) {
    return new CacheSimulation(options, trace).execute();
  }

  private void log(String line) {
    if (trace != null) {
      trace.accept("t=" + now + " " + line);
    }
  }

  /**
   * Returns the command that replays a seed.
   *
   * @param options the options of the failing seed
   * @return the command line
   */
  public static String replayCommand(SimOptions options) {
    return "./synod simulate cache --seeds 1 --seed-base " + options.seed() + " --nodes "
        + options.nodes() + " --ops " + options.opsPerNode()
        + (options.writePolicy() == WritePolicy.WRITE_THROUGH ? " --write-through" : "")
        + (options.policy() == io.synod.cache.store.PolicyKind.LFU ? " --policy lfu" : "")
        + (options.hardFaults() ? " --faults " + SimFault.format(options.faults())
            : options.crashes() ? "" : " --no-crashes")
        + (options.skipOneInvalidation() ? " --break-skip-invalidation" : "")
        + (options.ignoreLease() ? " --break-lease" : "");
  }

  private String weather() {
    return "keys=" + keys.size() + " capacity=" + capacity + " maxDelay=" + maxDelay
        + " maxMemoryDelay=" + maxMemoryDelay + " crashChance="
        + String.format(java.util.Locale.ROOT, "%.3f", crashChance)
        + " readShare=" + String.format(java.util.Locale.ROOT, "%.2f", readShare)
        + " writePolicy=" + options.writePolicy() + " policy=" + options.policy()
        + (true ? String.format(java.util.Locale.ROOT,
            " lease=%d drift=%d retry=%d failureTimeout=%d opTimeout=%d loss=%.3f pauseChance=%.4f partitionChance=%.4f"
                + " homeCrashChance=%.4f", lease, drift, retry, failureTimeout, opTimeout, lossRate, pauseChance,
            partitionChance, homeCrashChance) : "");
  }

  private SimResult execute() {
    for (int i = 0; i < ids.length; i++) {
      startNode(i);
      schedule(random.nextInt(5), EventType.CLIENT, i, null, 0, null, null, 0, 0);
    }
    schedule(FD_PERIOD, EventType.FD_TICK, 0, null, 0, null, null, 0, 0);
    long budget = 200_000L + 20_000L * options.opsPerNode() * ids.length;
    while (!queue.isEmpty() && violations.isEmpty()) {
      if (++events > budget) {
        violations.add("event budget exhausted: possible livelock");
        break;
      }
      Event e = queue.poll();
      now = e.time();
      handle(e);
      checkInvariants();
      if (faultsOn && allClientsDone()) {
        heal();
      }
    }
    if (violations.isEmpty()) {
      finalChecks();
    }
    return new SimResult(options.seed(), weather(), List.copyOf(violations), opsCompleted, hits,
        messages, checkedTxns, crashes, events, new SimResult.Faults(homeCrashes, pauses,
            partitions, lost, timedOut, failed));
  }

  /**
   * Ends the faulty part of the run: every partition heals, every paused node resumes, every
   * crashed node restarts and no message is lost any more. Under hard faults the liveness phase
   * follows once the membership had time to settle.
   */
  private void heal() {
    faultsOn = false;
    log("HEAL all");
    for (boolean[] row : blocked) {
      java.util.Arrays.fill(row, false);
    }
    partitioned = false;
    for (int i = 0; i < ids.length; i++) {
      if (paused[i]) {
        resume(i);
      }
    }
    for (int i = 0; i < ids.length; i++) {
      if (!up[i]) {
        restart(i);
      }
    }
    phase = Phase.SETTLE;
    livenessAt = now + 3L * failureTimeout + lease + REJOIN_TICKS;
  }

  // ---- nodes -----------------------------------------------------------------------------------

  private void startNode(int i) {
    CacheConfig config = CacheConfig.builder()
        .capacity(capacity)
        .policy(options.policy())
        .writePolicy(options.writePolicy())
        .firstTxn(((long) incarnation[i] << 40) + 1)
        .incarnation(incarnation[i])
        .leaseNanos(lease)
        .clockDriftNanos(drift)
        .retryNanos(retry)
        .members(java.util.Arrays.asList(ids))
        .build();
    nodes[i] = new ProtocolNode(ids[i], config, this::homeOf, () -> now, new Effects(i),
        new FaultHooks(options.skipOneInvalidation(), options.ignoreLease()));
    up[i] = true;
    schedule(TICK_PERIOD, EventType.NODE_TICK, i, null, 0, null, null, incarnation[i], 0);
  }

  private String homeOf(String key) {
    return ids[Math.floorMod(key.hashCode() * 31 + 7, homeCount)];
  }

  private int index(String id) {
    return Integer.parseInt(id.substring(1)) - 1;
  }

  private final class Effects implements ProtocolEffects {
    private final int node;
    private final int inc;

    Effects(int node) {
      this.node = node;
      this.inc = incarnation[node];
    }

    @Override
    public void send(CacheMessage m) {
      messages++;
      if ((m.type() == MessageType.INV_ACK || m.type() == MessageType.COLLECT_ACK) && m.flag()
          && delivering != null && delivering.key().equals(m.key())
          && (delivering.type() == MessageType.INV || delivering.type() == MessageType.COLLECT)) {
        answersIncarnation.put(m, delivering.incarnation());
      }
      if (m.type() == MessageType.RENEW) {
        renewalsSent++;
      }
      int to = index(m.to());
      long delay = 1 + random.nextInt(maxDelay);
      if (faultsOn && lossRate > 0 && faultRandom.nextDouble() < lossRate) {
        lost++;
        log("LOST " + m);
        return;
      }
      schedule(delay, EventType.DELIVER, to, m, 0, null, null, inc, incarnation[to]);
    }

    @Override
    public void memoryRead(long token, String key) {
      schedule(memoryDelay(key), EventType.MEM_READ, node, null, token, key, null, inc, inc);
    }

    @Override
    public void memoryWrite(long token, String key, CacheValue value) {
      memoryLastPut.put(key, value);
      schedule(memoryDelay(key), EventType.MEM_WRITE, node, null, token, key, value, inc, inc);
    }

    @Override
    public void complete(long opId, OpResult result) {
      onComplete(node, inc, opId, result);
    }

    @Override
    public void fail(long opId, RuntimeException error) {
      if (!hard) {
        violations.add("operation failed at " + ids[node] + ": " + error.getMessage());
        return;
      }
      onFail(node, inc, opId, error);
    }

    @Override
    public void rebuilt(String key) {
      closeLostToDeadHome(key);
    }

    @Override
    public void revoked(String key, String holder) {
      CacheSimulation.this.revoked(key, holder, node);
    }

    @Override
    public void writeApplied(String key, CacheValue value) {
      if (hard) {
        return; // with unknown outcomes "the last write" is not one value: linearizability decides
      }
      current.put(key, value.asString());
      // a write invoked before the last crash may still be lost with the crashed node's line
      if (pendingOpId[node] != 0 && pendingInvoke[node] > lastCrashLogical) {
        uncertain.remove(key);
      }
    }
  }

  private long memoryDelay(String key) {
    long at = now + 1 + random.nextInt(maxMemoryDelay);
    long busy = memoryBusyUntil.getOrDefault(key, 0L);
    at = Math.max(at, busy); // FIFO per key: never complete before an earlier operation
    memoryBusyUntil.put(key, at);
    return at - now;
  }

  private void schedule(long delay, EventType type, int node, CacheMessage m, long token,
      String key, CacheValue value, int fromInc, int toInc) {
    queue.add(new Event(now + delay, seq++, type, node, m, token, key, value, fromInc, toInc));
  }

  // ---- events ----------------------------------------------------------------------------------

  private void handle(Event e) {
    int i = e.node();
    if (paused[i] && up[i] && switch (e.type()) {
      case DELIVER, MEM_READ, MEM_WRITE_DONE, CLIENT, NODE_TICK -> true;
      default -> false;
    }) {
      deferred.get(i).add(e); // a stopped process handles nothing; its sockets keep the bytes
      return;
    }
    switch (e.type()) {
      case DELIVER -> {
        CacheMessage m = e.message();
        int from = index(m.from());
        if (hard && blocked[from][i]) {
          lost++;
          log("CUT " + m);
          return;
        }
        // a message to a crashed process is lost; under hard faults one from a crashed process
        // may still arrive (it was on the wire), and its receiver must tell it by incarnation
        Long askedBy = answersIncarnation.remove(m);
        boolean homeGone = askedBy != null && askedBy != incarnation[i];
        if (homeGone || !up[i] || incarnation[i] != e.toIncarnation()
            || (!hard && (incarnation[from] != e.fromIncarnation() || !up[from]))) {
          if ((m.type() == MessageType.INV_ACK || m.type() == MessageType.COLLECT_ACK)
              && m.flag() && options.writePolicy() == WritePolicy.WRITE_BACK) {
            // dirty data handed to a home that died meanwhile is lost (write-back): memory's
            // value may come back until the restarted home has rebuilt the key
            lostToDeadHome.putIfAbsent(m.key(), ++logical);
            uncertain.add(m.key());
            log("LOST WITH DEAD HOME " + m);
          }
          return;
        }
        log("deliver " + m);
        delivering = m;
        nodes[i].step(m);
        delivering = null;
        if (trace != null) {
          log("  " + ids[i] + " " + m.key() + " line=" + nodes[i].lineState(m.key()) + " dir="
              + nodes[i].directoryState(m.key()));
        }
      }
      case MEM_READ -> {
        log(ids[i] + " memory read " + e.key() + " -> " + memory.get(e.key()));
        if (up[i] && incarnation[i] == e.fromIncarnation()) {
          nodes[i].memoryReadDone(e.token(), memory.get(e.key()), null);
        }
      }
      case MEM_WRITE -> {
        memory.put(e.key(), e.value()); // the write reaches memory even if the home died
        log(ids[i] + " memory write " + e.key() + " = " + e.value());
        if (paused[i]) {
          schedule(0, EventType.MEM_WRITE_DONE, i, null, e.token(), e.key(), null,
              e.fromIncarnation(), e.fromIncarnation());
        } else if (up[i] && incarnation[i] == e.fromIncarnation()) {
          nodes[i].memoryWriteDone(e.token(), null);
        }
      }
      case MEM_WRITE_DONE -> {
        if (up[i] && incarnation[i] == e.fromIncarnation()) {
          nodes[i].memoryWriteDone(e.token(), null);
        }
      }
      case CLIENT -> {
        if (up[i] && incarnation[i] == e.fromIncarnation()) {
          if (phase == Phase.LIVENESS) {
            issueLivenessRead(i);
          } else {
            issue(i);
          }
        }
      }
      case CRASH -> crash(i);
      case RESTART -> {
        if (!up[i]) {
          restart(i);
        }
      }
      case PAUSE -> pause(i);
      case RESUME -> {
        if (paused[i]) {
          resume(i);
        }
      }
      case PARTITION -> partition();
      case HEAL -> {
        if (partitioned && faultsOn) {
          log("HEAL partition");
          for (boolean[] row : blocked) {
            java.util.Arrays.fill(row, false);
          }
          partitioned = false;
        }
      }
      case FD_TICK -> failureDetector();
      case OP_TIMEOUT -> opTimedOut(i, e.token());
      case NODE_TICK -> {
        if (up[i] && incarnation[i] == e.fromIncarnation() && phase != Phase.DONE) {
          nodes[i].tick();
          schedule(TICK_PERIOD, EventType.NODE_TICK, i, null, 0, null, null, incarnation[i], 0);
        }
      }
      default -> throw new IllegalStateException();
    }
    if (faultsOn && crashChance > 0 && random.nextDouble() < crashChance) {
      int victim = homeCount + random.nextInt(ids.length - homeCount);
      if (up[victim] && !paused[victim]) {
        schedule(0, EventType.CRASH, victim, null, 0, null, null, 0, 0);
      }
    }
    if (hard && faultsOn) {
      injectHardFaults();
    }
  }

  private void injectHardFaults() {
    int n = ids.length;
    if (homeCrashChance > 0 && faultRandom.nextDouble() < homeCrashChance) {
      int victim = faultRandom.nextInt(n);
      if (up[victim] && !paused[victim]) {
        if (victim < homeCount) {
          homeCrashes++;
        }
        schedule(0, EventType.CRASH, victim, null, 0, null, null, 0, 0);
      }
    }
    if (pauseChance > 0 && faultRandom.nextDouble() < pauseChance) {
      int victim = faultRandom.nextInt(n);
      if (up[victim] && !paused[victim]) {
        schedule(0, EventType.PAUSE, victim, null, 0, null, null, 0, 0);
      }
    }
    if (partitionChance > 0 && !partitioned && faultRandom.nextDouble() < partitionChance) {
      schedule(0, EventType.PARTITION, 0, null, 0, null, null, 0, 0);
    }
  }

  private void pause(int i) {
    if (!up[i] || paused[i] || !faultsOn) {
      return;
    }
    pauses++;
    paused[i] = true;
    // longer than the failure timeout: the others declare it down while it still holds lines
    long length = failureTimeout + 2L * FD_PERIOD + REJOIN_TICKS
        + faultRandom.nextInt(3 * failureTimeout);
    log("PAUSE " + ids[i] + " for " + length);
    schedule(length, EventType.RESUME, i, null, 0, null, null, 0, 0);
  }

  private void resume(int i) {
    paused[i] = false;
    log("RESUME " + ids[i]);
    List<Event> held = new ArrayList<>(deferred.get(i));
    deferred.get(i).clear();
    for (Event d : held) {
      // the backlog is handled in arrival order, right away
      queue.add(new Event(now, seq++, d.type(), d.node(), d.message(), d.token(), d.key(),
          d.value(), d.fromIncarnation(), d.toIncarnation()));
    }
  }

  private void partition() {
    if (partitioned || !faultsOn) {
      return;
    }
    int n = ids.length;
    boolean[] side = new boolean[n];
    int inside = 0;
    while (inside == 0 || inside == n) {
      inside = 0;
      for (int i = 0; i < n; i++) {
        side[i] = faultRandom.nextBoolean();
        inside += side[i] ? 1 : 0;
      }
    }
    int direction = faultRandom.nextInt(4); // 0, 1: both ways; 2: out of the group; 3: into it
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        if (side[a] && !side[b]) {
          blocked[a][b] = direction != 3;
          blocked[b][a] = direction != 2;
        }
      }
    }
    partitioned = true;
    partitions++;
    StringBuilder g = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (side[i]) {
        g.append(ids[i]).append(' ');
      }
    }
    log("PARTITION {" + g.toString().trim() + "} "
        + (direction < 2 ? "both ways" : direction == 2 ? "outbound cut" : "inbound cut"));
    schedule(20 + faultRandom.nextInt(6 * failureTimeout), EventType.HEAL, 0, null, 0, null,
        null, 0, 0);
  }

  /** Whether node i is running and talks both ways with a majority (itself included). */
  private boolean reachable(int i) {
    if (!up[i] || paused[i]) {
      return false;
    }
    int n = ids.length;
    int count = 1;
    for (int j = 0; j < n; j++) {
      if (j != i && up[j] && !paused[j] && !blocked[i][j] && !blocked[j][i]) {
        count++;
      }
    }
    return 2 * count > n;
  }

  /**
   * The membership as the Raft log would carry it: a node unreachable from the majority for the
   * failure timeout is declared down, one reachable again is taken back; a node learns a change
   * when it can hear the majority (at once, or when its pause or partition ends).
   */
  private void failureDetector() {
    int n = ids.length;
    int reachableCount = 0;
    for (int i = 0; i < n; i++) {
      reachableCount += reachable(i) ? 1 : 0;
    }
    // without a majority the log commits nothing: no member is declared down or up
    boolean quorum = 2 * reachableCount > n;
    for (int i = 0; i < n && quorum; i++) {
      if (!up[i]) {
        unreachableSince[i] = -1;
        continue; // a crash is handled by crash() and restart()
      }
      if (reachable(i)) {
        unreachableSince[i] = -1;
        if (reachableSince[i] < 0) {
          reachableSince[i] = now;
        }
        List<Integer> missed = missedMembership.get(i);
        if (!missed.isEmpty()) {
          List<Integer> todo = new ArrayList<>(missed);
          missed.clear();
          for (int change : todo) {
            if (change >= 0) {
              nodes[i].nodeUp(ids[change]);
            } else {
              nodes[i].nodeDown(ids[-change - 1]);
            }
          }
        }
        if (declaredDown[i] && now - reachableSince[i] >= REJOIN_TICKS) {
          declaredDown[i] = false;
          log("MEMBERSHIP up " + ids[i]);
          announce(i, true);
        }
      } else {
        reachableSince[i] = -1;
        if (unreachableSince[i] < 0) {
          unreachableSince[i] = now;
        }
        if (!declaredDown[i] && now - unreachableSince[i] >= failureTimeout) {
          declaredDown[i] = true;
          log("MEMBERSHIP down " + ids[i]);
          announce(i, false);
        }
      }
    }
    if (phase == Phase.SETTLE && now >= livenessAt && allClientsDone()) {
      phase = Phase.LIVENESS;
      log("LIVENESS phase: every node reads every key");
      for (int i = 0; i < n; i++) {
        livenessNext[i] = 0;
        if (pendingOpId[i] == 0) {
          issueLivenessRead(i);
        }
      }
    }
    if (phase == Phase.LIVENESS && livenessDone()) {
      phase = Phase.DONE;
    }
    if (phase != Phase.DONE) {
      schedule(FD_PERIOD, EventType.FD_TICK, 0, null, 0, null, null, 0, 0);
    }
  }

  private void announce(int node, boolean nowUp) {
    for (int j = 0; j < ids.length; j++) {
      // the node itself learns it too (from the log, once it hears the majority again)
      if (!up[j] || (j == node && nowUp)) {
        continue;
      }
      if (reachable(j) && missedMembership.get(j).isEmpty()) {
        if (nowUp) {
          nodes[j].nodeUp(ids[node]);
        } else {
          nodes[j].nodeDown(ids[node]);
        }
      } else {
        missedMembership.get(j).add(nowUp ? node : -node - 1);
      }
    }
  }

  /**
   * A home gave a copy up without its data: under write-back memory's value may come back (the
   * holder's unwritten writes are lost, as with a crash); under write-through nothing may.
   */
  private void revoked(String key, String holder, int home) {
    long at = ++logical;
    lastCrashLogical = at;
    uncertain.add(key);
    log(ids[home] + " revokes " + key + (holder != null ? " from " + holder : " (rebuilt)"));
    if (options.writePolicy() == WritePolicy.WRITE_BACK) {
      CacheValue mem = memoryLastPut.get(key);
      history.get(key).add(new LinearizabilityChecker.Op(LinearizabilityChecker.Kind.REVERT,
          mem == null ? null : mem.asString(), at, at, "revoked at " + ids[home]));
    }
  }

  private void issueLivenessRead(int i) {
    if (pendingOpId[i] != 0 || livenessNext[i] >= keys.size()) {
      return;
    }
    String key = keys.get(livenessNext[i]++);
    long opId = nextOpId++;
    pendingOpId[i] = opId;
    pendingKey[i] = key;
    pendingKind[i] = OpKind.READ;
    pendingValue[i] = null;
    pendingInvoke[i] = ++logical;
    log(ids[i] + " invokes liveness READ " + key);
    schedule(opTimeout, EventType.OP_TIMEOUT, i, null, opId, null, null, 0, 0);
    nodes[i].submit(opId, OpKind.READ, key, null);
  }

  private boolean livenessDone() {
    for (int i = 0; i < ids.length; i++) {
      if (livenessNext[i] < keys.size() || pendingOpId[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private void opTimedOut(int i, long opId) {
    if (pendingOpId[i] != opId) {
      return;
    }
    timedOut++;
    if (phase == Phase.LIVENESS) {
      violations.add("liveness: after healing, " + ids[i] + " got no answer to a read of "
          + pendingKey[i] + " within " + opTimeout + " ticks");
    }
    giveUp(i, "timed out");
  }

  private void onFail(int i, int inc, long opId, RuntimeException error) {
    if (inc != incarnation[i] || pendingOpId[i] != opId) {
      return; // an operation already given up
    }
    failed++;
    log(ids[i] + " fails: " + error.getMessage());
    if (error instanceof io.synod.cache.CacheException ce && !ce.mayHaveApplied()) {
      // the node says the write changed nothing: hold it to that (the history leaves it out,
      // so a read of its value would not be linearizable)
      pendingKind[i] = OpKind.READ;
    }
    if (phase == Phase.LIVENESS) {
      violations.add("liveness: after healing, a read of " + pendingKey[i] + " at " + ids[i]
          + " failed: " + error.getMessage());
    }
    giveUp(i, "failed");
  }

  /** The client stops waiting: a write may or may not take effect, a read tells nothing. */
  private void giveUp(int i, String how) {
    if (pendingKind[i] == OpKind.WRITE) {
      history.get(pendingKey[i]).add(new LinearizabilityChecker.Op(
          LinearizabilityChecker.Kind.WRITE, pendingValue[i], pendingInvoke[i], Long.MAX_VALUE,
          ids[i] + " write (" + how + ")"));
    }
    abandoned.add(pendingOpId[i]);
    pendingOpId[i] = 0;
    schedule(random.nextInt(4), EventType.CLIENT, i, null, 0, null, null, incarnation[i], 0);
  }

  private void issue(int i) {
    if (opsIssued[i] >= options.opsPerNode() || pendingOpId[i] != 0) {
      return;
    }
    opsIssued[i]++;
    String key = keys.get(random.nextInt(keys.size()));
    double roll = random.nextDouble();
    OpKind kind = roll < invalidateShare ? OpKind.INVALIDATE
        : roll < invalidateShare + readShare ? OpKind.READ : OpKind.WRITE;
    String value = kind == OpKind.WRITE ? ids[i] + "." + incarnation[i] + "." + (++writeCounter[i])
        : null;
    long opId = nextOpId++;
    pendingOpId[i] = opId;
    pendingKey[i] = key;
    pendingKind[i] = kind;
    pendingValue[i] = value;
    pendingInvoke[i] = ++logical;
    log(ids[i] + " invokes " + kind + " " + key + (value != null ? "=" + value : ""));
    schedule(opTimeout, EventType.OP_TIMEOUT, i, null, opId, null, null, 0, 0);
    long before = nodes[i].stats().messagesSent();
    long renewalsBefore = renewalsSent;
    nodes[i].submit(opId, kind, key, value == null ? null : CacheValue.of(value));
    // a hit may renew its lease in the background; it sends nothing else
    long sent = nodes[i].stats().messagesSent() - before - (renewalsSent - renewalsBefore);
    if (pendingOpId[i] == 0 && lastHit && kind != OpKind.INVALIDATE) {
      long allowed = kind == OpKind.WRITE && options.writePolicy() == WritePolicy.WRITE_THROUGH
          ? 1 : 0;
      if (sent > allowed) {
        violations.add("a hit sent " + sent + " messages at " + ids[i] + " on " + key);
      }
    }
  }

  private boolean lastHit;
  private final TreeMap<String, Long> lostToDeadHome = new TreeMap<>();
  // the message being delivered, and for each dirty Inv-Ack or Collect-Ack the incarnation of
  // the home whose Inv or Collect it answers
  private CacheMessage delivering;
  private final java.util.IdentityHashMap<CacheMessage, Long> answersIncarnation =
      new java.util.IdentityHashMap<>();

  private void closeLostToDeadHome(String key) {
    Long from = lostToDeadHome.remove(key);
    if (from != null) {
      CacheValue mem = memoryLastPut.get(key);
      history.get(key).add(new LinearizabilityChecker.Op(LinearizabilityChecker.Kind.REVERT,
          mem == null ? null : mem.asString(), from, ++logical, "data lost with a dead home"));
    }
  }
  private long renewalsSent;
  private long lastCrashLogical;

  private void onComplete(int i, int inc, long opId, OpResult r) {
    if (abandoned.remove(opId)) {
      log(ids[i] + " completes (after its client gave up) " + r);
      return;
    }
    if (inc != incarnation[i] || pendingOpId[i] != opId) {
      violations.add("completion of an unknown operation at " + ids[i]);
      return;
    }
    opsCompleted++;
    log(ids[i] + " completes " + r);
    lastHit = r.hit();
    if (r.hit()) {
      hits++;
    } else {
      checkedTxns++;
    }
    long resp = ++logical;
    String key = pendingKey[i];
    switch (pendingKind[i]) {
      case READ -> history.get(key).add(new LinearizabilityChecker.Op(
          LinearizabilityChecker.Kind.READ, r.value() == null ? null : r.value().asString(),
          pendingInvoke[i], resp, ids[i] + " read"));
      case WRITE -> history.get(key).add(new LinearizabilityChecker.Op(
          LinearizabilityChecker.Kind.WRITE, pendingValue[i], pendingInvoke[i], resp,
          ids[i] + " write"));
      default -> { }
    }
    pendingOpId[i] = 0;
    schedule(random.nextInt(4), EventType.CLIENT, i, null, 0, null, null, incarnation[i], 0);
  }

  private void crash(int i) {
    if (!up[i] || !faultsOn) {
      return;
    }
    crashes++;
    log("CRASH " + ids[i]);
    crashTimes.add(now);
    up[i] = false;
    if (pendingOpId[i] != 0) {
      // never answered: it may or may not have taken effect
      String key = pendingKey[i];
      if (pendingKind[i] == OpKind.WRITE) {
        history.get(key).add(new LinearizabilityChecker.Op(LinearizabilityChecker.Kind.WRITE,
            pendingValue[i], pendingInvoke[i], Long.MAX_VALUE, ids[i] + " write (crashed)"));
      }
      pendingOpId[i] = 0;
    }
    incarnation[i]++;
    nodes[i] = null;
    long at = ++logical;
    lastCrashLogical = at;
    for (String k : keys) {
      // the crashed node may have held the latest (unacknowledged or unwritten) value: under
      // write-back memory's value may come back from here on
      uncertain.add(k);
      if (options.writePolicy() == WritePolicy.WRITE_BACK) {
        CacheValue mem = memoryLastPut.get(k);
        history.get(k).add(new LinearizabilityChecker.Op(LinearizabilityChecker.Kind.REVERT,
            mem == null ? null : mem.asString(), at, at, "crash of " + ids[i]));
      }
    }
    if (hard) {
      declaredDown[i] = true;
      announce(i, false);
    } else {
      for (int j = 0; j < ids.length; j++) {
        if (up[j]) {
          nodes[j].nodeDown(ids[i]);
        }
      }
    }
    schedule(5 + random.nextInt(100), EventType.RESTART, i, null, 0, null, null, 0, 0);
  }

  private void restart(int i) {
    startNode(i);
    if (hard) {
      log("RESTART " + ids[i]);
      missedMembership.get(i).clear();
      for (int j = 0; j < ids.length; j++) {
        if (j != i && declaredDown[j]) {
          nodes[i].nodeDown(ids[j]); // what the log tells a new member about the others
        }
      }
      declaredDown[i] = false;
      announce(i, true);
    } else {
      for (int j = 0; j < ids.length; j++) {
        if (j != i && up[j]) {
          nodes[j].nodeUp(ids[i]);
        }
      }
    }
    schedule(random.nextInt(4), EventType.CLIENT, i, null, 0, null, null, incarnation[i], 0);
  }

  private boolean allClientsDone() {
    for (int i = 0; i < ids.length; i++) {
      if (up[i] && (opsIssued[i] < options.opsPerNode() || pendingOpId[i] != 0)) {
        return false;
      }
    }
    return true;
  }

  // ---- checkers --------------------------------------------------------------------------------

  private void checkInvariants() {
    for (String key : keys) {
      int writers = 0;
      int readers = 0;
      String seen = null;
      boolean disagree = false;
      StringBuilder where = new StringBuilder();
      for (int i = 0; i < ids.length; i++) {
        if (!up[i]) {
          continue;
        }
        LineState s = nodes[i].lineState(key);
        if (nodes[i].canWrite(key)) {
          writers++;
        }
        if (nodes[i].canRead(key)) {
          readers++;
          CacheValue v = nodes[i].lineValue(key);
          String text = v == null ? null : v.asString();
          if (readers > 1 && !Objects.equals(seen, text)) {
            disagree = true;
          }
          seen = text;
          if (!uncertain.contains(key) && current.containsKey(key)
              && !Objects.equals(current.get(key), text)) {
            violations.add("data-value: " + ids[i] + " holds " + key + "=" + text + " in " + s
                + " but the last write was " + current.get(key) + " (t=" + now + ")");
          }
        }
        if (s != LineState.I) {
          where.append(ids[i]).append(':').append(s).append(' ');
        }
      }
      if (writers > 1 || (writers == 1 && readers > 1)) {
        violations.add("SWMR: key " + key + " has " + writers + " writers and " + readers
            + " readers: " + where + "(t=" + now + ")");
      }
      if (disagree) {
        violations.add("data-value: readable copies of " + key + " disagree: " + where);
      }
    }
    // the per-state line counts are kept as states change; a scan must find the same
    for (int i = 0; i < ids.length; i++) {
      if (!up[i]) {
        continue;
      }
      java.util.Map<LineState, Integer> kept = nodes[i].stats().linesPerState();
      for (LineState s : LineState.values()) {
        int scanned = s == LineState.I ? 0 : nodes[i].keysIn(s).size();
        if (kept.getOrDefault(s, 0) != scanned) {
          violations.add("stats: " + ids[i] + " counts " + kept.getOrDefault(s, 0) + " lines in "
              + s + " but holds " + scanned + " (t=" + now + ")");
        }
      }
    }
  }

  private void finalChecks() {
    for (String key : new ArrayList<>(lostToDeadHome.keySet())) {
      closeLostToDeadHome(key);
    }
    if (phase != Phase.DONE) {
      violations.add("liveness: the run ended in phase " + phase
          + " (the liveness reads never finished)");
    }
    for (String key : keys) {
      String lin = LinearizabilityChecker.check(history.get(key), null);
      if (lin != null) {
        violations.add("history of " + key + ": " + lin);
      }
    }
  }

}
