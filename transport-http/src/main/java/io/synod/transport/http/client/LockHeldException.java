package io.synod.transport.http.client;

/**
 * The lock is held in a conflicting mode by another holder and the request did not wait (409
 * {@code lock_held}). Try again later, or acquire with a wait.
 */
public final class LockHeldException extends LockRefusedException {
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
  public LockHeldException(int status, String error, String detail, String node, boolean outcomeUnknown) {
    super(status, error, detail, node, outcomeUnknown);
  }
}
