package io.synod.transport.http.client;

/**
 * No node could serve the call when the client gave up retrying (503 {@code no_leader}, {@code
 * not_leader} or {@code not_owner}): a Raft group was electing a leader, or a topic was moving,
 * for longer than the retries lasted. {@link #outcomeUnknown()} tells whether an earlier send may
 * have taken effect.
 */
public final class NotLeaderException extends SynodException {
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
  public NotLeaderException(int status, String error, String detail, String node, boolean outcomeUnknown) {
    super(status, error, detail, node, outcomeUnknown, null);
  }
}
