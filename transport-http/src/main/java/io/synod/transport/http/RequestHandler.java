package io.synod.transport.http;

import java.util.concurrent.CompletionStage;

/**
 * Handles one routed request.
 *
 * <p>Handlers run on a Netty event loop: they must not block (no I/O waits, no {@code join()}, no
 * locks held for long). Slow work must be started asynchronously and its completion returned as
 * the stage. Throwing (or completing exceptionally) with an {@link HttpError} answers with its
 * status; any other exception answers 500 and is logged.
 */
@FunctionalInterface
public interface RequestHandler {
  /**
   * Handles a request.
   *
   * @param request the request; its body is already fully read
   * @return the response, possibly completed later on any thread
   * @throws Exception to answer with an error (see the type's contract)
   */
  CompletionStage<HttpResponse> handle(HttpRequestView request) throws Exception;
}
