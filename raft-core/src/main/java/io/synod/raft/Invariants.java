package io.synod.raft;

/**
 * Always-on invariant checks for the Raft core (unlike {@code assert}, never switched off).
 *
 * @since 1.0
 */
public final class Invariants {

  private Invariants() {}

  /**
   * Throws {@link IllegalStateException} with {@code message} unless {@code condition} holds.
   *
   * @param condition what must be true
   * @param message what went wrong, for the exception
   */
  public static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException("raft invariant violated: " + message);
    }
  }
}
