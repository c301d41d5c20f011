package io.synod.cache;

/** Always-on checks of the cache module (never Java {@code assert}). */
public final class Invariants {
  private Invariants() {}

  /**
   * Throws {@link IllegalStateException} when {@code condition} is false.
   *
   * @param condition what must hold
   * @param message the failure message
   */
  public static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  /**
   * Throws {@link IllegalArgumentException} when {@code condition} is false.
   *
   * @param condition what an argument must satisfy
   * @param message the failure message
   */
  public static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
