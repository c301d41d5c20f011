package io.synod.transport.http;

import java.io.IOException;

/**
 * Completes requests for a peer that cannot be connected to at the moment. The pool keeps
 * reconnecting in the background with exponential backoff; requests submitted meanwhile fail
 * fast with this exception instead of waiting. Such a request was never sent.
 */
public class PeerUnreachableException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String peer;

  /**
   * Creates the exception.
   *
   * @param peer {@code host:port}
   * @param cause the last connect failure, or null
   */
  public PeerUnreachableException(String peer, Throwable cause) {
    super("peer " + peer + " is unreachable" + (cause == null ? "" : ": " + cause.getMessage()),
        cause);
    this.peer = peer;
  }

  /**
   * Returns the peer.
   *
   * @return {@code host:port}
   */
  public String peer() {
    return peer;
  }
}
