package io.synod.queue.spi;

import io.synod.queue.QueueRequest;
import java.util.concurrent.CompletionStage;

/** The receiving side of a {@link QueueTransport}: a queue node. */
@FunctionalInterface
public interface QueueRequestHandler {
  /**
   * Handles a request that arrived from another node.
   *
   * @param request the request
   * @param <R> the answer type
   * @return the answer; failures as {@code QueueException}
   */
  <R> CompletionStage<R> handle(QueueRequest<R> request);
}
