package io.synod.transport.http.client;

/**
 * A bound of the cluster refused the request (429): {@code topic_full} (the topic holds its bound of
 * messages some consumer group still needs) or {@code limit_reached} (a per-node bound on topics,
 * groups, consumers, pending deliveries, sessions or lock resources); the detail names the bound.
 * Nothing changed; retry after consumers catch up or an operator raises the setting.
 */
public final class LimitReachedException extends SynodException {
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
  public LimitReachedException(int status, String error, String detail, String node, boolean outcomeUnknown) {
    super(status, error, detail, node, outcomeUnknown, null);
  }
}
