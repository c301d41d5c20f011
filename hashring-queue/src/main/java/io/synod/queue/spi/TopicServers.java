package io.synod.queue.spi;

import io.synod.queue.QueueRequest;
import java.util.concurrent.CompletionStage;

/**
 * Who serves a topic, and how this node serves one: the routing half of a queue node. Two
 * implementations: the ring owner over a shared store ({@code QueueNode}'s own, for Redis), and in
 * {@code node-server} the leader of the topic's Raft group, which serves a request by proposing it
 * as a command of the group's {@code QueueMachine}.
 *
 * <p>Methods are called from any thread and must not block.
 */
public interface TopicServers {
  /**
   * The node that serves a topic now.
   *
   * @param topic the topic
   * @return its id, or {@code null} when no node is known to serve it (no leader yet)
   */
  String serverOf(String topic);

  /**
   * Serves a request for a topic this node serves. Must complete, never hang; failures as
   * {@code QueueException} ({@code NOT_OWNER} or {@code UNAVAILABLE} when this node turned out
   * not to serve it: the caller retries).
   *
   * @param request the request
   * @param <R> the answer type
   * @return the answer
   */
  <R> CompletionStage<R> serve(QueueRequest<R> request);
}
