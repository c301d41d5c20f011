package io.synod.cache.spi;

/**
 * Names the home node of a key: the node whose directory serializes every transaction on it.
 *
 * <p>Contract: for a given membership every node must return the same home for the same key
 * (node-server plugs in the consistent-hash ring, switched at the same Raft log index on every
 * node); the method must be fast, must not block and must not throw for a non-null key. It is
 * called on the node's core thread.
 */
@FunctionalInterface
public interface HomeLocator {
  /**
   * Returns the id of the home node of {@code key}.
   *
   * @param key a cache key, never null
   * @return a node id, never null
   */
  String homeOf(String key);
}
