package io.synod.transport.http.client;

/**
 * A granted lock with its ordering fact: the fencing token.
 *
 * <p>The fencing token strictly increases per resource with every new grant, so a storage system
 * guarded by the lock can refuse a write carrying a token lower than one it has already seen (the
 * write of a holder that paused past its lease). A server without the {@code /v1} API grants
 * without tokens; {@link #fencingToken()} is then {@link #NO_FENCING_TOKEN}.
 *
 * @param resource the resource
 * @param owner the owner the lock is held for
 * @param mode the mode held
 * @param fencingToken the token, or {@link #NO_FENCING_TOKEN}
 * @param expiresAtMillis end of the lease by the server's clock (epoch ms), or 0 for none (a
 *     session's locks last as long as the session)
 * @param node the node that granted it ({@code X-Synod-Node}), or null
 * @param session the session the lock is held in: the request's, or the lease session the server
 *     opened for this hold alone (an acquire without session and with a lease); null for a hold
 *     with no session (no lease, or the legacy API). {@link LockCommands#release(LockGrant)} uses
 *     it to present the session's token
 */
public record LockGrant(
    String resource, String owner, LockMode mode, long fencingToken, long expiresAtMillis,
    String node, LockSession session) {
  /** The token of a grant from a server without fencing tokens (the legacy API). */
  public static final long NO_FENCING_TOKEN = -1;

  /**
   * A grant held in no session.
   *
   * @param resource the resource
   * @param owner the owner
   * @param mode the mode
   * @param fencingToken the token, or {@link #NO_FENCING_TOKEN}
   * @param expiresAtMillis end of the lease, or 0
   * @param node the node that granted it, or null
   */
  public LockGrant(String resource, String owner, LockMode mode, long fencingToken,
      long expiresAtMillis, String node) {
    this(resource, owner, mode, fencingToken, expiresAtMillis, node, null);
  }

  /**
   * Tells whether the grant carries a fencing token.
   *
   * @return false for a legacy grant
   */
  public boolean hasFencingToken() {
    return fencingToken != NO_FENCING_TOKEN;
  }
}
