package io.synod.transport.http;

/**
 * Told when a peer of an {@link HttpClientPool} changes reachability: once when a connect fails
 * while the peer had no open connection, once when a connect succeeds again. Never once per
 * failed request. The pool logs the same transitions (one WARN, one INFO).
 *
 * <p>Called on the peer's event loop: implementations must not block.
 */
public interface PeerStateListener {
  /**
   * The peer became unreachable.
   *
   * @param peer {@code host:port}
   * @param cause the connect failure
   */
  void peerUnreachable(String peer, Throwable cause);

  /**
   * The peer is reachable again.
   *
   * @param peer {@code host:port}
   */
  void peerReachable(String peer);
}
