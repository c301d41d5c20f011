package io.synod.transport.http.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.transport.http.ClientRequest;
import io.synod.transport.http.ConnectionLostException;
import io.synod.transport.http.HttpClientPool;
import io.synod.transport.http.HttpResponse;
import io.synod.transport.http.Json;
import io.synod.transport.http.PeerUnreachableException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one call of the {@link SynodClient} with its redirect, failover and retry rules.
 *
 * <p>Implementation notes:
 *
 * <ol>
 *   <li>A call is resent freely when the earlier send certainly did not take effect: the connect
 *       failed ({@link PeerUnreachableException}: the request was never written), the node
 *       answered with a redirect (307/308 with {@code Location}), 421, or a 503 whose code says it
 *       refused before doing anything ({@link #REFUSALS}, the codes {@code PublicApi} answers when
 *       it cannot forward to the leader or owner).
 *   <li>When the outcome is unknown (the connection was lost or timed out after the request was
 *       written, or a 5xx that is not a refusal, including {@code node_unavailable}, whose
 *       forwarder may have lost the owner's answer), only {@link Safety#IDEMPOTENT} calls are sent
 *       again; the others fail with {@link SynodException#outcomeUnknown()} set.
 *   <li>A redirect or hint goes straight to the named node; anything else moves to the next
 *       endpoint of the list. After a whole round over the list the next send waits a backoff
 *       (scheduled on the event loop, never a sleep), doubling per round.
 *   <li>The endpoint that last answered is where the next call starts (sticky), so a dead first
 *       endpoint costs one failed connect, then nothing.
 * </ol>
 */
final class RequestExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(RequestExecutor.class);

  /** Response header naming the node that served a request. */
  static final String NODE_HEADER = "X-Synod-Node";

  /** 503 codes that mean "refused before doing anything; ask elsewhere". */
  static final Set<String> REFUSALS =
      Set.of("not_owner", "not_leader", "no_lock_node", "no_queue_node", "no_cache_node");

  /** Response headers that may name the node to ask instead, as a URL. */
  private static final List<String> HINT_HEADERS =
      List.of("Location", "X-Synod-Leader", "X-Synod-Owner");

  /** Whether a call may be sent again after an unknown outcome. */
  enum Safety {
    /** Sending it twice has the effect of sending it once (reads, release by owner, ack...). */
    IDEMPOTENT,
    /** Sending it twice may do it twice (publish, acquire, open session...). */
    NOT_IDEMPOTENT
  }

  /**
   * One call.
   *
   * @param method HTTP method
   * @param target path and query
   * @param body JSON body value, or null for none
   * @param safety whether it may be resent after an unknown outcome
   * @param extraTimeout added to the request timeout (a server-side wait), or zero
   * @param affinity a group of calls served by one node (the lock leader), or null
   * @param headers request headers of this call alone (a session token), sent on every resend
   */
  record Call(String method, String target, Object body, Safety safety, Duration extraTimeout,
      String affinity, Map<String, String> headers) {
    Call {
      headers = Map.copyOf(headers);
    }

    Call(String method, String target, Object body, Safety safety, Duration extraTimeout) {
      this(method, target, body, safety, extraTimeout, null, Map.of());
    }

    static Call get(String target) {
      return new Call("GET", target, null, Safety.IDEMPOTENT, Duration.ZERO);
    }

    static Call post(String target, Object body, Safety safety) {
      return new Call("POST", target, body, safety, Duration.ZERO);
    }

    Call plusTimeout(Duration extra) {
      return new Call(method, target, body, safety, extra, affinity, headers);
    }

    /** A copy that starts at the node that served the last call of this affinity group. */
    Call withAffinity(String group) {
      return new Call(method, target, body, safety, extraTimeout, group, headers);
    }

    /** A copy that also sends header {@code name}; a null value leaves the call as it is. */
    Call withHeader(String name, String value) {
      if (value == null) {
        return this;
      }
      Map<String, String> h = new java.util.LinkedHashMap<>(headers);
      h.put(name, value);
      return new Call(method, target, body, safety, extraTimeout, affinity, h);
    }

    /** Leaves the headers' values (a session token is a secret) out of logs. */
    @Override
    public String toString() {
      return "Call[" + method + " " + target + ", safety=" + safety + ", affinity=" + affinity
          + ", headers=" + headers.keySet() + "]";
    }
  }

  /**
   * The final answer to a call: a success or a definite error answer.
   *
   * @param response the answer
   * @param endpoint where it came from
   * @param resent whether an earlier send of this call had an unknown outcome (so an error such as
   *     {@code not_held} may be the echo of that earlier send having worked)
   */
  record Reply(HttpResponse response, URI endpoint, boolean resent) {
    boolean ok() {
      return response.isSuccess();
    }

    int status() {
      return response.status();
    }

    String node() {
      return response.header(NODE_HEADER);
    }

    /** The body as JSON; an empty or non-JSON body is an empty object. */
    JsonNode json() {
      byte[] b = response.body();
      if (b.length == 0) {
        return Json.object();
      }
      try {
        return Json.mapper().readTree(b);
      } catch (IOException e) {
        return Json.object();
      }
    }

    /** The server's error code, or {@code http_<status>} when the body carries none. */
    String errorCode() {
      JsonNode e = json().path("error");
      return e.isTextual() ? e.asText() : "http_" + status();
    }

    boolean is(int status, String code) {
      return status() == status && errorCode().equals(code);
    }

    /** The body of a success; throws the error of any other answer. */
    JsonNode orThrow() {
      if (!ok()) {
        throw toException();
      }
      return json();
    }

    SynodException toException() {
      JsonNode body = json();
      JsonNode d = body.path("detail");
      String detail;
      if (d.isTextual()) {
        detail = d.asText();
      } else {
        String text = response.bodyAsString();
        detail = text.length() > 200 ? text.substring(0, 200) + "..." : text;
      }
      boolean unknown = resent || status() >= 500 && !isRefusal(response);
      return errorFor(status(), errorCode(), detail, node(), unknown);
    }
  }

  private final HttpClientPool pool;
  private final SynodClientOptions options;
  private final List<URI> endpoints;
  private final AtomicInteger preferred = new AtomicInteger();
  /** Node id to its base URI when that is a configured endpoint; empty when it is not. */
  private final ConcurrentMap<String, Optional<URI>> members = new ConcurrentHashMap<>();
  /** Affinity group to the endpoint that served it last. */
  private final ConcurrentMap<String, URI> affinity = new ConcurrentHashMap<>();
  private volatile boolean closed;

  RequestExecutor(HttpClientPool pool, SynodClientOptions options) {
    this.pool = pool;
    this.options = options;
    this.endpoints = options.endpoints();
  }

  /**
   * Sends a call.
   *
   * @param call the call
   * @return its final answer (success or definite error); fails with {@link SynodException} when
   *     no answer can be had under the retry rules
   */
  CompletionStage<Reply> execute(Call call) {
    Attempt a = new Attempt(call);
    a.send();
    return a.result;
  }

  void close() {
    closed = true;
  }

  /** Runs a task after a delay on the client's event loop; fails once the client is closed. */
  java.util.concurrent.ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
    if (closed) {
      throw new RejectedExecutionException("the client is closed");
    }
    return pool.eventLoops().group().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
  }

  /** The endpoint the next call starts at. */
  URI preferredEndpoint() {
    return endpoints.get(preferred.get());
  }

  /**
   * Points an affinity group at the node that served it, when that node is one of the configured
   * endpoints: later calls of the group go there first and skip the forwarding hop. Node ids are
   * mapped to URIs through {@code GET /v1/cluster}, asked once per unknown id; a member whose URL
   * is not a configured endpoint (for example a container-internal name) is never used.
   */
  private CompletionStage<Void> learn(String group, String node) {
    Optional<URI> known = members.get(node);
    if (known != null) {
      known.ifPresentOrElse(u -> affinity.put(group, u), () -> affinity.remove(group));
      return CompletableFuture.completedFuture(null);
    }
    return refreshMembers().thenRun(() -> {
      Optional<URI> u = members.computeIfAbsent(node, n -> Optional.empty());
      u.ifPresentOrElse(x -> affinity.put(group, x), () -> affinity.remove(group));
    });
  }

  private CompletionStage<Void> refreshMembers() {
    return execute(Call.get("/v1/cluster")).handle((r, e) -> {
      if (e == null && r.ok()) {
        for (JsonNode m : r.json().path("members")) {
          String id = m.path("node_id").asText(null);
          URI u = asEndpoint(URI.create("http://unknown"), m.path("url").asText(null));
          if (id != null) {
            members.put(id, Optional.ofNullable(u).filter(endpoints::contains));
          }
        }
      }
      return null;
    });
  }

  /**
   * The typed exception for a server's error answer: the subclass of {@link SynodException} its
   * status and code name, or {@code SynodException} itself for any other.
   *
   * @param status the HTTP status
   * @param code the server's error code
   * @param detail the server's detail
   * @param node the node that answered, or null
   * @param unknown whether the call may have taken effect (earlier sends included)
   * @return the exception to fail the call with
   */
  static SynodException errorFor(int status, String code, String detail, String node,
      boolean unknown) {
    switch (status) {
      case 400, 413, 414, 415, 422, 431:
        return new InvalidRequestException(status, code, detail, node, unknown);
      case 403:
        if (SessionTokenMismatchException.CODE.equals(code)) {
          // a definite refusal that changed nothing, whatever happened to earlier sends
          return new SessionTokenMismatchException(detail, node);
        }
        break;
      case 404:
        if ("unknown_session".equals(code)) {
          return new UnknownSessionException(status, code, detail, node, unknown);
        }
        break;
      case 409:
        return switch (code) {
          case "lock_held" -> new LockHeldException(status, code, detail, node, unknown);
          case "deadlock" -> new DeadlockException(status, code, detail, node, unknown);
          case "timeout", "not_held", "upgrade_conflict", "already_waiting", "wait_ended" ->
              new LockRefusedException(status, code, detail, node, unknown);
          default -> new SynodException(status, code, detail, node, unknown, null);
        };
      case 429:
        if ("topic_full".equals(code) || "limit_reached".equals(code)) {
          return new LimitReachedException(status, code, detail, node, unknown);
        }
        break;
      case 503:
        if ("no_leader".equals(code) || "not_leader".equals(code) || "not_owner".equals(code)) {
          return new NotLeaderException(status, code, detail, node, unknown);
        }
        break;
      default:
        break;
    }
    return new SynodException(status, code, detail, node, unknown, null);
  }

  static boolean isRefusal(HttpResponse r) {
    if (r.status() == 421) {
      return true;
    }
    if (r.status() != 503) {
      return false;
    }
    String code = new Reply(r, null, false).errorCode();
    return REFUSALS.contains(code) || code.startsWith("no_") && code.endsWith("_node");
  }

  /** The state of one call across its sends; touched by one send's completion at a time. */
  private final class Attempt {
    final Call call;
    final ClientRequest request;
    final CompletableFuture<Reply> result = new CompletableFuture<>();
    int sent;
    int index;
    URI target;
    int triedThisRound;
    int round;
    boolean resent;
    Reply lastReply;
    Throwable lastFailure;

    Attempt(Call call) {
      this.call = call;
      ClientRequest r = ClientRequest.of(call.method(), call.target());
      if (options.apiKey() != null) {
        r = r.header("Authorization", "Bearer " + options.apiKey());
      }
      for (Map.Entry<String, String> h : call.headers().entrySet()) {
        r = r.header(h.getKey(), h.getValue());
      }
      if (call.body() != null) {
        r = r.body(Json.write(call.body()), HttpResponse.JSON);
      }
      this.request = r.timeout(options.requestTimeout().plus(call.extraTimeout()));
      URI served = call.affinity() == null ? null : affinity.get(call.affinity());
      this.index = served != null ? endpoints.indexOf(served) : preferred.get();
      this.target = endpoints.get(index);
    }

    void send() {
      if (closed) {
        result.completeExceptionally(
            new SynodException(0, "closed", "the client is closed", null, resent, null));
        return;
      }
      sent++;
      URI to = target;
      pool.send(to, request).whenComplete((r, e) -> {
        try {
          if (e != null) {
            onFailure(to, unwrap(e));
          } else {
            onResponse(to, r);
          }
        } catch (RuntimeException bug) {
          result.completeExceptionally(bug);
        }
      });
    }

    void onResponse(URI to, HttpResponse r) {
      int s = r.status();
      if (r.isSuccess()) {
        remember(to);
        finish(new Reply(r, to, resent));
        return;
      }
      Reply reply = new Reply(r, to, resent);
      if (s == 307 || s == 308) {
        URI loc = hint(to, r);
        if (loc != null) {
          lastReply = reply;
          LOG.debug("{} {}: redirected by {} to {}", call.method(), call.target(), to, loc);
          goTo(loc);
          return;
        }
      }
      if (isRefusal(r)) {
        lastReply = reply;
        lastFailure = null;
        URI h = hint(to, r);
        LOG.debug("{} {}: {} refused with {} {}, hint {}", call.method(), call.target(), to, s,
            reply.errorCode(), h);
        if (h != null && !h.equals(to)) {
          goTo(h);
        } else {
          next();
        }
        return;
      }
      if (s >= 500) {
        lastReply = reply;
        lastFailure = null;
        unknownOutcome(to, reply.toException());
        return;
      }
      // a definite answer from a node that served the call: the caller maps it
      remember(to);
      finish(reply);
    }

    /** Completes, first learning which endpoint serves the call's affinity group. */
    void finish(Reply r) {
      String node = r.node();
      if (call.affinity() == null || node == null) {
        result.complete(r);
        return;
      }
      learn(call.affinity(), node).whenComplete((v, e) -> result.complete(r));
    }

    void onFailure(URI to, Throwable e) {
      if (e instanceof PeerUnreachableException) {
        // never written to the wire: safe to send anywhere else, whatever the call
        lastFailure = e;
        lastReply = null;
        LOG.debug("{} {}: {} unreachable, trying the next endpoint", call.method(),
            call.target(), to);
        next();
        return;
      }
      if (e instanceof TimeoutException || e instanceof IOException) {
        lastFailure = e;
        lastReply = null;
        unknownOutcome(to, e);
        return;
      }
      // rejected locally (closed pool, full queue, bad URI): the request was not sent
      result.completeExceptionally(new SynodException(0, "client_error",
          String.valueOf(e.getMessage()), null, resent, e));
    }

    void unknownOutcome(URI to, Throwable why) {
      if (call.safety() == Safety.IDEMPOTENT) {
        resent = true;
        LOG.debug("{} {}: outcome at {} unknown ({}), sending again", call.method(),
            call.target(), to, why.toString());
        next();
      } else {
        giveUp(true);
      }
    }

    /** Moves to the next endpoint, pausing after a whole round. */
    void next() {
      if (sent >= options.maxAttempts()) {
        giveUp(false);
        return;
      }
      index = (index + 1) % endpoints.size();
      target = endpoints.get(index);
      triedThisRound++;
      if (triedThisRound < endpoints.size()) {
        send();
        return;
      }
      triedThisRound = 0;
      long delayMillis = Math.min(options.retryBackoffMax().toMillis(),
          options.retryBackoff().toMillis() << Math.min(round, 20));
      round++;
      try {
        pool.eventLoops().group().schedule(this::send, delayMillis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        giveUp(false);
      }
    }

    /** Sends to a node named by a redirect or hint, at once. */
    void goTo(URI node) {
      if (sent >= options.maxAttempts()) {
        giveUp(false);
        return;
      }
      int i = endpoints.indexOf(node);
      if (i >= 0) {
        index = i;
      }
      target = node;
      send();
    }

    void giveUp(boolean unknownNow) {
      if (lastReply != null && lastFailure == null) {
        Reply r = new Reply(lastReply.response(), lastReply.endpoint(), resent || unknownNow);
        if (r.ok()) {
          result.complete(r);
        } else {
          result.completeExceptionally(r.toException());
        }
        return;
      }
      Throwable e = lastFailure;
      String code = e instanceof PeerUnreachableException ? "unreachable"
          : e instanceof TimeoutException ? "timeout"
          : e instanceof ConnectionLostException ? "connection_lost"
          : "io_error";
      String detail = call.method() + " " + call.target() + " after " + sent + " send(s): "
          + (e == null ? "no answer" : e.getMessage());
      result.completeExceptionally(
          new SynodException(0, code, detail, null, resent || unknownNow, e));
    }

    void remember(URI to) {
      int i = endpoints.indexOf(to);
      if (i >= 0) {
        preferred.set(i);
      }
    }
  }

  /** A redirect or hint target from the answer, resolved against the node that sent it. */
  static URI hint(URI from, HttpResponse r) {
    for (String h : HINT_HEADERS) {
      URI u = asEndpoint(from, r.header(h));
      if (u != null) {
        return u;
      }
    }
    if (r.status() == 421 || r.status() == 503) {
      JsonNode body = new Reply(r, from, false).json();
      for (String f : List.of("leader_url", "owner_url", "location")) {
        URI u = asEndpoint(from, body.path(f).asText(null));
        if (u != null) {
          return u;
        }
      }
    }
    return null;
  }

  private static URI asEndpoint(URI from, String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      URI u = from.resolve(value.trim());
      // a hint keeps the scheme the client speaks: a TLS client never follows one to plain HTTP
      if (!from.getScheme().equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
        return null;
      }
      return URI.create(from.getScheme().toLowerCase(java.util.Locale.ROOT) + "://"
          + u.getRawAuthority());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static Throwable unwrap(Throwable e) {
    Throwable c = e;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
