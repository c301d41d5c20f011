package io.synod.transport.http.queue;

import io.synod.queue.QueueException;
import io.synod.queue.QueueRequest;
import io.synod.queue.spi.QueueRequestHandler;
import io.synod.queue.spi.QueueTransport;
import io.synod.transport.http.ClientRequest;
import io.synod.transport.http.HttpClientOptions;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpError;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.Json;
import io.synod.transport.http.PeerUnreachableException;
import io.synod.transport.http.RequestHandler;
import io.synod.transport.http.Router;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link QueueTransport} over HTTP: each request is POSTed as JSON (see {@link QueueJson}) to
 * {@code /internal/queue/<kind>} on the target node, whose {@link #register registered} handler
 * runs it on its local {@link QueueRequestHandler} and answers {@code {"result": ...}}.
 *
 * <p>A {@link QueueException} raised by the remote handler travels as the status of its code
 * with {@code {"error": "<CODE>", "detail": "<message>"}} and is rebuilt on this side with the
 * same code. A peer that is unreachable, a lost connection or a timeout completes the stage with
 * {@code QueueException(UNAVAILABLE)}; the stage never hangs: each request's timeout is the base
 * timeout plus the request's long-poll wait. {@link #send} never blocks.
 *
 * <p>Use a pool built with {@link #recommendedClientOptions()}: several connections per peer and
 * no pipelining, because a long-polling consume holds its connection.
 */
public final class HttpQueueTransport implements QueueTransport {
  private static final Logger LOG = LoggerFactory.getLogger(HttpQueueTransport.class);

  /** Route prefix of forwarded queue requests. */
  public static final String PATH_PREFIX = "/internal/queue/";
  /** Default timeout added to each request's long-poll wait. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClientPool pool;
  private final Duration timeout;
  private final ConcurrentMap<String, URI> peers = new ConcurrentHashMap<>();

  /**
   * Creates a transport.
   *
   * @param pool the client pool (not closed by this transport)
   * @param peers base URIs ({@code http://host:port}) of the nodes, keyed by node id
   * @param timeout timeout of a request beyond its long-poll wait
   */
  public HttpQueueTransport(HttpClientPool pool, Map<String, URI> peers, Duration timeout) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.peers.putAll(peers);
  }

  /**
   * Client options for queue forwarding: up to 64 connections per peer, no pipelining.
   *
   * @return the options
   */
  public static HttpClientOptions recommendedClientOptions() {
    return HttpClientOptions.builder()
        .maxConnectionsPerPeer(64)
        .maxPipelinedPerConnection(1)
        .connectTimeout(Duration.ofSeconds(1))
        .backoff(Duration.ofMillis(50), Duration.ofSeconds(2))
        .build();
  }

  /**
   * Adds or replaces a node's address. Thread-safe.
   *
   * @param node node id
   * @param baseUri its {@code http://host:port}
   */
  public void addPeer(String node, URI baseUri) {
    peers.put(node, baseUri);
  }

  /**
   * Removes a node's address. Thread-safe.
   *
   * @param node node id
   */
  public void removePeer(String node) {
    peers.remove(node);
  }

  @Override
  public <R> CompletionStage<R> send(String node, QueueRequest<R> request) {
    URI peer = peers.get(node);
    if (peer == null) {
      return CompletableFuture.failedFuture(
          new QueueException(QueueException.Code.UNAVAILABLE, "no address for queue node " + node));
    }
    byte[] body;
    try {
      body = QueueJson.encodeRequest(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(QueueException.of(e));
    }
    long waitMillis =
        request instanceof QueueRequest.Consume ? ((QueueRequest.Consume) request).waitMillis() : 0;
    ClientRequest http =
        ClientRequest.of("POST", PATH_PREFIX + QueueJson.kind(request))
            .body(body, HttpResponse.JSON)
            .timeout(timeout.plusMillis(Math.max(0, waitMillis)));
    CompletableFuture<R> out = new CompletableFuture<>();
    pool.send(peer, http)
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                out.completeExceptionally(unavailable(node, error));
                return;
              }
              try {
                if (response.isSuccess()) {
                  out.complete(QueueJson.decodeAnswer(request, response.body()));
                } else {
                  out.completeExceptionally(remoteError(node, response));
                }
              } catch (Exception e) {
                out.completeExceptionally(
                    new QueueException(
                        QueueException.Code.UNAVAILABLE,
                        "bad answer from queue node " + node + ": " + e.getMessage(),
                        e));
              }
            });
    return out;
  }

  private static QueueException unavailable(String node, Throwable error) {
    Throwable c = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    String why;
    if (c instanceof PeerUnreachableException) {
      why = "is unreachable";
    } else if (c instanceof TimeoutException) {
      why = "did not answer in time";
    } else {
      why = "failed: " + c.getMessage();
    }
    return new QueueException(QueueException.Code.UNAVAILABLE, "queue node " + node + " " + why, c);
  }

  private static QueueException remoteError(String node, HttpResponse response) {
    String code = null;
    String detail = response.bodyAsString();
    try {
      var tree = Json.mapper().readTree(response.body());
      if (tree != null && tree.hasNonNull("error")) {
        code = tree.get("error").asText();
        detail = tree.path("detail").asText("");
      }
    } catch (java.io.IOException | RuntimeException e) {
      // Not our JSON error shape: keep the raw body as the detail.
    }
    for (QueueException.Code c : QueueException.Code.values()) {
      if (c.name().equals(code)) {
        return new QueueException(c, detail);
      }
    }
    QueueException.Code fallback =
        response.status() == 400 || response.status() == 413
            ? QueueException.Code.INVALID_ARGUMENT
            : QueueException.Code.UNAVAILABLE;
    return new QueueException(
        fallback, "queue node " + node + " answered " + response.status() + ": " + detail);
  }

  /**
   * Registers {@code POST /internal/queue/{kind}} on a router.
   *
   * @param router the node's router
   * @param local the node's queue request handler; must not block
   */
  public static void register(Router router, QueueRequestHandler local) {
    router.post(PATH_PREFIX + "{kind}", handler(local));
  }

  /**
   * The inbound handler: decodes the request (400 when malformed or when the path does not name
   * its type), runs it locally and answers 200 {@code {"result": ...}}, or the status of a
   * {@link QueueException}'s code with {@code {"error": "<CODE>", "detail": ...}}.
   *
   * @param local the node's queue request handler
   * @return the handler
   */
  public static RequestHandler handler(QueueRequestHandler local) {
    return request -> {
      QueueRequest<?> q = QueueJson.decodeRequest(request.body());
      String kind = request.pathParam("kind");
      if (kind != null && !kind.equals(QueueJson.kind(q))) {
        throw new HttpError(400, "invalid_body",
            "path names '" + kind + "' but the body is a " + QueueJson.kind(q));
      }
      CompletionStage<?> answer;
      try {
        answer = local.handle(q);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      return answer.handle(
          (value, error) -> {
            if (error == null) {
              return HttpResponse.of(200, HttpResponse.JSON, QueueJson.encodeAnswer(value));
            }
            QueueException qe = QueueException.of(error);
            if (qe.code() == QueueException.Code.UNAVAILABLE) {
              LOG.debug("queue request {} failed here: {}", q, qe.getMessage());
            }
            return HttpResponse.error(
                qe.code().httpStatus(), qe.code().name(), String.valueOf(qe.getMessage()));
          });
    };
  }
}
