package io.synod.cache.spi;

import io.synod.cache.protocol.CacheMessage;

/**
 * Carries coherence messages between nodes.
 *
 * <p>Contract: {@link #send} must not block and must not throw; it is called on the sending
 * node's core thread. Delivery may be delayed and reordered; a message may be lost only when its
 * sender or receiver crashes. When a message cannot be delivered because the peer is down, the
 * transport (or the membership service) must eventually report it through the runtime's
 * {@code nodeDown} so the home can clean its directory. The receiving side must hand each
 * message to the receiving node's runtime ({@code CacheNode.receive}).
 */
@FunctionalInterface
public interface CacheTransport {
  /**
   * Sends {@code message} to {@code message.to()} without blocking.
   *
   * @param message the message, never null
   */
  void send(CacheMessage message);
}
