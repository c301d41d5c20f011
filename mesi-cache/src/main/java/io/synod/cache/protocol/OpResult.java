package io.synod.cache.protocol;

import io.synod.cache.CacheValue;

/**
 * The outcome of a local operation.
 *
 * @param kind the operation
 * @param key the key
 * @param value the value read or written (null for a key never written, and for INVALIDATE)
 * @param state the line state when the operation finished
 * @param hit true when served without a coherence transaction
 */
public record OpResult(OpKind kind, String key, CacheValue value, LineState state, boolean hit) {}
