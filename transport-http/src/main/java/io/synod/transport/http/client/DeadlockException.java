package io.synod.transport.http.client;

/**
 * Waiting for the lock would close a cycle of holders waiting for each other (409 {@code
 * deadlock}); the request was refused so that the cycle never forms. Release what this holder
 * holds, then retry.
 */
public final class DeadlockException extends LockRefusedException {
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
  public DeadlockException(int status, String error, String detail, String node, boolean outcomeUnknown) {
    super(status, error, detail, node, outcomeUnknown);
  }
}
