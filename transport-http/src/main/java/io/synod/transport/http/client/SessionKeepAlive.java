package io.synod.transport.http.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a lock session alive in the background until closed; from {@link
 * LockCommands#keepAliveEvery(LockSession, Duration)}.
 *
 * <p>A keep-alive is sent every interval (the next one is scheduled when the previous answer
 * arrives, so they never overlap). A failed keep-alive that does not say the session is gone (a
 * node down, a timeout) is simply tried again at the next interval, while the session's TTL may
 * still cover it. When the server answers 404 {@code unknown_session}, the session has expired and
 * every lock held under it is gone: {@link #lost()} then fails with that {@link SynodException}
 * and keeping alive stops. The application must stop acting on those locks. A refused token (403
 * {@code session_token_mismatch}, {@link SessionTokenMismatchException}) stops it the same way:
 * no resend with that token can keep the session alive.
 */
public final class SessionKeepAlive implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionKeepAlive.class);

  private final LockSession session;
  private final long intervalMillis;
  private final Function<LockSession, CompletionStage<Long>> keepAlive;
  private final RequestExecutor exec;
  private final CompletableFuture<Void> lost = new CompletableFuture<>();
  private final AtomicLong expiresAtMillis = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private volatile boolean closed;
  private volatile ScheduledFuture<?> next;

  SessionKeepAlive(LockSession session, Duration interval,
      Function<LockSession, CompletionStage<Long>> keepAlive, RequestExecutor exec) {
    this.session = session;
    this.intervalMillis = Math.max(1, interval.toMillis());
    this.keepAlive = keepAlive;
    this.exec = exec;
  }

  void start() {
    tick();
  }

  private void tick() {
    if (closed) {
      return;
    }
    sent.incrementAndGet();
    keepAlive.apply(session).whenComplete((expiry, e) -> {
      if (e == null) {
        expiresAtMillis.set(expiry);
      } else {
        Throwable c = RequestExecutor.unwrap(e);
        if (c instanceof UnknownSessionException se) {
          LOG.warn("session {} expired; its locks are gone: {}", session.sessionId(),
              se.detail());
          closed = true;
          lost.completeExceptionally(se);
          return;
        }
        if (c instanceof SessionTokenMismatchException se) {
          LOG.warn("session {} refused this client's token; stop using its locks: {}",
              session.sessionId(), se.detail());
          closed = true;
          lost.completeExceptionally(se);
          return;
        }
        LOG.debug("keep-alive of session {} failed, trying again: {}", session.sessionId(),
            c.toString());
      }
      schedule();
    });
  }

  private void schedule() {
    if (closed) {
      return;
    }
    try {
      next = exec.schedule(this::tick, intervalMillis);
    } catch (RejectedExecutionException clientClosed) {
      closed = true;
      lost.complete(null);
    }
  }

  /**
   * The session's id.
   *
   * @return the id
   */
  public String sessionId() {
    return session.sessionId();
  }

  /**
   * The session kept alive.
   *
   * @return the session
   */
  public LockSession session() {
    return session;
  }

  /**
   * The end of the lease the last successful keep-alive obtained (server clock, epoch ms).
   *
   * @return the lease end, or 0 before the first answer
   */
  public long expiresAtMillis() {
    return expiresAtMillis.get();
  }

  /**
   * How many keep-alives have been sent.
   *
   * @return the count
   */
  public long sentCount() {
    return sent.get();
  }

  /**
   * Completes normally when keeping alive stops by {@link #close()} (or the client closing), and
   * exceptionally with {@link SynodException} {@code unknown_session} when the session was lost,
   * or {@link SessionTokenMismatchException} when the server refused the session's token.
   *
   * @return the stage
   */
  public CompletionStage<Void> lost() {
    return lost;
  }

  /** Stops keeping the session alive (it is not closed: it expires after its TTL). */
  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> n = next;
    if (n != null) {
      n.cancel(false);
    }
    lost.complete(null);
  }
}
