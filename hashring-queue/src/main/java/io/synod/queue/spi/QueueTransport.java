package io.synod.queue.spi;

import io.synod.queue.QueueRequest;
import java.util.concurrent.CompletionStage;

/**
 * How a queue node reaches another: forwarded client requests and replication. node-server
 * implements it over HTTP ({@code /internal/queue}); {@code InMemoryQueueTransport} serves tests
 * and single-JVM clusters; the simulation plugs in a lossy seeded network.
 *
 * <p>Implementations must deliver the request to the named node's {@link QueueRequestHandler}
 * and complete the stage with its answer; a failure the handler reports as a {@code
 * QueueException} must arrive as a {@code QueueException} with the same code. The stage must
 * complete exceptionally, never hang, when the node is unreachable or does not answer within the
 * transport's timeout (which must exceed the longest long poll).
 */
@FunctionalInterface
public interface QueueTransport {
  /**
   * Sends a request to a node.
   *
   * @param node the target node id
   * @param request the request
   * @param <R> the answer type
   * @return the answer
   */
  <R> CompletionStage<R> send(String node, QueueRequest<R> request);
}
