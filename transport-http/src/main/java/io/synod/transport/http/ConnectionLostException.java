package io.synod.transport.http;

import java.io.IOException;

/**
 * Completes a request whose connection closed before its response arrived. The request may or
 * may not have been processed by the peer; the pool resends only idempotent requests, once.
 */
public class ConnectionLostException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was lost
   */
  public ConnectionLostException(String message) {
    super(message);
  }
}
