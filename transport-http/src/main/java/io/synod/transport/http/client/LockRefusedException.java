package io.synod.transport.http.client;

/**
 * The lock service refused an acquire or release (409): {@code lock_held}, {@code deadlock},
 * {@code timeout} (not granted within the wait), {@code not_held}, {@code upgrade_conflict},
 * {@code already_waiting} or {@code wait_ended}. Nothing changed on the server; {@link #error()}
 * names the rule. The two a caller most often handles have their own types: {@link
 * LockHeldException} and {@link DeadlockException}.
 */
public class LockRefusedException extends SynodException {
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
  public LockRefusedException(int status, String error, String detail, String node, boolean outcomeUnknown) {
    super(status, error, detail, node, outcomeUnknown, null);
  }
}
