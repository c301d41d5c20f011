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
 * @param sessionId the session to hold it under, or null for none
 * @param ttl the lease of a lock held outside a session, or null for the server's default
 * @param waitTime how long the server may queue the request in the resource's FIFO; zero to fail at
 *     once when the lock is busy
 */
public record LockRequest(
    String resource, String owner, LockMode mode, String sessionId, Duration ttl,
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
    if (sessionId != null) {
      requireName(sessionId, "sessionId");
    }
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
    return new LockRequest(resource, owner, value, sessionId, ttl, waitTime);
  }

  /**
   * @param id the session id
   * @return a copy holding the lock under this session
   */
  public LockRequest withSession(String id) {
    return new LockRequest(resource, owner, mode, id, ttl, waitTime);
  }

  /**
   * @param value the lease outside a session
   * @return a copy with this lease
   */
  public LockRequest withTtl(Duration value) {
    return new LockRequest(resource, owner, mode, sessionId, value, waitTime);
  }

  /**
   * @param value how long the server may queue the request
   * @return a copy with this wait
   */
  public LockRequest withWait(Duration value) {
    return new LockRequest(resource, owner, mode, sessionId, ttl, value);
  }

  static String requireName(String value, String what) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    return value;
  }
}
