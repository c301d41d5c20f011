package io.synod.transport.http.client;

/**
 * The server refused the request as malformed or out of range (400, 413, 414, 415, 422 or 431:
 * {@code missing_field}, {@code invalid_value}, {@code body_too_large}...). Nothing changed, and
 * resending the same request cannot succeed.
 */
public final class InvalidRequestException extends SynodException {
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
  public InvalidRequestException(int status, String error, String detail, String node, boolean outcomeUnknown) {
    super(status, error, detail, node, outcomeUnknown, null);
  }
}
