package io.synod.server.service;

/**
 * A request a service refused, with an HTTP status, a short machine-readable error code and a
 * human-readable detail. Refusals never change state.
 */
public final class ServiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;

  /**
   * Creates the refusal.
   *
   * @param status the HTTP status it maps to
   * @param error the error code, for example {@code lock_held}
   * @param detail what happened
   */
  public ServiceException(int status, String error, String detail) {
    super(detail, null, false, false);
    this.status = status;
    this.error = error;
  }

  /** @return the HTTP status */
  public int status() {
    return status;
  }

  /** @return the error code */
  public String error() {
    return error;
  }
}
