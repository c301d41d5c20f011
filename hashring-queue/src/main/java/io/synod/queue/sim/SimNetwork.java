package io.synod.queue.sim;

import io.synod.queue.QueueException;
import io.synod.queue.QueueRequest;
import io.synod.queue.spi.QueueRequestHandler;
import io.synod.queue.spi.QueueTransport;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A seeded network in virtual time: every message (request or answer) is lost with a given
 * probability or delivered after a random delay, which also reorders them; a call that gets no
 * answer fails after a timeout. Crashed nodes neither send nor receive. Single-threaded.
 */
public final class SimNetwork {
  private final VirtualScheduler sched;
  private final SplittableRandom rnd;
  private final long minDelay;
  private final long maxDelay;
  private final long timeout;
  private double loss;
  private final Map<String, Endpoint> endpoints = new TreeMap<>();
  private long messages;
  private long dropped;

  /** One incarnation of a node: a restart makes a new one. */
  public static final class Endpoint {
    final String node;
    final QueueRequestHandler handler;
    boolean up = true;

    Endpoint(String node, QueueRequestHandler handler) {
      this.node = node;
      this.handler = handler;
    }
  }

  /**
   * A network.
   *
   * @param sched virtual time
   * @param rnd the seeded randomness
   * @param loss probability of losing each message
   * @param minDelay smallest one-way delay, ms
   * @param maxDelay largest one-way delay, ms
   * @param timeout how long a caller waits for an answer, ms
   */
  public SimNetwork(VirtualScheduler sched, SplittableRandom rnd, double loss, long minDelay,
      long maxDelay, long timeout) {
    this.sched = sched;
    this.rnd = rnd;
    this.loss = loss;
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.timeout = timeout;
  }

  /**
   * Sets the loss probability (0 heals the network).
   *
   * @param loss probability
   */
  public void setLoss(double loss) {
    this.loss = loss;
  }

  /**
   * Attaches a node incarnation, replacing any previous one of that id.
   *
   * @param node the id
   * @param handler its request handler
   * @return the endpoint
   */
  public Endpoint attach(String node, QueueRequestHandler handler) {
    Endpoint e = new Endpoint(node, handler);
    endpoints.put(node, e);
    return e;
  }

  /**
   * Crashes the current incarnation of a node.
   *
   * @param node the id
   */
  public void crash(String node) {
    Endpoint e = endpoints.get(node);
    if (e != null) {
      e.up = false;
    }
  }

  /**
   * Whether a node's current incarnation is up.
   *
   * @param node the id
   * @return true when up
   */
  public boolean isUp(String node) {
    Endpoint e = endpoints.get(node);
    return e != null && e.up;
  }

  /**
   * The transport a node incarnation uses to reach the others.
   *
   * @param from the sending incarnation
   * @return a transport
   */
  public QueueTransport transportFor(Endpoint from) {
    return new QueueTransport() {
      @Override
      public <R> CompletionStage<R> send(String node, QueueRequest<R> request) {
        return call(from, node, () -> {
          Endpoint to = endpoints.get(node);
          return to.handler.handle(request);
        });
      }
    };
  }

  private long delay() {
    return minDelay + (maxDelay > minDelay ? rnd.nextLong(maxDelay - minDelay + 1) : 0);
  }

  private boolean lose() {
    messages++;
    if (loss > 0 && rnd.nextDouble() < loss) {
      dropped++;
      return true;
    }
    return false;
  }

  /**
   * A call from a node incarnation (null: an outside client) to a node: the request travels,
   * runs on the target's current incarnation if it is up, and the answer travels back.
   *
   * @param from the caller, or null for a client that never crashes
   * @param node the target
   * @param action what runs on the target
   * @param <T> the answer type
   * @return the answer, or a failure after the timeout
   */
  public <T> CompletionStage<T> call(Endpoint from, String node,
      Supplier<CompletionStage<T>> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    sched.schedule(timeout, () -> result.completeExceptionally(
        new QueueException(QueueException.Code.UNAVAILABLE, "timeout calling " + node)));
    if (from != null && !from.up) {
      return result;
    }
    if (lose()) {
      return result;
    }
    sched.schedule(delay(), () -> {
      Endpoint to = endpoints.get(node);
      if (to == null || !to.up || (from != null && !from.up)) {
        return;
      }
      CompletionStage<T> answer;
      try {
        answer = action.get();
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete((v, t) -> {
        if (!to.up || lose()) {
          return;
        }
        sched.schedule(delay(), () -> {
          if (from != null && !from.up) {
            return;
          }
          if (t != null) {
            result.completeExceptionally(QueueException.of(t));
          } else {
            result.complete(v);
          }
        });
      });
    });
    return result;
  }

  /**
   * Messages sent so far.
   *
   * @return the count
   */
  public long messages() {
    return messages;
  }

  /**
   * Messages lost so far.
   *
   * @return the count
   */
  public long dropped() {
    return dropped;
  }
}
