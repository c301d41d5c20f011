package io.synod.transport.http.client;

import java.time.Duration;
import java.util.Objects;

/**
 * A lock session: locks acquired under it last as long as it is kept alive (see {@link
 * LockCommands#keepAlive(LockSession)}) and are all freed when it expires or is closed.
 *
 * <p>The session's token is its secret: the server draws it (128 random bits) when it opens the
 * session and asks for it on every keep-alive, close, and acquire or release in the session, so
 * a client that knows only the session id (ids are small numbers, easy to guess) can neither keep
 * it alive nor release its locks. The client sends it in the {@code X-Synod-Session-Token} header
 * for every call made with this object. Keep the object, not the id: it is all a holder needs,
 * and {@link #toString()} leaves the token out so it does not end up in logs.
 *
 * @param sessionId the id the server gave it
 * @param ttl its lease; keep it alive more often than this
 * @param token the session's token as the server returned it; empty for a server that issues
 *     none (such a session can only expire)
 */
public record LockSession(String sessionId, Duration ttl, String token) {
  /** Checks the fields are present. */
  public LockSession {
    LockRequest.requireName(sessionId, "sessionId");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(token, "token");
  }

  /**
   * Tells whether the server issued a token for this session.
   *
   * @return false for a session from a server without session tokens
   */
  public boolean hasToken() {
    return !token.isEmpty();
  }

  /** The id and TTL; never the token. */
  @Override
  public String toString() {
    return "LockSession[sessionId=" + sessionId + ", ttl=" + ttl + "]";
  }
}
