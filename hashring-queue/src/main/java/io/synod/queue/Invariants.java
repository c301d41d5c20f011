package io.synod.queue;

/** Always-on invariant checks of the queue module; a failed check is a bug, never bad input. */
public final class Invariants {
  private Invariants() {}

  /**
   * Checks an internal invariant.
   *
   * @param condition must be true
   * @param message what broke, for the exception
   * @throws IllegalStateException when the condition is false
   */
  public static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException("invariant violated: " + message);
    }
  }
}
