package io.synod.transport.http.client;

/**
 * How a {@link SynodClient} call fails: the server's {@code {"error", "detail"}} answer, or a
 * transport failure after the client's retry rules gave up.
 *
 * <p>{@link #status()} is the HTTP status of the final answer, or {@code 0} when no answer
 * arrived ({@link #error()} is then {@code "unreachable"}, {@code "timeout"} or {@code
 * "connection_lost"}). {@link #outcomeUnknown()} tells whether the request may have taken effect
 * although it failed: a publish that fails with it set may or may not have been published, and the
 * caller decides whether to publish again (and accept a duplicate) or not.
 *
 * <p>The errors a caller handles by kind have their own subtypes, so a {@code catch} names the
 * case instead of comparing {@link #error()} strings: {@link LockHeldException} and {@link
 * DeadlockException} (both {@link LockRefusedException}, every 409 of the lock service), {@link
 * UnknownSessionException}, {@link SessionTokenMismatchException}, {@link LimitReachedException}
 * (429 {@code topic_full} or {@code limit_reached}), {@link NotLeaderException} (503 after the
 * retries gave up) and {@link InvalidRequestException} (a malformed request; resending cannot
 * help). Any other answer is a plain {@code SynodException}.
 */
public class SynodException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;
  private final String detail;
  private final String node;
  private final boolean outcomeUnknown;

  /**
   * Creates an exception.
   *
   * @param status HTTP status, or 0 when no answer arrived
   * @param error the machine-readable code
   * @param detail the human-readable detail
   * @param node the node that answered ({@code X-Synod-Node}), or null
   * @param outcomeUnknown whether the request may have taken effect
   * @param cause the transport failure, or null
   */
  public SynodException(
      int status, String error, String detail, String node, boolean outcomeUnknown,
      Throwable cause) {
    super(message(status, error, detail, node), cause);
    this.status = status;
    this.error = error == null ? "unknown" : error;
    this.detail = detail == null ? "" : detail;
    this.node = node;
    this.outcomeUnknown = outcomeUnknown;
  }

  private static String message(int status, String error, String detail, String node) {
    return (status == 0 ? "no answer" : "HTTP " + status) + " " + error + ": " + detail
        + (node == null ? "" : " (node " + node + ")");
  }

  /**
   * Returns the HTTP status of the answer.
   *
   * @return the status, or 0 when no answer arrived
   */
  public int status() {
    return status;
  }

  /**
   * Returns the server's machine-readable code ({@code "lock_held"}, {@code "missing_field"}...)
   * or the client's for a transport failure.
   *
   * @return the code, never null
   */
  public String error() {
    return error;
  }

  /**
   * Returns the server's human-readable detail.
   *
   * @return the detail, never null
   */
  public String detail() {
    return detail;
  }

  /**
   * Returns the node that answered, from the {@code X-Synod-Node} header.
   *
   * @return the node id, or null when unknown
   */
  public String node() {
    return node;
  }

  /**
   * Tells whether the request may have taken effect although this exception reports a failure
   * (the connection was lost or timed out after the request was sent, or the server failed in a
   * way that does not say the request was refused).
   *
   * @return true when the outcome is unknown; false when the request certainly did not take effect
   */
  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }
}
