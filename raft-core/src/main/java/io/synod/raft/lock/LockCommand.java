package io.synod.raft.lock;

import java.util.Objects;

/**
 * A command of the lock state machine, as proposed to the Raft log and encoded by {@link
 * LockCodec}. Every command carries {@link #stampMillis()}, the proposer's clock reading: the
 * state machine takes time only from these stamps (the replicated clock is the maximum stamp seen),
 * never from the replica's own clock, so every replica decides leases and timeouts alike.
 *
 * @since 1.0
 */
public sealed interface LockCommand {

  /** Wait time meaning "wait until granted, the session ends or the request is cancelled". */
  long WAIT_FOREVER = Long.MAX_VALUE;

  /** The proposer's clock reading in milliseconds when it proposed this command. */
  long stampMillis();

  /** The token of no session: owner-only holders and commands decoded from format 1. */
  String NO_TOKEN = "";

  /**
   * Opens a session with a lease of {@code ttlMillis}; the session id is the log index of this
   * command. The proposer (the leader's {@code LockService}) draws {@code sessionToken} from a
   * secure random source, so every replica stores the same unguessable token without the machine
   * generating randomness; every later command of the session must present it.
   *
   * @param stampMillis proposer clock
   * @param ttlMillis lease length; must be within the machine's {@link LockLimits}
   * @param sessionToken the session's secret; {@link #NO_TOKEN} opens a session no command can
   *     keep alive, close or act in (it only expires)
   */
  record OpenSession(long stampMillis, long ttlMillis, String sessionToken)
      implements LockCommand {
    /** Checks the token is present (it may be empty). */
    public OpenSession {
      Objects.requireNonNull(sessionToken, "sessionToken");
    }

    @Override
    public String toString() {
      return "OpenSession[stampMillis=" + stampMillis + ", ttlMillis=" + ttlMillis + "]";
    }
  }

  /**
   * Extends a session's lease to at least {@code stamp + ttl}.
   *
   * @param stampMillis proposer clock
   * @param sessionId the session
   * @param sessionToken the token of the session, compared in constant time
   */
  record KeepAlive(long stampMillis, long sessionId, String sessionToken) implements LockCommand {
    /** Checks the token is present. */
    public KeepAlive {
      Objects.requireNonNull(sessionToken, "sessionToken");
    }

    @Override
    public String toString() {
      return "KeepAlive[stampMillis=" + stampMillis + ", sessionId=" + sessionId + "]";
    }
  }

  /**
   * Closes a session: frees all its holds and drops all its waits.
   *
   * @param stampMillis proposer clock
   * @param sessionId the session
   * @param sessionToken the token of the session, compared in constant time
   */
  record CloseSession(long stampMillis, long sessionId, String sessionToken)
      implements LockCommand {
    /** Checks the token is present. */
    public CloseSession {
      Objects.requireNonNull(sessionToken, "sessionToken");
    }

    @Override
    public String toString() {
      return "CloseSession[stampMillis=" + stampMillis + ", sessionId=" + sessionId + "]";
    }
  }

  /**
   * Acquires {@code resource} in {@code mode} for {@code holder}.
   *
   * @param stampMillis proposer clock
   * @param requestId an id the proposer chooses to match the later grant or timeout event of a
   *     queued request to its caller; not interpreted by the machine
   * @param holder the session and owner asking
   * @param resource the resource name, non-empty
   * @param mode the mode, or null when the proposer sent an unknown mode (refused)
   * @param waitMillis 0 for a try-lock, {@link #WAIT_FOREVER} for no timeout, otherwise how long
   *     the request may wait in the queue before an {@link ExpireWaits} times it out
   * @param sessionToken the token of the holder's session; ignored for an owner-only holder
   */
  record Acquire(
      long stampMillis,
      long requestId,
      HolderId holder,
      String resource,
      LockMode mode,
      long waitMillis,
      String sessionToken)
      implements LockCommand {
    /** Checks the references are present (the mode may be null, see above). */
    public Acquire {
      Objects.requireNonNull(holder, "holder");
      Objects.requireNonNull(resource, "resource");
      Objects.requireNonNull(sessionToken, "sessionToken");
    }

    /**
     * An acquire without a session token, as owner-only holders send it.
     *
     * @param stampMillis proposer clock
     * @param requestId the proposer's request id
     * @param holder the holder
     * @param resource the resource
     * @param mode the mode
     * @param waitMillis the wait
     */
    public Acquire(long stampMillis, long requestId, HolderId holder, String resource,
        LockMode mode, long waitMillis) {
      this(stampMillis, requestId, holder, resource, mode, waitMillis, NO_TOKEN);
    }

    @Override
    public String toString() {
      return "Acquire[stampMillis=" + stampMillis + ", requestId=" + requestId + ", holder="
          + holder + ", resource=" + resource + ", mode=" + mode + ", waitMillis=" + waitMillis
          + "]";
    }
  }

  /**
   * Releases one count of {@code holder}'s hold on {@code resource}; when the holder only waits
   * for it, cancels that wait.
   *
   * @param stampMillis proposer clock
   * @param holder the session and owner releasing
   * @param resource the resource name
   * @param sessionToken the token of the holder's session; ignored for an owner-only holder
   */
  record Release(long stampMillis, HolderId holder, String resource, String sessionToken)
      implements LockCommand {
    /** Checks the references are present. */
    public Release {
      Objects.requireNonNull(holder, "holder");
      Objects.requireNonNull(resource, "resource");
      Objects.requireNonNull(sessionToken, "sessionToken");
    }

    /**
     * A release without a session token, as owner-only holders send it.
     *
     * @param stampMillis proposer clock
     * @param holder the holder
     * @param resource the resource
     */
    public Release(long stampMillis, HolderId holder, String resource) {
      this(stampMillis, holder, resource, NO_TOKEN);
    }

    @Override
    public String toString() {
      return "Release[stampMillis=" + stampMillis + ", holder=" + holder + ", resource="
          + resource + "]";
    }
  }

  /**
   * Expires every session whose lease ended at or before {@code stampMillis} (proposed by the
   * leader from its clock).
   *
   * @param stampMillis proposer clock, also the expiry cut-off
   */
  record ExpireSessions(long stampMillis) implements LockCommand {}

  /**
   * Times out every queued request whose deadline is at or before {@code stampMillis}.
   *
   * @param stampMillis proposer clock, also the cut-off
   */
  record ExpireWaits(long stampMillis) implements LockCommand {}

  /**
   * Proposed by a new leader before it may expire anything: extends every live session's lease to
   * at least {@code stampMillis + ttl}, so a leader change never costs a session that keeps alive
   * within its TTL (Chubby's grace period).
   *
   * @param stampMillis the new leader's clock
   */
  record GrantGrace(long stampMillis) implements LockCommand {}
}
