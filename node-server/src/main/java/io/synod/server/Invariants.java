package io.synod.server;

/** Always-on invariant checks for node-server (never {@code assert}). */
public final class Invariants {
  private Invariants() {}

  /**
   * Checks a condition that must hold.
   *
   * @param condition the condition
   * @param message what broke, when it does not hold
   * @throws IllegalStateException when the condition is false
   */
  public static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException("invariant broken: " + message);
    }
  }
}
