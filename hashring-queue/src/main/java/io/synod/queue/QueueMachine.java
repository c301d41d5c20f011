package io.synod.queue;

import io.synod.queue.memory.InMemoryStreamStore;
import io.synod.queue.memory.TopicSnapshot;
import io.synod.queue.spi.QueueScheduler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The queue state of one replicated group as a deterministic state machine: every request that
 * changes or reads a topic is a command ({@link #command}), applied in log order on every replica
 * with {@link QueueCore}'s semantics (consumer groups, visibility timeouts, redelivery counts,
 * dead letters, retention, batches) over a private {@link InMemoryStreamStore}.
 *
 * <p>Time comes from the log: each command carries the proposer's clock reading (its stamp), and
 * the machine's clock is the largest stamp applied so far, so every replica gives the same ids,
 * expires the same leases and dead-letters the same messages at the same log index. Applying
 * never reads a clock, never blocks and never uses timers (a long poll is the caller's loop of
 * consume commands). A refused command changes nothing and its result is the {@link
 * QueueException}.
 *
 * <p>A dead-letter topic {@code <topic>.dlq} lives in the same machine as its topic, so moving a
 * message to it is part of the one command that found it over the delivery limit; a router must
 * place {@code <topic>.dlq} with {@code <topic>} ({@link #routingKey}).
 *
 * <p>Not thread-safe: one thread (the replica's apply thread) calls every method.
 */
public final class QueueMachine {
  private static final byte FORMAT = 1;
  private static final int SNAPSHOT_MAGIC = 0x51534e31; // "QSN1"
  /** Format 2: groups carry their activity time (idle-group expiry). */
  private static final int SNAPSHOT_MAGIC_2 = 0x51534e32; // "QSN2"

  private final QueueConfig config;
  private final Consumer<String> published;
  private long now;
  private InMemoryStreamStore store;
  private QueueCore core;

  /**
   * A machine with no topics.
   *
   * @param config the settings; must be equal on every replica (they decide which commands are
   *     refused)
   * @param published told, on the apply thread, of each topic a command appended to (wakes long
   *     polls); must not block
   */
  public QueueMachine(QueueConfig config, Consumer<String> published) {
    this.config = Objects.requireNonNull(config, "config");
    this.published = Objects.requireNonNull(published, "published");
    reset();
  }

  private void reset() {
    this.store = new InMemoryStreamStore(() -> now);
    QueueCore[] holder = new QueueCore[1];
    // dead letters go through the core, so its cached length of the .dlq topic stays exact
    this.core = new QueueCore(config, store, NO_TIMERS, () -> now,
        (topic, rec) -> holder[0].publish(topic, List.of(rec)).thenApply(ids -> ids.get(0)));
    holder[0] = core;
  }

  /** Applying never waits: a timer request means a long poll reached the machine. */
  private static final QueueScheduler NO_TIMERS = (delayMillis, task) -> {
    throw new IllegalStateException("the queue machine has no timers");
  };

  /**
   * The key that places a topic: a dead-letter topic goes with its topic.
   *
   * @param topic the topic
   * @return the key to look up on the ring
   */
  public static String routingKey(String topic) {
    return topic.endsWith(QueueCore.DLQ_SUFFIX) && topic.length() > QueueCore.DLQ_SUFFIX.length()
        ? topic.substring(0, topic.length() - QueueCore.DLQ_SUFFIX.length()) : topic;
  }

  /**
   * Encodes a command: the stamp and the request. A consume is always encoded without a wait
   * (the long poll stays with the caller).
   *
   * @param stampMillis the proposer's clock reading
   * @param request the request (any hop count; it is not kept)
   * @return the command bytes
   */
  public static byte[] command(long stampMillis, QueueRequest<?> request) {
    QueueRequest<?> r = request;
    if (r instanceof QueueRequest.Consume c) {
      r = new QueueRequest.Consume(c.topic(), c.group(), c.consumer(), c.max(), 0, 0);
    }
    byte[] body = QueueWireCodec.encodeRequest(r);
    ByteArrayOutputStream bos = new ByteArrayOutputStream(body.length + 9);
    try (DataOutputStream out = new DataOutputStream(bos)) {
      out.writeByte(FORMAT);
      out.writeLong(stampMillis);
      out.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  /**
   * Applies one committed command.
   *
   * @param command what {@link #command} produced
   * @return the answer of the request (ids, deliveries, a count, stats, entries, or {@code null}
   *     for a void request), or the {@link QueueException} that refused it
   */
  public Object apply(byte[] command) {
    QueueRequest<?> request;
    try {
      if (command.length < 9 || command[0] != FORMAT) {
        throw new IllegalArgumentException("not a queue command");
      }
      long stamp = 0;
      for (int i = 1; i < 9; i++) {
        stamp = (stamp << 8) | (command[i] & 0xff);
      }
      // the clock never goes back, whatever a new leader's clock says
      now = Math.max(now, stamp);
      byte[] body = java.util.Arrays.copyOfRange(command, 9, command.length);
      request = QueueWireCodec.decodeRequest(body);
    } catch (IllegalArgumentException e) {
      return new QueueException(QueueException.Code.INVALID_ARGUMENT, e.getMessage());
    }
    CompletionStage<?> stage;
    try {
      stage = run(request);
    } catch (RuntimeException e) {
      return QueueException.of(e);
    }
    CompletableFuture<?> f = stage.toCompletableFuture();
    if (!f.isDone()) {
      // the in-memory store answers at once; anything else would make replicas diverge
      throw new IllegalStateException("queue command did not complete while applied: " + request);
    }
    try {
      Object out = f.join();
      if (request instanceof QueueRequest.Publish p) {
        published.accept(p.topic());
      }
      return out;
    } catch (java.util.concurrent.CompletionException e) {
      return QueueException.of(e.getCause() == null ? e : e.getCause());
    }
  }

  private CompletionStage<?> run(QueueRequest<?> request) {
    boolean creates = request instanceof QueueRequest.Publish
        || request instanceof QueueRequest.Consume || request instanceof QueueRequest.Pending;
    int maxTopics = config.limits().maxTopics();
    if (creates && !store.holds(request.topic()) && store.size() >= maxTopics) {
      // a dead-letter topic is created by the command that moves a message to it, never here
      throw new QueueException(QueueException.Code.LIMIT_REACHED, "this queue group holds "
          + maxTopics + " topics, its limit (QUEUE_MAX_TOPICS); topic '" + request.topic()
          + "' is not created");
    }
    if (request instanceof QueueRequest.Publish p) {
      return core.publish(p.topic(), p.records());
    } else if (request instanceof QueueRequest.Consume c) {
      return core.consume(c.topic(), c.group(), c.consumer(), c.max(), 0);
    } else if (request instanceof QueueRequest.Ack a) {
      return core.ack(a.topic(), a.group(), a.ids());
    } else if (request instanceof QueueRequest.Nack n) {
      return core.nack(n.topic(), n.group(), n.consumer(), n.id());
    } else if (request instanceof QueueRequest.Extend e) {
      return core.extend(e.topic(), e.group(), e.consumer(), e.id(), e.millis());
    } else if (request instanceof QueueRequest.Stats s) {
      return core.stats(s.topic());
    } else if (request instanceof QueueRequest.Browse b) {
      return core.browse(b.topic(), b.from(), b.max());
    } else if (request instanceof QueueRequest.Pending p) {
      return core.pending(p.topic(), p.group(), p.max());
    } else if (request instanceof QueueRequest.AckReceipts a) {
      return core.ackReceipts(a.topic(), a.group(), a.receipts());
    } else if (request instanceof QueueRequest.NackReceipt n) {
      return core.nackReceipt(n.topic(), n.group(), n.receipt());
    } else if (request instanceof QueueRequest.ExtendReceipt e) {
      return core.extendReceipt(e.topic(), e.group(), e.receipt(), e.millis());
    } else if (request instanceof QueueRequest.DeleteGroup d) {
      return core.deleteGroup(d.topic(), d.group());
    } else if (request instanceof QueueRequest.DeleteConsumer d) {
      return core.deleteConsumer(d.topic(), d.group(), d.consumer());
    }
    throw new QueueException(QueueException.Code.INVALID_ARGUMENT,
        "not a client queue request: " + request.getClass().getSimpleName());
  }

  /**
   * The machine's clock: the largest stamp applied.
   *
   * @return milliseconds
   */
  public long now() {
    return now;
  }

  /**
   * The topics held, sorted (dead-letter topics included).
   *
   * @return a new list
   */
  public List<String> topics() {
    return store.streams();
  }

  /**
   * One page of the topics held (dead-letter topics included), ascending by name, in
   * O(log n + limit); read it where the machine is applied.
   *
   * @param after the last name of the previous page (exclusive), or {@code null} for the first
   * @param limit most topics returned, at least 1
   * @return up to {@code limit} summaries after {@code after}
   */
  public List<InMemoryStreamStore.StreamSummary> topics(String after, int limit) {
    return store.streams(after, limit);
  }

  /** @return how many topics are held (dead-letter topics included), in constant time */
  public int topicCount() {
    return store.size();
  }

  /**
   * Freezes the state for a snapshot: a view that can be written later from any thread while
   * commands keep being applied. Costs the groups and their pending entries, never the messages
   * ({@link InMemoryStreamStore#freeze()}); the writer reads the messages as of now.
   *
   * @return a writer of the frozen state; write it or close it
   */
  public Frozen freeze() {
    List<InMemoryStreamStore.FrozenTopic> views = store.freeze();
    if (views != null) {
      return new Frozen(now, views, null);
    }
    // an earlier view is still open (never under RaftServer, which waits for its writer)
    List<TopicSnapshot> copies = new ArrayList<>();
    for (String t : store.streams()) {
      copies.add(store.snapshot(t));
    }
    return new Frozen(now, null, copies);
  }

  /**
   * Replaces the whole state by what {@link Frozen#writeTo} wrote.
   *
   * @param in the snapshot
   * @throws IOException when it cannot be read or is not a queue snapshot
   */
  public void restore(InputStream in) throws IOException {
    DataInputStream din = new DataInputStream(in);
    int magic = din.readInt();
    if (magic != SNAPSHOT_MAGIC && magic != SNAPSHOT_MAGIC_2) {
      throw new IOException("not a queue snapshot");
    }
    int format = magic == SNAPSHOT_MAGIC_2 ? 2 : 1;
    long stamp = din.readLong();
    int n = din.readInt();
    if (n < 0) {
      throw new IOException("bad topic count " + n);
    }
    List<TopicSnapshot> copies = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      copies.add(QueueWireCodec.readTopicSnapshot(din, format));
    }
    now = stamp;
    reset();
    for (TopicSnapshot s : copies) {
      store.install(s);
    }
  }

  /** The frozen state: views of the streams, or (while older views are open) copies. */
  public static final class Frozen implements AutoCloseable {
    private final long now;
    private final List<InMemoryStreamStore.FrozenTopic> views;
    private final List<TopicSnapshot> copies;

    private Frozen(long now, List<InMemoryStreamStore.FrozenTopic> views,
        List<TopicSnapshot> copies) {
      this.now = now;
      this.views = views;
      this.copies = copies;
    }

    /**
     * Writes the frozen state and ends the views; once, from any thread.
     *
     * @param out where to
     * @throws IOException when the stream fails
     */
    public void writeTo(OutputStream out) throws IOException {
      try {
        DataOutputStream dout = new DataOutputStream(out);
        dout.writeInt(SNAPSHOT_MAGIC_2);
        dout.writeLong(now);
        if (views != null) {
          dout.writeInt(views.size());
          for (InMemoryStreamStore.FrozenTopic v : views) {
            QueueWireCodec.writeTopicSnapshot(dout, v, 2);
          }
        } else {
          dout.writeInt(copies.size());
          for (TopicSnapshot s : copies) {
            QueueWireCodec.writeTopicSnapshot(dout, s, 2);
          }
        }
        dout.flush();
      } finally {
        close();
      }
    }

    /** Ends the views without writing them (a no-op for those written). */
    @Override
    public void close() {
      if (views != null) {
        views.forEach(InMemoryStreamStore.FrozenTopic::close);
      }
    }

    /**
     * The copy as bytes (tests).
     *
     * @return the bytes
     */
    public byte[] toBytes() {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      try {
        writeTo(bos);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bos.toByteArray();
    }
  }

  /**
   * Reads a snapshot from bytes (tests).
   *
   * @param bytes what {@link Frozen#toBytes} gave
   * @throws IOException when malformed
   */
  public void restore(byte[] bytes) throws IOException {
    restore(new ByteArrayInputStream(bytes));
  }
}
