package io.synod.transport.http.client;

/**
 * The session named does not exist (404 {@code unknown_session}): never opened, closed, or expired
 * because its keep-alives stopped. Its locks are released; open a new session.
 */
public final class UnknownSessionException extends SynodException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param status the HTTP status of the answer
   * @param error the server's code
   * @param detail the server's detail
   * @param node the node that answered, or null
   * @param outcomeUnknown whether the request may have taken effect (see {@link
   *     SynodException#outcomeUnknown()})
   */
  public UnknownSessionException(int status, String error, String detail, String node, boolean outcomeUnknown) {
    super(status, error, detail, node, outcomeUnknown, null);
  }
}
