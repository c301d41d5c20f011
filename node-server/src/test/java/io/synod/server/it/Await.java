package io.synod.server.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waiting for a condition in integration tests. */
final class Await {
  private Await() {}

  static void until(Duration bound, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + bound.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("not within " + bound + ": " + what, last);
  }
}
