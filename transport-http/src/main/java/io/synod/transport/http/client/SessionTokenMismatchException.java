package io.synod.transport.http.client;

/**
 * The server refused a session call because the {@link LockSession#token()} presented is not the
 * session's (403 {@code session_token_mismatch}): the token is missing, forged, or from another
 * session. Nothing changed on the server. Resending with the same token cannot succeed; a holder
 * that made its {@link LockSession} from {@link LockCommands#openSession} never sees this, so it
 * means a mix-up of sessions or someone acting in a session that is not theirs.
 */
public final class SessionTokenMismatchException extends SynodException {
  private static final long serialVersionUID = 1L;

  /** The server's error code for this refusal. */
  public static final String CODE = "session_token_mismatch";

  /**
   * Creates the exception.
   *
   * @param detail the server's detail
   * @param node the node that answered, or null
   */
  public SessionTokenMismatchException(String detail, String node) {
    super(403, CODE, detail, node, false, null);
  }
}
