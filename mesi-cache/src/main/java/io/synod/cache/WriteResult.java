package io.synod.cache;

import io.synod.cache.protocol.LineState;

/**
 * The outcome of a write.
 *
 * @param key the key written
 * @param value the value written
 * @param state the line state after the write (M)
 * @param hit true when the node already had write permission (M or E) and sent no coherence
 *     message (a write-through still sends the value to the home)
 */
public record WriteResult(String key, CacheValue value, LineState state, boolean hit) {}
