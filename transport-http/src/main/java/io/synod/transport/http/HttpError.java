package io.synod.transport.http;

/**
 * An error a request handler throws (or completes its stage with) to answer with a given status
 * and the JSON body {@code {"error": "...", "detail": "..."}}.
 *
 * <p>{@code error} is a short machine-readable code (for example {@code "bad_request"}); {@code
 * detail} is a sentence for humans. Any other exception escaping a handler becomes a 500.
 */
public class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;
  private final String detail;

  /**
   * Creates an error.
   *
   * @param status HTTP status; must be 400..599
   * @param error short machine-readable code
   * @param detail human-readable explanation
   */
  public HttpError(int status, String error, String detail) {
    super(status + " " + error + ": " + detail);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("not an error status: " + status);
    }
    this.status = status;
    this.error = error;
    this.detail = detail == null ? "" : detail;
  }

  /**
   * A 400 with code {@code bad_request}.
   *
   * @param detail human-readable explanation
   * @return the error
   */
  public static HttpError badRequest(String detail) {
    return new HttpError(400, "bad_request", detail);
  }

  /**
   * A 404 with code {@code not_found}.
   *
   * @param detail human-readable explanation
   * @return the error
   */
  public static HttpError notFound(String detail) {
    return new HttpError(404, "not_found", detail);
  }

  /**
   * A 409 with code {@code conflict}.
   *
   * @param detail human-readable explanation
   * @return the error
   */
  public static HttpError conflict(String detail) {
    return new HttpError(409, "conflict", detail);
  }

  /**
   * A 503 with code {@code unavailable}.
   *
   * @param detail human-readable explanation
   * @return the error
   */
  public static HttpError unavailable(String detail) {
    return new HttpError(503, "unavailable", detail);
  }

  /**
   * Returns the HTTP status.
   *
   * @return the status code
   */
  public int status() {
    return status;
  }

  /**
   * Returns the machine-readable code.
   *
   * @return the code
   */
  public String error() {
    return error;
  }

  /**
   * Returns the human-readable detail.
   *
   * @return the detail, never null
   */
  public String detail() {
    return detail;
  }

  /**
   * Renders this error as a JSON response.
   *
   * @return the response
   */
  public HttpResponse toResponse() {
    return HttpResponse.error(status, error, detail);
  }
}
