package io.synod.raft.lock;

/**
 * One open session.
 *
 * @param sessionId the session id (log index of its open)
 * @param ttlMillis its lease length
 * @param expiresAtMillis replicated time at or after which an expiry may end it
 * @since 1.0
 */
public record SessionView(long sessionId, long ttlMillis, long expiresAtMillis) {}
