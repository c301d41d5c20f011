package io.synod.queue;

/**
 * A queue request that failed, with a code a REST layer maps to a status. A request refused with
 * {@link Code#INVALID_ARGUMENT}, {@link Code#NOT_FOUND}, {@link Code#QUEUE_FULL}, {@link
 * Code#STALE_RECEIPT}, {@link Code#GONE}, {@link Code#CONFLICT} or {@link Code#LIMIT_REACHED}
 * changed nothing.
 */
public final class QueueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a request failed. */
  public enum Code {
    /** Bad input: empty or over-long names, bad ids, counts out of range. HTTP 400. */
    INVALID_ARGUMENT(400),
    /** The message is not pending for that group (unknown, acked, or held by another). 404. */
    NOT_FOUND(404),
    /** The topic is at its length limit and nothing can be trimmed safely. HTTP 429. */
    QUEUE_FULL(429),
    /**
     * A receipt handle names an older delivery: the message is pending under a newer one (its
     * visibility timeout ran out and it went to a consumer again). Nothing changed. HTTP 409.
     */
    STALE_RECEIPT(409),
    /** A receipt handle names a message no longer pending in the group. Nothing changed. 410. */
    GONE(410),
    /** The request conflicts with the current state (a consumer still holds messages). 409. */
    CONFLICT(409),
    /** A per-node bound on topics, groups, consumers or pending entries is reached. HTTP 429. */
    LIMIT_REACHED(429),
    /** This node does not own the topic and the request was forwarded already. HTTP 421. */
    NOT_OWNER(421),
    /** Storage, replication or the owner could not be reached; safe to retry. HTTP 503. */
    UNAVAILABLE(503);

    private final int httpStatus;

    Code(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    /**
     * The HTTP status a REST layer should answer with.
     *
     * @return the status
     */
    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Code code;

  /**
   * Creates it.
   *
   * @param code the code
   * @param message a clear message naming the bad value
   */
  public QueueException(Code code, String message) {
    super(message);
    this.code = code;
  }

  /**
   * Creates it with a cause.
   *
   * @param code the code
   * @param message the message
   * @param cause the cause
   */
  public QueueException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /**
   * The code.
   *
   * @return why it failed
   */
  public Code code() {
    return code;
  }

  /**
   * The queue failure behind a throwable (unwrapping completion wrappers); anything that is not a
   * queue failure becomes {@link Code#UNAVAILABLE}, an {@link IllegalArgumentException} becomes
   * {@link Code#INVALID_ARGUMENT}.
   *
   * @param t a failure
   * @return the queue failure
   */
  public static QueueException of(Throwable t) {
    Throwable c = t;
    while ((c instanceof java.util.concurrent.CompletionException
        || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof QueueException q) {
      return q;
    }
    if (c instanceof IllegalArgumentException) {
      return new QueueException(Code.INVALID_ARGUMENT, c.getMessage(), c);
    }
    return new QueueException(Code.UNAVAILABLE, String.valueOf(c.getMessage()), c);
  }
}
