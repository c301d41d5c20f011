package io.synod.transport.http;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded outbox of messages for one peer, sent as batches in HTTP POSTs with at most {@code
 * maxInFlightBatches} batches unanswered at a time (pipelined on one connection when the pool
 * allows it).
 *
 * <p>{@link #offer} never blocks: while the in-flight window is full, messages accumulate and go
 * out together in the next batch as soon as a response frees the window, so batching grows by
 * itself under load and latency stays one round trip when idle. When the outbox holds {@code
 * maxOutboxCount} messages further offers are refused (the caller decides whether that is a drop
 * or back-pressure). A batch that fails (peer unreachable, timeout, non-2xx answer) is reported to
 * the failure callback and not resent: senders such as Raft resend by protocol.
 *
 * @param <M> the message type
 */
public final class BatchingSender<M> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchingSender.class);

  private final HttpClientPool pool;
  private final URI peer;
  private final String path;
  private final String contentType;
  private final Function<List<M>, byte[]> encoder;
  private final int maxBatchCount;
  private final int maxOutboxCount;
  private final int maxInFlightBatches;
  private final Duration timeout;
  private final BiConsumer<List<M>, Throwable> onFailure;

  private final ArrayDeque<M> outbox = new ArrayDeque<>();
  private int inFlight;
  private boolean closed;
  private long sentBatches;
  private long sentMessages;
  private long refusedMessages;
  private long failedBatches;

  /**
   * Creates a sender.
   *
   * @param pool the client pool; it is not closed by this sender
   * @param peer the peer's base URI ({@code http://host:port})
   * @param path the request target each batch is POSTed to
   * @param contentType content type of an encoded batch
   * @param encoder encodes a non-empty batch; must not block and should not throw
   * @param maxBatchCount largest number of messages in one batch, positive
   * @param maxOutboxCount largest number of messages waiting, positive
   * @param maxInFlightBatches largest number of unanswered batches, positive
   * @param timeout per-batch timeout
   * @param onFailure called (on any thread) with each failed batch and the cause; must not block
   */
  public BatchingSender(
      HttpClientPool pool,
      URI peer,
      String path,
      String contentType,
      Function<List<M>, byte[]> encoder,
      int maxBatchCount,
      int maxOutboxCount,
      int maxInFlightBatches,
      Duration timeout,
      BiConsumer<List<M>, Throwable> onFailure) {
    if (maxBatchCount <= 0 || maxOutboxCount <= 0 || maxInFlightBatches <= 0) {
      throw new IllegalArgumentException("bounds must be positive");
    }
    this.pool = pool;
    this.peer = peer;
    this.path = path;
    this.contentType = contentType;
    this.encoder = encoder;
    this.maxBatchCount = maxBatchCount;
    this.maxOutboxCount = maxOutboxCount;
    this.maxInFlightBatches = maxInFlightBatches;
    this.timeout = timeout;
    this.onFailure = onFailure;
  }

  /**
   * Queues a message for the peer. Never blocks.
   *
   * @param message the message
   * @return false when the outbox is full or the sender closed (the message was not queued)
   */
  public boolean offer(M message) {
    List<M> batch;
    synchronized (this) {
      if (closed || outbox.size() >= maxOutboxCount) {
        refusedMessages++;
        return false;
      }
      outbox.add(message);
      batch = takeBatch();
    }
    if (batch != null) {
      send(batch);
    }
    return true;
  }

  /** Takes the next batch when the window allows; caller holds the lock. */
  private List<M> takeBatch() {
    if (outbox.isEmpty() || inFlight >= maxInFlightBatches || closed) {
      return null;
    }
    int n = Math.min(maxBatchCount, outbox.size());
    List<M> batch = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      batch.add(outbox.poll());
    }
    inFlight++;
    sentBatches++;
    sentMessages += n;
    return batch;
  }

  private void send(List<M> batch) {
    // Sent outside the lock: encoding costs CPU and the pool may complete synchronously.
    byte[] body;
    try {
      body = encoder.apply(batch);
    } catch (RuntimeException e) {
      LOG.error("cannot encode a batch for {}{}", peer, path, e);
      done(batch, null, e);
      return;
    }
    ClientRequest request =
        ClientRequest.of("POST", path).body(body, contentType).timeout(timeout);
    pool.send(peer, request).whenComplete((response, error) -> done(batch, response, error));
  }

  private void done(List<M> batch, HttpResponse response, Throwable error) {
    Throwable failure = error;
    if (failure == null && !response.isSuccess()) {
      failure =
          new java.io.IOException(
              peer + path + " answered " + response.status() + ": " + response.bodyAsString());
    }
    List<M> next;
    synchronized (this) {
      inFlight--;
      if (failure != null) {
        failedBatches++;
      }
      next = takeBatch();
    }
    if (failure != null) {
      LOG.debug("batch of {} to {}{} failed: {}", batch.size(), peer, path, failure.toString());
      try {
        onFailure.accept(batch, failure);
      } catch (RuntimeException e) {
        LOG.warn("failure callback threw", e);
      }
    }
    if (next != null) {
      send(next);
    }
  }

  /**
   * Returns the peer.
   *
   * @return the base URI
   */
  public URI peer() {
    return peer;
  }

  /**
   * Returns counters: batches sent, messages sent, messages refused, batches failed.
   *
   * @return a four-element array in that order
   */
  public synchronized long[] counters() {
    return new long[] {sentBatches, sentMessages, refusedMessages, failedBatches};
  }

  /**
   * Returns the number of messages waiting.
   *
   * @return the count
   */
  public synchronized int queued() {
    return outbox.size();
  }

  /** Refuses further offers and drops what is still queued. */
  @Override
  public synchronized void close() {
    closed = true;
    outbox.clear();
  }
}
