package io.synod.transport.http.client;

import java.time.Duration;
import java.util.Objects;

/**
 * What to acquire and how: an immutable value with {@code with*} copies, in the manner of
 * Lettuce's argument objects.
 *
 * <pre>{@code
 * LockRequest.of("orders", "worker-1").withMode(LockMode.SHARED).withWait(Duration.ofSeconds(5))
 * }</pre>
 *
 * @param resource the resource
 * @param owner the owner to hold it for; a release must name the same owner
 * @param mode shared or exclusive
 * @param session the session to hold it under (its token is presented with the acquire), or null
 *     for none
 * @param ttl the lease of a lock held outside a session, or null for the server's default
 * @param waitTime how long the server may queue the request in the resource's FIFO; zero to fail at
 *     once when the lock is busy
 */
public record LockRequest(
    String resource, String owner, LockMode mode, LockSession session, Duration ttl,
    Duration waitTime) {
  /** Validates the fields (a bad request changes no state: it is refused before sending). */
  public LockRequest {
    requireName(resource, "resource");
    requireName(owner, "owner");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(waitTime, "waitTime");
    if (waitTime.isNegative()) {
      throw new IllegalArgumentException("waitTime must not be negative");
    }
    if (ttl != null && ttl.isNegative()) {
      throw new IllegalArgumentException("ttl must not be negative");
    }
  }

  /**
   * The id of the session the lock is to be held under.
   *
   * @return the id, or null for none
   */
  public String sessionId() {
    return session == null ? null : session.sessionId();
  }

  /**
   * An exclusive lock, no session, the server's default lease, no wait.
   *
   * @param resource the resource
   * @param owner the owner
   * @return the request
   */
  public static LockRequest of(String resource, String owner) {
    return new LockRequest(resource, owner, LockMode.EXCLUSIVE, null, null, Duration.ZERO);
  }

  /**
   * @param value the mode
   * @return a copy with this mode
   */
  public LockRequest withMode(LockMode value) {
    return new LockRequest(resource, owner, value, session, ttl, waitTime);
  }

  /**
   * @param value the session, as {@link LockCommands#openSession} returned it (with its token)
   * @return a copy holding the lock under this session
   */
  public LockRequest withSession(LockSession value) {
    return new LockRequest(resource, owner, mode, value, ttl, waitTime);
  }

  /**
   * @param value the lease outside a session
   * @return a copy with this lease
   */
  public LockRequest withTtl(Duration value) {
    return new LockRequest(resource, owner, mode, session, value, waitTime);
  }

  /**
   * @param value how long the server may queue the request
   * @return a copy with this wait
   */
  public LockRequest withWait(Duration value) {
    return new LockRequest(resource, owner, mode, session, ttl, value);
  }

  static String requireName(String value, String what) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    return value;
  }
}
