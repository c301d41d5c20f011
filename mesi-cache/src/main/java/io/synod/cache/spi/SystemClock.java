package io.synod.cache.spi;

/** The JVM's monotonic clock, {@code System.nanoTime()}. */
public final class SystemClock implements Clock {
  /** The single instance. */
  public static final SystemClock INSTANCE = new SystemClock();

  private SystemClock() {}

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }
}
