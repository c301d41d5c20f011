package io.synod.transport.http.client;

import java.time.Duration;

/**
 * A lock session: locks acquired under it last as long as it is kept alive (see {@link
 * LockCommands#keepAlive(String)}) and are all freed when it expires or is closed.
 *
 * @param sessionId the id the server gave it
 * @param ttl its lease; keep it alive more often than this
 */
public record LockSession(String sessionId, Duration ttl) {}
