package io.synod.transport.http.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.transport.http.client.RequestExecutor.Call;
import io.synod.transport.http.client.RequestExecutor.Reply;
import io.synod.transport.http.client.RequestExecutor.Safety;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The lock service: acquire and release, sessions and keep-alive. Obtain it with {@link
 * SynodClient#locks()}.
 *
 * <p>Every call goes to the {@code /v1/locks} API, which answers with fencing tokens. Against a
 * server that only has the first system's endpoints ({@code /v1} answers 404 {@code not_found})
 * the client falls back to {@code /lock/acquire} and {@code /lock/release} for the requests those
 * can express (no wait, no session, no lease) and remembers to go there directly; grants then carry
 * {@link LockGrant#NO_FENCING_TOKEN}.
 *
 * <p>Retries (see {@link SynodClient}): {@link #release}, {@link #keepAlive} and {@link
 * #closeSession} are resent after an unknown outcome; a resent release answered {@code not_held}
 * (or a resent close answered {@code unknown_session}) counts as done, since the earlier send did
 * it. {@link #acquire} and {@link #openSession} are not resent after an unknown outcome: a lock
 * may be counted per acquire (reentrancy) and a session is new state, so the caller must look
 * before trying again.
 *
 * <p>Session tokens: a session is a {@link LockSession}, which keeps the token the server issued
 * when it opened it; every call about the session or a lock held in it ({@link #keepAlive},
 * {@link #closeSession}, an acquire {@link LockRequest#withSession with the session}, {@link
 * #release(LockGrant)}) sends the token in the {@value #SESSION_TOKEN_HEADER} header. A call
 * whose token is not the session's fails with {@link SessionTokenMismatchException} (403 {@code
 * session_token_mismatch}) and changes nothing. An acquire with no session but a lease is held in
 * a session the server opens for it; its grant carries that session ({@link LockGrant#session()})
 * and {@link #release(LockGrant)} presents its token.
 *
 * <p>Leader affinity: every lock call is served by the lock leader, which any node forwards to
 * and which the answer names ({@code X-Synod-Node}). When that node is one of the client's
 * endpoints, later lock calls go to it first and skip the forwarding hop; when leadership moves,
 * the old leader forwards and the next answer points the client at the new one.
 */
public final class LockCommands {
  /** Every lock call is served by the lock leader: they share one affinity group. */
  private static final String LEADER = "lock-leader";

  /** The request header a session's token travels in. */
  public static final String SESSION_TOKEN_HEADER = "X-Synod-Session-Token";

  private final RequestExecutor exec;
  private volatile boolean legacyOnly;

  LockCommands(RequestExecutor exec) {
    this.exec = exec;
  }

  /**
   * Acquires a lock, letting the server queue the request in the resource's FIFO for at most
   * {@code request.waitTime()}.
   *
   * @param request what to acquire and how
   * @return the grant with its fencing token; fails with {@link SynodException} ({@code
   *     lock_held} when busy and the wait is zero, {@code timeout} when the wait ended first,
   *     {@code unknown_session}, {@link SessionTokenMismatchException} when the request's session
   *     token is not the session's, 4xx for bad input)
   */
  public CompletionStage<LockGrant> acquire(LockRequest request) {
    Objects.requireNonNull(request, "request");
    if (legacyOnly) {
      return legacyAcquire(request);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("owner_id", request.owner());
    body.put("mode", request.mode().wireName());
    if (request.session() != null) {
      body.put("session_id", request.session().sessionId());
    }
    if (request.ttl() != null) {
      body.put("ttl_ms", request.ttl().toMillis());
    }
    body.put("wait_ms", request.waitTime().toMillis());
    Call call = Call.post("/v1/locks/" + Paths.encode(request.resource()) + "/acquire", body,
            Safety.NOT_IDEMPOTENT)
        .plusTimeout(request.waitTime()).withAffinity(LEADER)
        .withHeader(SESSION_TOKEN_HEADER, token(request.session()));
    return exec.execute(call).thenCompose(r -> {
      if (Paths.missingRoute(r)) {
        legacyOnly = true;
        return legacyAcquire(request);
      }
      return CompletableFuture.completedFuture(grant(request, r));
    });
  }

  /**
   * Acquires a lock, waiting for at most {@code wait}, with no session and the server's default
   * lease.
   *
   * @param resource the resource
   * @param owner the owner
   * @param mode the mode
   * @param wait how long the server may queue the request; zero to fail at once when busy
   * @return the grant; see {@link #acquire(LockRequest)}
   */
  public CompletionStage<LockGrant> acquire(
      String resource, String owner, LockMode mode, Duration wait) {
    return acquire(LockRequest.of(resource, owner).withMode(mode).withWait(wait));
  }

  /**
   * Acquires a lock only if it is free for this request now.
   *
   * @param request what to acquire (its wait is ignored: zero)
   * @return the grant, or empty when the lock is busy; other refusals fail with {@link
   *     SynodException}
   */
  public CompletionStage<Optional<LockGrant>> tryAcquire(LockRequest request) {
    return acquire(request.withWait(Duration.ZERO)).handle((g, e) -> {
      if (e == null) {
        return Optional.of(g);
      }
      Throwable c = RequestExecutor.unwrap(e);
      if (c instanceof LockHeldException) {
        return Optional.empty();
      }
      throw c instanceof RuntimeException re ? re : new SynodException(
          0, "client_error", String.valueOf(c.getMessage()), null, false, c);
    });
  }

  /**
   * Acquires a lock only if it is free now, with no session and the server's default lease.
   *
   * @param resource the resource
   * @param owner the owner
   * @param mode the mode
   * @return the grant, or empty when busy
   */
  public CompletionStage<Optional<LockGrant>> tryAcquire(
      String resource, String owner, LockMode mode) {
    return tryAcquire(LockRequest.of(resource, owner).withMode(mode));
  }

  /**
   * Releases the owner's hold on a resource when it is held in no session (an acquire with a zero
   * TTL, or the legacy API). Resent after an unknown outcome. A hold in a session needs the
   * session's token: use {@link #release(LockGrant)} or {@link #release(String, String,
   * LockSession)}.
   *
   * @param resource the resource
   * @param owner the owner that acquired it
   * @return completes when released; fails with {@link SynodException} {@code not_held} when the
   *     owner does not hold it, {@link SessionTokenMismatchException} when the owner's hold is in a
   *     session (its token was not presented)
   */
  public CompletionStage<Void> release(String resource, String owner) {
    return release(resource, owner, null);
  }

  /**
   * Releases the hold a grant gave, presenting the token of the session it is held in (the
   * request's, or the lease session the server opened for it). Resent after an unknown outcome.
   *
   * @param grant the grant of {@link #acquire}
   * @return completes when released; fails as {@link #release(String, String, LockSession)}
   */
  public CompletionStage<Void> release(LockGrant grant) {
    Objects.requireNonNull(grant, "grant");
    return release(grant.resource(), grant.owner(), grant.session());
  }

  /**
   * Releases the owner's hold on a resource in a session. Resent after an unknown outcome.
   *
   * @param resource the resource
   * @param owner the owner that acquired it
   * @param session the session it is held in, or null for a hold in none
   * @return completes when released; fails with {@link SynodException} {@code not_held} when the
   *     owner does not hold it, {@link SessionTokenMismatchException} when the token is not the
   *     session's
   */
  public CompletionStage<Void> release(String resource, String owner, LockSession session) {
    LockRequest.requireName(resource, "resource");
    LockRequest.requireName(owner, "owner");
    if (legacyOnly) {
      return legacyRelease(resource, owner);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("owner_id", owner);
    if (session != null) {
      body.put("session_id", session.sessionId());
    }
    Call call = Call.post("/v1/locks/" + Paths.encode(resource) + "/release", body,
            Safety.IDEMPOTENT).withAffinity(LEADER)
        .withHeader(SESSION_TOKEN_HEADER, token(session));
    return exec.execute(call).thenCompose(r -> {
      if (Paths.missingRoute(r)) {
        legacyOnly = true;
        return legacyRelease(resource, owner);
      }
      releasedOrThrow(r);
      return CompletableFuture.completedFuture(null);
    });
  }

  /**
   * Opens a session. Not resent after an unknown outcome (an orphan session would expire after
   * its TTL, holding nothing).
   *
   * @param ttl its lease; keep it alive more often than this
   * @return the session, with the token the server issued for it
   */
  public CompletionStage<LockSession> openSession(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive");
    }
    Call call = Call.post("/v1/sessions", Map.of("ttl_ms", ttl.toMillis()), Safety.NOT_IDEMPOTENT)
        .withAffinity(LEADER);
    return exec.execute(call).thenApply(r -> {
      JsonNode b = r.orThrow();
      return new LockSession(b.path("session_id").asText(),
          Duration.ofMillis(b.path("ttl_ms").asLong(ttl.toMillis())),
          b.path("session_token").asText(""));
    });
  }

  /**
   * Extends a session's lease by its TTL from now. Resent after an unknown outcome.
   *
   * @param session the session
   * @return the new end of the lease by the server's clock (epoch ms); fails with {@link
   *     SynodException} {@code unknown_session} when it has expired (its locks are gone), {@link
   *     SessionTokenMismatchException} when the token is not the session's
   */
  public CompletionStage<Long> keepAlive(LockSession session) {
    Objects.requireNonNull(session, "session");
    Call call = Call.post("/v1/sessions/" + Paths.encode(session.sessionId()) + "/keepalive",
            null, Safety.IDEMPOTENT).withAffinity(LEADER)
        .withHeader(SESSION_TOKEN_HEADER, token(session));
    return exec.execute(call).thenApply(r -> r.orThrow().path("expires_at").asLong());
  }

  /**
   * Keeps a session alive in the background, sending {@link #keepAlive} every {@code interval}
   * until the returned handle is closed. Pick an interval well under the session's TTL (a third
   * of it leaves room for two failed keep-alives).
   *
   * @param session the session
   * @param interval time between keep-alives, positive
   * @return the running keep-alive; its {@link SessionKeepAlive#lost()} fails when the session
   *     expired anyway, or when the server refuses its token
   */
  public SessionKeepAlive keepAliveEvery(LockSession session, Duration interval) {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive");
    }
    SessionKeepAlive k = new SessionKeepAlive(session, interval, this::keepAlive, exec);
    k.start();
    return k;
  }

  /**
   * Closes a session, freeing every lock held under it. Resent after an unknown outcome.
   *
   * @param session the session
   * @return completes when closed; fails with {@link SessionTokenMismatchException} when the
   *     token is not the session's
   */
  public CompletionStage<Void> closeSession(LockSession session) {
    Objects.requireNonNull(session, "session");
    Call call = new Call("DELETE", "/v1/sessions/" + Paths.encode(session.sessionId()), null,
            Safety.IDEMPOTENT, Duration.ZERO).withAffinity(LEADER)
        .withHeader(SESSION_TOKEN_HEADER, token(session));
    return exec.execute(call).thenApply(r -> {
      if (!(r.resent() && r.is(404, "unknown_session"))) {
        r.orThrow();
      }
      return null;
    });
  }

  // ---- the first system's endpoints --------------------------------------------------------

  private CompletionStage<LockGrant> legacyAcquire(LockRequest request) {
    if (!request.waitTime().isZero() || request.session() != null || request.ttl() != null) {
      return CompletableFuture.failedFuture(new SynodException(404, "not_found",
          "the server has no /v1 lock API and /lock/acquire cannot wait, hold a session or set"
              + " a lease", null, false, null));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("resource_id", request.resource());
    body.put("mode", request.mode().wireName());
    body.put("requester_id", request.owner());
    return exec.execute(Call.post("/lock/acquire", body, Safety.NOT_IDEMPOTENT)
            .withAffinity(LEADER))
        .thenApply(r -> grant(request, r));
  }

  private CompletionStage<Void> legacyRelease(String resource, String owner) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("resource_id", resource);
    body.put("owner_id", owner);
    return exec.execute(Call.post("/lock/release", body, Safety.IDEMPOTENT).withAffinity(LEADER))
        .thenApply(r -> {
      releasedOrThrow(r);
      return null;
    });
  }

  private static void releasedOrThrow(Reply r) {
    // a resent release that finds the lock free: the send whose answer was lost released it
    if (r.resent() && r.is(409, "not_held")) {
      return;
    }
    r.orThrow();
  }

  /** The token header's value for a session, or null (no header) for none or an empty one. */
  private static String token(LockSession session) {
    return session == null || !session.hasToken() ? null : session.token();
  }

  private static LockGrant grant(LockRequest request, Reply r) {
    JsonNode b = r.orThrow();
    LockSession session = request.session();
    String opened = b.path("session_token").asText(null);
    if (session == null && opened != null && b.path("session_id").isTextual()) {
      // the server opened a lease session for this hold alone: releasing needs its token
      long ttl = b.path("ttl_ms").asLong(request.ttl() == null ? 0 : request.ttl().toMillis());
      session = new LockSession(b.path("session_id").asText(), Duration.ofMillis(ttl), opened);
    }
    return new LockGrant(
        b.path("resource_id").asText(request.resource()),
        b.path("owner_id").asText(request.owner()),
        LockMode.fromWire(b.path("mode").asText(null), request.mode()),
        b.path("fencing_token").asLong(LockGrant.NO_FENCING_TOKEN),
        b.path("expires_at").asLong(0),
        r.node(),
        session);
  }
}
