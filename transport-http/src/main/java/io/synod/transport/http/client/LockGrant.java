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
 */
public record LockGrant(
    String resource, String owner, LockMode mode, long fencingToken, long expiresAtMillis,
    String node) {
  /** The token of a grant from a server without fencing tokens (the legacy API). */
  public static final long NO_FENCING_TOKEN = -1;

  /**
   * Tells whether the grant carries a fencing token.
   *
   * @return false for a legacy grant
   */
  public boolean hasFencingToken() {
    return fencingToken != NO_FENCING_TOKEN;
  }
}
