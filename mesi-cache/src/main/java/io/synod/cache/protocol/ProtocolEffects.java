package io.synod.cache.protocol;

import io.synod.cache.CacheValue;

/**
 * The outputs of a {@link ProtocolNode}: what the runtime or the simulator must do for it. All
 * methods are called on the node's core thread and must not block; results come back as calls to
 * the node ({@link ProtocolNode#memoryReadDone}, {@link ProtocolNode#memoryWriteDone}).
 */
public interface ProtocolEffects {
  /**
   * Sends a message to {@code message.to()} (which may be this node).
   *
   * @param message the message
   */
  void send(CacheMessage message);

  /**
   * Starts a main-memory read; the answer must come back through
   * {@link ProtocolNode#memoryReadDone} with the same token.
   *
   * @param token identifies the read
   * @param key the key
   */
  void memoryRead(long token, String key);

  /**
   * Starts a main-memory write; completion must come back through
   * {@link ProtocolNode#memoryWriteDone} with the same token.
   *
   * @param token identifies the write
   * @param key the key
   * @param value the value
   */
  void memoryWrite(long token, String key, CacheValue value);

  /**
   * A local operation finished.
   *
   * @param opId the id given when it was submitted
   * @param result the outcome
   */
  void complete(long opId, OpResult result);

  /**
   * A local operation failed.
   *
   * @param opId the id given when it was submitted
   * @param error why
   */
  void fail(long opId, RuntimeException error);

  /**
   * Observation hook: a write took effect in this node's line (used by the simulator's
   * data-value checker). Default: nothing.
   *
   * @param key the key
   * @param value the value now in the line
   */
  default void writeApplied(String key, CacheValue value) {}

  /**
   * Observation hook: this home gave up a copy it could not take back (its holder was declared
   * down and its lease ran out, or restarted), or rebuilt an entry without hearing from a member
   * declared down ({@code holder} null). Under write-back the holder's unwritten data is lost
   * there, as with a crash; the simulator's linearizability checker allows memory's value to
   * come back at that point. Default: nothing.
   *
   * @param key the key
   * @param holder the holder given up, or null
   */
  default void revoked(String key, String holder) {}

  /**
   * Observation hook: this home rebuilt the directory entry of {@code key} (its Collect round
   * ended) and serves the key from now on. Default: nothing.
   *
   * @param key the key
   */
  default void rebuilt(String key) {}
}
