package io.synod.server.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.synod.queue.spi.AckResult;
import io.synod.queue.spi.ClaimResult;
import io.synod.queue.spi.GroupInfo;
import io.synod.queue.spi.LeaseChange;
import io.synod.queue.spi.NoSuchGroupException;
import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.PendingLimitException;
import io.synod.queue.spi.Receipt;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamInfo;
import io.synod.queue.spi.StreamRecord;
import io.synod.queue.spi.StreamStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The queue's {@link StreamStore} on Redis Streams, one stream per topic under {@code
 * queue_stream:<topic>} ({@code queue_stream:{<topic>}} on Redis Cluster). Needs Redis 7.0 or
 * later (XAUTOCLAIM's deleted-id reply, exclusive ranges, XINFO lag).
 *
 * <p>Each entry stores the payload in the field {@code payload} and each header {@code h} in the
 * field {@code header:h}; entries written by other tools read back with every other field as a
 * header and an empty payload when they have no {@code payload} field.
 *
 * <p>How the traps of Redis Streams are handled:
 *
 * <ul>
 *   <li>Visibility timeout and delivery counts: {@link #claimIdle} runs XAUTOCLAIM in a Lua script
 *       that loops on its cursor (one call scans at most ten times COUNT pending entries) and reads
 *       every claimed entry's new delivery count with XPENDING in the same atomic step.
 *   <li>Deleted entries: Redis 7 drops their ids from the pending list during XAUTOCLAIM and
 *       returns them as a third reply element. Lettuce 6.7's {@code xautoclaim} does not expose
 *       that element, so the script returns it in a shape decoded here; the ids land in {@link
 *       ClaimResult#deletedIds()}.
 *   <li>No dead-letter queue in Redis: the queue core builds it from the delivery counts above,
 *       {@link #append} to {@code <topic>.dlq} and {@link #ack}.
 *   <li>MAXLEN/XTRIM drops unacknowledged entries: {@link #trim} never trims at or past the first
 *       entry some group has pending or not yet delivered; XADD is never given MAXLEN.
 *   <li>XGROUP DELCONSUMER drops the consumer's pending entries: {@link #removeConsumer} hands
 *       them to another consumer first, atomically.
 * </ul>
 *
 * <p>Thread-safe; every method returns at once and completes on a Redis I/O thread. Batches are
 * pipelined on the shared connection. Durability: an acknowledged append is as durable as the
 * Redis server makes it (run Redis with {@code appendonly yes}; with {@code appendfsync everysec}
 * up to a second of acknowledged appends can be lost on a crash of the Redis host).
 */
public final class RedisStreamStore implements StreamStore {
  /** The entry field holding the payload. */
  public static final String PAYLOAD_FIELD = "payload";
  /** The prefix of entry fields holding headers. */
  public static final String HEADER_PREFIX = "header:";

  private static final byte[] PAYLOAD_BYTES = PAYLOAD_FIELD.getBytes(StandardCharsets.UTF_8);
  private static final int CLAIM_ROUNDS = 8;
  private static final int LAG_SCAN_LIMIT = 100_000;

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final RedisKeys keys;

  /**
   * Creates the store on a shared connection.
   *
   * @param connector the connection; the store does not close it
   */
  public RedisStreamStore(RedisConnector connector) {
    this(connector.commands(), connector.keys());
  }

  /**
   * Creates the store on given commands.
   *
   * @param redis async commands
   * @param keys the key layout
   */
  public RedisStreamStore(RedisClusterAsyncCommands<byte[], byte[]> redis, RedisKeys keys) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  /**
   * The Redis key of a stream.
   *
   * @param stream the stream (topic) name
   * @return {@code queue_stream:<stream>}, hash-tagged on a cluster
   */
  public String key(String stream) {
    return keys.stream(stream);
  }

  private byte[] k(String stream) {
    return Replies.utf8(keys.stream(stream));
  }

  @Override
  public CompletionStage<Void> createGroup(String stream, String group) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      return redis.xgroupCreate(XReadArgs.StreamOffset.from(k(stream), "0-0"), Replies.utf8(group),
              XGroupCreateArgs.Builder.mkstream())
          .handle((ok, e) -> {
            if (e == null) {
              return (Void) null;
            }
            String m = Replies.cause(e).getMessage();
            if (m != null && m.startsWith("BUSYGROUP")) {
              return (Void) null;
            }
            throw wrap(e);
          });
    });
  }

  @Override
  public CompletionStage<List<StreamId>> append(String stream, List<StreamRecord> records) {
    return guard(() -> {
      requireName(stream, "stream");
      Objects.requireNonNull(records, "records");
      if (records.isEmpty()) {
        throw new IllegalArgumentException("records must not be empty");
      }
      byte[] key = k(stream);
      List<CompletableFuture<String>> sent = new ArrayList<>(records.size());
      for (StreamRecord r : records) {
        sent.add(redis.xadd(key, body(r)).toCompletableFuture());
      }
      return CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
        List<StreamId> ids = new ArrayList<>(sent.size());
        for (CompletableFuture<String> f : sent) {
          ids.add(StreamId.parse(f.join()));
        }
        return ids;
      });
    });
  }

  @Override
  public CompletionStage<List<StreamEntry>> readNew(String stream, String group, String consumer,
      int count) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      requireName(consumer, "consumer");
      requirePositive(count, "count");
      return redis.xreadgroup(Consumer.from(Replies.utf8(group), Replies.utf8(consumer)),
              XReadArgs.Builder.count(count), XReadArgs.StreamOffset.lastConsumed(k(stream)))
          .handle(mapNoGroup(stream, group, msgs -> {
            List<StreamEntry> out = new ArrayList<>(msgs.size());
            for (StreamMessage<byte[], byte[]> m : msgs) {
              out.add(new StreamEntry(StreamId.parse(m.getId()), record(m.getBody()), 1));
            }
            return out;
          }));
    });
  }

  @Override
  public CompletionStage<Long> ack(String stream, String group, Collection<StreamId> ids) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      String[] idArgs = ids(ids);
      if (idArgs.length == 0) {
        return CompletableFuture.completedFuture(0L);
      }
      return redis.xack(k(stream), Replies.utf8(group), idArgs)
          .handle(mapNoGroup(stream, group, n -> n));
    });
  }

  @Override
  public CompletionStage<List<PendingEntry>> pending(String stream, String group, StreamId start,
      int count) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      Objects.requireNonNull(start, "start");
      requirePositive(count, "count");
      Range<String> range = Range.from(Range.Boundary.including(start.toString()),
          Range.Boundary.unbounded());
      return redis.xpending(k(stream), Replies.utf8(group), range, Limit.from(count))
          .handle(mapNoGroup(stream, group, list -> {
            List<PendingEntry> out = new ArrayList<>(list.size());
            for (PendingMessage p : list) {
              out.add(new PendingEntry(StreamId.parse(p.getId()), p.getConsumer(),
                  p.getMsSinceLastDelivery(), p.getRedeliveryCount()));
            }
            return out;
          }));
    });
  }

  @Override
  public CompletionStage<ClaimResult> claimIdle(String stream, String group, String consumer,
      long minIdleMillis, StreamId cursor, int count) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      requireName(consumer, "consumer");
      Objects.requireNonNull(cursor, "cursor");
      requirePositive(count, "count");
      if (minIdleMillis < 0) {
        throw new IllegalArgumentException("minIdleMillis must not be negative");
      }
      return StreamScripts.CLAIM.run(redis, new String[] {keys.stream(stream)}, group, consumer,
              Long.toString(minIdleMillis), cursor.toString(), Integer.toString(count),
              Integer.toString(CLAIM_ROUNDS))
          .handle(mapNoGroup(stream, group, RedisStreamStore::decodeClaim));
    });
  }

  /**
   * Decodes the reply of the claim script: {cursor, {{id, {field, value...}, deliveries}...},
   * {deletedId...}}.
   */
  static ClaimResult decodeClaim(List<Object> reply) {
    Replies.check(reply.size() == 3, "claim reply must have 3 elements: " + reply.size());
    StreamId next = StreamId.parse(Replies.text(reply.get(0)));
    List<StreamEntry> claimed = new ArrayList<>();
    for (Object o : Replies.list(reply.get(1))) {
      List<Object> e = Replies.list(o);
      Replies.check(e.size() == 3, "claimed entry must have 3 elements");
      List<Object> flat = Replies.list(e.get(1));
      Replies.check(flat.size() % 2 == 0, "entry fields must come in pairs");
      Map<byte[], byte[]> body = new LinkedHashMap<>();
      for (int i = 0; i < flat.size(); i += 2) {
        body.put((byte[]) flat.get(i), (byte[]) flat.get(i + 1));
      }
      long deliveries = Replies.number(e.get(2));
      Replies.check(deliveries >= 1, "a claimed entry must have been delivered");
      claimed.add(new StreamEntry(StreamId.parse(Replies.text(e.get(0))), record(body),
          deliveries));
    }
    List<StreamId> deleted = new ArrayList<>();
    for (Object o : Replies.list(reply.get(2))) {
      deleted.add(StreamId.parse(Replies.text(o)));
    }
    return new ClaimResult(next, claimed, deleted);
  }

  @Override
  public CompletionStage<List<StreamId>> setIdle(String stream, String group, String consumer,
      Collection<StreamId> ids, long idleMillis) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      requireName(consumer, "consumer");
      if (idleMillis < 0) {
        throw new IllegalArgumentException("idleMillis must not be negative");
      }
      String[] idArgs = ids(ids);
      if (idArgs.length == 0) {
        return CompletableFuture.completedFuture(List.<StreamId>of());
      }
      XClaimArgs args = XClaimArgs.Builder.justid().minIdleTime(0)
          .idle(Duration.ofMillis(idleMillis));
      return redis.xclaim(k(stream), Consumer.from(Replies.utf8(group), Replies.utf8(consumer)),
              args, idArgs)
          .handle(mapNoGroup(stream, group, msgs -> {
            TreeSet<StreamId> out = new TreeSet<>();
            for (StreamMessage<byte[], byte[]> m : msgs) {
              out.add(StreamId.parse(m.getId()));
            }
            return List.copyOf(out);
          }));
    });
  }

  @Override
  public CompletionStage<List<StreamEntry>> range(String stream, StreamId start, int count) {
    return guard(() -> {
      requireName(stream, "stream");
      Objects.requireNonNull(start, "start");
      requirePositive(count, "count");
      Range<String> range = Range.from(Range.Boundary.including(start.toString()),
          Range.Boundary.unbounded());
      return redis.xrange(k(stream), range, Limit.from(count)).thenApply(msgs -> {
        List<StreamEntry> out = new ArrayList<>(msgs.size());
        for (StreamMessage<byte[], byte[]> m : msgs) {
          out.add(new StreamEntry(StreamId.parse(m.getId()), record(m.getBody()), 0));
        }
        return out;
      });
    });
  }

  @Override
  public CompletionStage<Long> delete(String stream, Collection<StreamId> ids) {
    return guard(() -> {
      requireName(stream, "stream");
      String[] idArgs = ids(ids);
      if (idArgs.length == 0) {
        return CompletableFuture.completedFuture(0L);
      }
      return redis.xdel(k(stream), idArgs);
    });
  }

  @Override
  public CompletionStage<Long> trim(String stream, long maxLength, StreamId minId) {
    return guard(() -> {
      requireName(stream, "stream");
      Objects.requireNonNull(minId, "minId");
      if (maxLength < 0) {
        throw new IllegalArgumentException("maxLength must not be negative");
      }
      String max = maxLength == Long.MAX_VALUE ? "-1" : Long.toString(maxLength);
      return StreamScripts.TRIM.run(redis, new String[] {keys.stream(stream)}, max,
              minId.toString())
          .thenApply(r -> Replies.number(r.get(0)));
    });
  }

  @Override
  public CompletionStage<StreamInfo> info(String stream) {
    return guard(() -> {
      requireName(stream, "stream");
      return StreamScripts.INFO.run(redis, new String[] {keys.stream(stream)},
              Integer.toString(LAG_SCAN_LIMIT))
          .thenApply(RedisStreamStore::decodeInfo);
    });
  }

  static StreamInfo decodeInfo(List<Object> r) {
    Replies.check(r.size() == 4, "info reply must have 4 elements: " + r.size());
    long length = Replies.number(r.get(0));
    StreamId first = r.get(1) == null ? null : StreamId.parse(Replies.text(r.get(1)));
    StreamId last = r.get(2) == null ? null : StreamId.parse(Replies.text(r.get(2)));
    if (StreamId.MIN.equals(last)) {
      last = null;
    }
    List<GroupInfo> groups = new ArrayList<>();
    for (Object o : Replies.list(r.get(3))) {
      List<Object> g = Replies.list(o);
      Replies.check(g.size() == 7, "group info must have 7 elements");
      long idle = Replies.number(g.get(6));
      groups.add(new GroupInfo(Replies.text(g.get(0)), Replies.number(g.get(1)),
          Replies.number(g.get(2)), StreamId.parse(Replies.text(g.get(3))),
          g.get(4) == null ? null : StreamId.parse(Replies.text(g.get(4))),
          Replies.number(g.get(5)), idle == -2 ? Long.MAX_VALUE : idle));
    }
    groups.sort(Comparator.comparing(GroupInfo::name));
    return new StreamInfo(length, first, last, groups);
  }

  @Override
  public CompletionStage<Boolean> createGroup(String stream, String group, int maxGroups) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      requirePositive(maxGroups, "maxGroups");
      return StreamScripts.CREATE_GROUP.run(redis, new String[] {keys.stream(stream)}, group,
              Integer.toString(maxGroups))
          .thenApply(r -> Replies.number(r.get(0)) == 1);
    });
  }

  @Override
  public CompletionStage<Boolean> registerConsumer(String stream, String group, String consumer,
      int maxConsumers) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      requireName(consumer, "consumer");
      requirePositive(maxConsumers, "maxConsumers");
      return StreamScripts.REGISTER_CONSUMER.run(redis, new String[] {keys.stream(stream)}, group,
              consumer, Integer.toString(maxConsumers))
          .handle(mapNoGroup(stream, group, r -> Replies.number(r.get(0)) == 1));
    });
  }

  @Override
  public CompletionStage<List<StreamEntry>> readNew(String stream, String group, String consumer,
      int count, long maxPending) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      requireName(consumer, "consumer");
      requirePositive(count, "count");
      if (maxPending < 1) {
        throw new IllegalArgumentException("maxPending must be at least 1");
      }
      return StreamScripts.READ_NEW.run(redis, new String[] {keys.stream(stream)}, group,
              consumer, Integer.toString(count), Long.toString(maxPending))
          .handle(mapNoGroup(stream, group, r -> {
            Replies.check(r.size() == 2, "read reply must have 2 elements");
            if (r.get(1) == null || Boolean.FALSE.equals(r.get(1))) {
              throw new PendingLimitException(stream, group, Replies.number(r.get(0)));
            }
            List<StreamEntry> out = new ArrayList<>();
            for (Object o : Replies.list(r.get(1))) {
              List<Object> e = Replies.list(o);
              List<Object> flat = Replies.list(e.get(1));
              Map<byte[], byte[]> body = new LinkedHashMap<>();
              for (int i = 0; i + 1 < flat.size(); i += 2) {
                body.put((byte[]) flat.get(i), (byte[]) flat.get(i + 1));
              }
              out.add(new StreamEntry(StreamId.parse(Replies.text(e.get(0))), record(body), 1));
            }
            return out;
          }));
    });
  }

  @Override
  public CompletionStage<AckResult> settle(String stream, String group,
      Collection<Receipt> receipts) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      TreeMap<StreamId, Receipt> byId = new TreeMap<>();
      for (Receipt r : receipts) {
        byId.merge(r.id(), r, (a, b) -> a.deliveryCount() == 0 ? a : b);
      }
      String[] args = new String[1 + 2 * byId.size()];
      args[0] = group;
      int i = 1;
      for (Receipt r : byId.values()) {
        args[i++] = r.id().toString();
        args[i++] = Long.toString(r.deliveryCount());
      }
      return StreamScripts.SETTLE.run(redis, new String[] {keys.stream(stream)}, args)
          .handle(mapNoGroup(stream, group, r -> {
            Replies.check(r.size() == 3, "settle reply must have 3 elements");
            return new AckResult(idList(r.get(0)), idList(r.get(1)), Replies.number(r.get(2)));
          }));
    });
  }

  private static List<StreamId> idList(Object o) {
    List<StreamId> out = new ArrayList<>();
    for (Object e : Replies.list(o)) {
      out.add(StreamId.parse(Replies.text(e)));
    }
    return out;
  }

  @Override
  public CompletionStage<LeaseChange> renew(String stream, String group, Receipt receipt,
      String holder, long idleMillis) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      Objects.requireNonNull(receipt, "receipt");
      if (idleMillis < 0) {
        throw new IllegalArgumentException("idleMillis must not be negative");
      }
      return StreamScripts.RENEW.run(redis, new String[] {keys.stream(stream)}, group,
              receipt.id().toString(), Long.toString(receipt.deliveryCount()),
              holder == null ? "" : holder, Long.toString(idleMillis))
          .handle(mapNoGroup(stream, group, r -> LeaseChange.valueOf(Replies.text(r.get(0)))));
    });
  }

  @Override
  public CompletionStage<Long> expire(String stream, StreamId minId) {
    return guard(() -> {
      requireName(stream, "stream");
      Objects.requireNonNull(minId, "minId");
      return StreamScripts.EXPIRE.run(redis, new String[] {keys.stream(stream)},
              minId.toString())
          .thenApply(r -> Replies.number(r.get(0)));
    });
  }

  @Override
  public CompletionStage<Boolean> deleteGroup(String stream, String group) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      return StreamScripts.DELETE_GROUP.run(redis, new String[] {keys.stream(stream)}, group)
          .thenApply(r -> Replies.number(r.get(0)) > 0);
    });
  }

  @Override
  public CompletionStage<Long> deleteConsumer(String stream, String group, String consumer) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      requireName(consumer, "consumer");
      return StreamScripts.DELETE_CONSUMER.run(redis, new String[] {keys.stream(stream)}, group,
              consumer)
          .handle(mapNoGroup(stream, group, r -> Replies.number(r.get(0))));
    });
  }

  @Override
  public CompletionStage<SweepResult> sweep(String stream, StreamId cursor, int count) {
    return guard(() -> {
      requireName(stream, "stream");
      Objects.requireNonNull(cursor, "cursor");
      requirePositive(count, "count");
      return StreamScripts.SWEEP.run(redis, new String[] {keys.stream(stream)},
              cursor.toString(), Integer.toString(count))
          .thenApply(r -> new SweepResult(StreamId.parse(Replies.text(r.get(0))),
              Replies.number(r.get(1))));
    });
  }

  /**
   * Removes a consumer from a group without orphaning its pending entries: they are handed to
   * {@code heir} first, keeping their idle times and delivery counts, then XGROUP DELCONSUMER
   * runs, in one atomic script. (DELCONSUMER alone drops the consumer's pending entries, which
   * then are never redelivered.)
   *
   * @param stream the stream
   * @param group an existing group
   * @param consumer the consumer to remove
   * @param heir the consumer that takes its pending entries; must differ from {@code consumer}
   * @return how many pending entries moved to {@code heir}
   */
  public CompletionStage<Long> removeConsumer(String stream, String group, String consumer,
      String heir) {
    return guard(() -> {
      requireName(stream, "stream");
      requireName(group, "group");
      requireName(consumer, "consumer");
      requireName(heir, "heir");
      if (consumer.equals(heir)) {
        throw new IllegalArgumentException("heir must differ from the removed consumer");
      }
      return StreamScripts.REMOVE_CONSUMER.run(redis, new String[] {keys.stream(stream)}, group,
              consumer, heir)
          .handle(mapNoGroup(stream, group, r -> Replies.number(r.get(0))));
    });
  }

  private static Map<byte[], byte[]> body(StreamRecord r) {
    Map<byte[], byte[]> body = new LinkedHashMap<>();
    body.put(PAYLOAD_BYTES, r.payload());
    for (Map.Entry<String, String> h : r.headers().entrySet()) {
      body.put(Replies.utf8(HEADER_PREFIX + h.getKey()), Replies.utf8(h.getValue()));
    }
    return body;
  }

  static StreamRecord record(Map<byte[], byte[]> body) {
    byte[] payload = new byte[0];
    TreeMap<String, String> headers = new TreeMap<>();
    if (body != null) {
      for (Map.Entry<byte[], byte[]> f : body.entrySet()) {
        String name = new String(f.getKey(), StandardCharsets.UTF_8);
        byte[] value = f.getValue() == null ? new byte[0] : f.getValue();
        if (name.equals(PAYLOAD_FIELD)) {
          payload = value;
        } else {
          String h = name.startsWith(HEADER_PREFIX) && name.length() > HEADER_PREFIX.length()
              ? name.substring(HEADER_PREFIX.length()) : name;
          if (!h.isEmpty()) {
            headers.put(h, new String(value, StandardCharsets.UTF_8));
          }
        }
      }
    }
    return new StreamRecord(payload, headers);
  }

  private static String[] ids(Collection<StreamId> ids) {
    Objects.requireNonNull(ids, "ids");
    TreeSet<StreamId> sorted = new TreeSet<>();
    for (StreamId id : ids) {
      sorted.add(Objects.requireNonNull(id, "id"));
    }
    String[] out = new String[sorted.size()];
    int i = 0;
    for (StreamId id : sorted) {
      out[i++] = id.toString();
    }
    return out;
  }

  private static void requireName(String name, String what) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
  }

  private static void requirePositive(int n, String what) {
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be at least 1");
    }
  }

  private static <T> java.util.function.BiFunction<T, Throwable, T> passThrough() {
    return (t, e) -> {
      if (e != null) {
        throw wrap(e);
      }
      return t;
    };
  }

  private static <T, R> java.util.function.BiFunction<T, Throwable, R> mapNoGroup(String stream,
      String group, Function<T, R> ok) {
    return (t, e) -> {
      if (e == null) {
        return ok.apply(t);
      }
      if (Replies.isNoGroup(e)) {
        throw new NoSuchGroupException(stream, group);
      }
      throw wrap(e);
    };
  }

  private static RuntimeException wrap(Throwable e) {
    Throwable c = Replies.cause(e);
    return c instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(c);
  }

  /** Runs a body that may throw on bad arguments, turning the throw into a failed stage. */
  private static <T> CompletionStage<T> guard(
      java.util.function.Supplier<CompletionStage<T>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
