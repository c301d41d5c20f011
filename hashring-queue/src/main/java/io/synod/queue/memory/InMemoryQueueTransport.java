package io.synod.queue.memory;

import io.synod.queue.QueueException;
import io.synod.queue.QueueRequest;
import io.synod.queue.spi.QueueRequestHandler;
import io.synod.queue.spi.QueueTransport;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * A {@link QueueTransport} between nodes in one JVM (tests, {@code synod dev}): requests are
 * handed to the registered node on the given executor. Thread-safe. A node that is not registered
 * is unreachable.
 */
public final class InMemoryQueueTransport implements QueueTransport {
  private final Map<String, QueueRequestHandler> nodes = new ConcurrentHashMap<>();
  private final Executor executor;

  /**
   * A transport.
   *
   * @param executor runs the receiving side; {@code Runnable::run} calls it on the sender's
   *     thread
   */
  public InMemoryQueueTransport(Executor executor) {
    this.executor = executor;
  }

  /**
   * Makes a node reachable.
   *
   * @param node its id
   * @param handler its request handler
   */
  public void register(String node, QueueRequestHandler handler) {
    nodes.put(node, handler);
  }

  /**
   * Makes a node unreachable (a crash or a stop).
   *
   * @param node its id
   */
  public void unregister(String node) {
    nodes.remove(node);
  }

  @Override
  public <R> CompletionStage<R> send(String node, QueueRequest<R> request) {
    QueueRequestHandler h = nodes.get(node);
    if (h == null) {
      return CompletableFuture.failedFuture(new QueueException(QueueException.Code.UNAVAILABLE,
          "queue node " + node + " is unreachable"));
    }
    CompletableFuture<R> out = new CompletableFuture<>();
    executor.execute(() -> {
      try {
        h.handle(request).whenComplete((v, t) -> {
          if (t != null) {
            out.completeExceptionally(QueueException.of(t));
          } else {
            out.complete(v);
          }
        });
      } catch (RuntimeException e) {
        out.completeExceptionally(QueueException.of(e));
      }
    });
    return out;
  }
}
