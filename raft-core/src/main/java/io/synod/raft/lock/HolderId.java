package io.synod.raft.lock;

import java.util.Comparator;
import java.util.Objects;

/**
 * Who holds or waits for a lock: an owner name inside a session. Session {@link #NO_SESSION}
 * ({@code 0}) is the owner-only style of the first system's HTTP API: such holds have no lease and
 * last until released.
 *
 * <p>Ordered by session, then owner, so iteration over holders is the same on every replica.
 *
 * @param sessionId the session the owner acts in, or {@link #NO_SESSION}
 * @param owner the owner name within the session; must not be null
 * @since 1.0
 */
public record HolderId(long sessionId, String owner) implements Comparable<HolderId> {

  /** The session id of owner-only (legacy, lease-free) holds. */
  public static final long NO_SESSION = 0L;

  private static final Comparator<HolderId> ORDER =
      Comparator.comparingLong(HolderId::sessionId).thenComparing(HolderId::owner);

  /** Checks the owner is present. */
  public HolderId {
    Objects.requireNonNull(owner, "owner");
  }

  /**
   * An owner-only holder, as the legacy API ({@code requester_id}/{@code owner_id}) names it.
   *
   * @param owner the owner id
   * @return the holder with no session
   */
  public static HolderId ownerOnly(String owner) {
    return new HolderId(NO_SESSION, owner);
  }

  @Override
  public int compareTo(HolderId o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return sessionId == NO_SESSION ? owner : owner + "@" + sessionId;
  }
}
