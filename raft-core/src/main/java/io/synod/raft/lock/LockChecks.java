package io.synod.raft.lock;

/** Always-on invariant checks of the lock package (never switched off, unlike assert). */
final class LockChecks {

  private LockChecks() {}

  static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException("lock invariant violated: " + message);
    }
  }
}
