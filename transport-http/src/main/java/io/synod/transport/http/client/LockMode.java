package io.synod.transport.http.client;

import java.util.Locale;

/** How a lock is held: by many readers at once, or by one writer. */
public enum LockMode {
  /** Compatible with other shared holders. */
  SHARED,
  /** Compatible with nothing. */
  EXCLUSIVE;

  /**
   * The name on the wire.
   *
   * @return {@code "shared"} or {@code "exclusive"}
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static LockMode fromWire(String s, LockMode fallback) {
    if (s == null) {
      return fallback;
    }
    return "shared".equalsIgnoreCase(s) ? SHARED : "exclusive".equalsIgnoreCase(s) ? EXCLUSIVE
        : fallback;
  }
}
