package io.synod.server.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.synod.raft.lock.LockCommand;
import io.synod.raft.lock.LockEvent;
import io.synod.raft.lock.LockGrant;
import io.synod.raft.lock.LockListener;
import io.synod.raft.lock.LockResult;
import io.synod.raft.lock.LockStateMachine;
import io.synod.raft.lock.LockView;
import io.synod.transport.http.Json;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors the replicated lock table into Redis so an operator sees it with {@code redis-cli
 * HGETALL lock:<resource>}: a held resource is a hash with the first system's fields {@code
 * owner_id} (the first holder in grant order), {@code mode}, {@code acquired_at} (seconds, as the
 * first system wrote them), plus {@code holders} (JSON: every holder with its session, count and
 * fencing token), {@code fencing_token} (the highest token of the current holds) and {@code
 * mirror_index} (the log index of the state shown). A free resource has no key.
 *
 * <p>Every node mirrors what it applies, so the mirror survives the loss of any node. Writes are
 * idempotent and ordered by log index: a Lua script writes a state only when its index is above
 * the one stored, and a release leaves a short-lived marker {@code lock:<resource>:freed} holding
 * the index of the release, so a slower replica cannot bring back a hold that was released.
 *
 * <p>Threading: {@link #onApplied} runs on the Raft thread; it only reads the machine and records
 * the newest state per resource. A daemon thread writes the recorded states to Redis (pipelined)
 * and retries after a pause when Redis does not answer, so Raft never waits for Redis and the
 * backlog is bounded by the number of resources.
 */
public final class RedisLockMirror implements LockListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLockMirror.class);
  /** How long the release marker lives: far longer than any replica lags. */
  static final long FREED_MARKER_MILLIS = 60_000;
  private static final long RETRY_MILLIS = 500;

  private static final RedisScript WRITE = new RedisScript(
      "local idx = tonumber(ARGV[1])\n"
      + "local cur = tonumber(redis.call('HGET', KEYS[1], 'mirror_index') or '0')\n"
      + "local freed = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
      + "if cur >= idx or freed >= idx then return {0} end\n"
      + "redis.call('DEL', KEYS[1])\n"
      + "if ARGV[2] == 'free' then\n"
      + "  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])\n"
      + "  return {1}\n"
      + "end\n"
      + "redis.call('HSET', KEYS[1], 'mirror_index', ARGV[1], unpack(ARGV, 4))\n"
      + "return {1}\n");

  /** The state of one resource at a log index; {@code fields} empty when free. */
  private record State(long index, List<String> fields) {}

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final RedisKeys keys;
  private final ConcurrentHashMap<String, State> dirty = new ConcurrentHashMap<>();
  private final Object signal = new Object();
  private final Thread writer;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong writtenIndex = new AtomicLong();
  private volatile LockStateMachine machine;
  private volatile boolean closed;

  /**
   * Creates the mirror and starts its writer thread.
   *
   * @param connector the Redis connection (not closed by the mirror)
   * @param name a name for the writer thread
   */
  public RedisLockMirror(RedisConnector connector, String name) {
    this.redis = connector.commands();
    this.keys = connector.keys();
    this.writer = new Thread(this::run, name + "-lock-mirror");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Gives the machine whose applies this mirror is told of; must be called before the Raft
   * server starts.
   *
   * @param m the machine
   */
  public void attach(LockStateMachine m) {
    this.machine = m;
  }

  @Override
  public void onApplied(long index, LockCommand command, LockResult result,
      List<LockEvent> events) {
    LockStateMachine m = machine;
    if (m == null || events.isEmpty()) {
      return;
    }
    Set<String> touched = new TreeSet<>();
    for (LockEvent e : events) {
      if (e instanceof LockGrant g) {
        touched.add(g.resource());
      } else if (e instanceof LockEvent.HoldReleased r) {
        touched.add(r.resource());
      }
    }
    if (touched.isEmpty()) {
      return;
    }
    for (String resource : touched) {
      dirty.merge(resource, new State(index, fields(m.view(resource))),
          (old, neu) -> neu.index() >= old.index() ? neu : old);
    }
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  /**
   * A snapshot replaced the table: the grants and releases it covers come with no event, so
   * every resource held or waited for before or after the restore is re-read from the restored
   * table and written at the snapshot's index (a free one clears its key).
   */
  @Override
  public void onRestored(long index, SortedSet<String> resources) {
    LockStateMachine m = machine;
    if (m == null || resources.isEmpty()) {
      return;
    }
    for (String resource : resources) {
      dirty.merge(resource, new State(index, fields(m.view(resource))),
          (old, neu) -> neu.index() >= old.index() ? neu : old);
    }
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  /** The hash fields of a view, or an empty list when nobody holds the resource. */
  static List<String> fields(LockView v) {
    List<String> out = new ArrayList<>();
    if (v.holders().isEmpty()) {
      return out;
    }
    LockView.Holder first = v.holders().get(0);
    long token = 0;
    List<Map<String, Object>> holders = new ArrayList<>();
    for (LockView.Holder h : v.holders()) {
      token = Math.max(token, h.fencingToken());
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("owner_id", h.holder().owner());
      if (h.holder().sessionId() != 0) {
        d.put("session_id", Long.toString(h.holder().sessionId()));
      }
      d.put("mode", h.mode().apiName());
      d.put("count", h.count());
      d.put("fencing_token", h.fencingToken());
      holders.add(d);
    }
    out.add("owner_id");
    out.add(first.holder().owner());
    out.add("mode");
    out.add(v.mode().apiName());
    out.add("acquired_at");
    out.add(BigDecimal.valueOf(first.acquiredAtMillis(), 3).toPlainString());
    out.add("holders");
    out.add(new String(Json.write(holders), java.nio.charset.StandardCharsets.UTF_8));
    out.add("fencing_token");
    out.add(Long.toString(token));
    return out;
  }

  private void run() {
    while (!closed) {
      try {
        List<Map.Entry<String, State>> batch = new ArrayList<>();
        synchronized (signal) {
          while (dirty.isEmpty() && !closed) {
            signal.wait(1000);
          }
        }
        for (String r : new ArrayList<>(dirty.keySet())) {
          State s = dirty.remove(r);
          if (s != null) {
            batch.add(Map.entry(r, s));
          }
        }
        if (!batch.isEmpty() && !write(batch)) {
          for (Map.Entry<String, State> e : batch) {
            // keep the newest of what failed and what arrived meanwhile, to retry
            dirty.merge(e.getKey(), e.getValue(),
                (neu, old) -> neu.index() >= old.index() ? neu : old);
          }
          synchronized (signal) {
            signal.wait(RETRY_MILLIS);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.warn("lock mirror round failed", e);
      }
    }
  }

  private boolean write(List<Map.Entry<String, State>> batch) throws InterruptedException {
    List<CompletableFuture<List<Object>>> calls = new ArrayList<>();
    for (Map.Entry<String, State> e : batch) {
      String key = keys.lock(e.getKey());
      State s = e.getValue();
      List<String> args = new ArrayList<>();
      args.add(Long.toString(s.index()));
      args.add(s.fields().isEmpty() ? "free" : "held");
      args.add(Long.toString(FREED_MARKER_MILLIS));
      args.addAll(s.fields());
      calls.add(WRITE.run(redis, new String[] {key, key + ":freed"}, args.toArray(String[]::new))
          .toCompletableFuture());
    }
    try {
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      written.addAndGet(batch.size());
      for (Map.Entry<String, State> e : batch) {
        writtenIndex.accumulateAndGet(e.getValue().index(), Math::max);
      }
      return true;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      if (failures.getAndIncrement() % 100 == 0) {
        LOG.warn("lock mirror could not write {} resources to Redis: {}", batch.size(),
            e.getCause() == null ? e.toString() : e.getCause().toString());
      }
      return false;
    }
  }

  /** @return resource states written to Redis so far */
  public long written() {
    return written.get();
  }

  /** @return the highest log index whose state of some resource reached Redis */
  public long writtenIndex() {
    return writtenIndex.get();
  }

  /** @return resources waiting to be written */
  public int backlog() {
    return dirty.size();
  }

  /**
   * Stops the writer after a last attempt to write what is pending (at most a few seconds).
   */
  @Override
  public void close() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (!dirty.isEmpty() && System.nanoTime() < deadline && writer.isAlive()) {
      synchronized (signal) {
        signal.notifyAll();
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    closed = true;
    writer.interrupt();
  }
}
