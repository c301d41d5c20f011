package io.synod.server.service;

import java.util.Locale;

/** How a lock is held: many shared holders, or one exclusive holder. */
public enum LockMode {
  /** Compatible with other shared holders. */
  SHARED,
  /** Compatible with nothing else. */
  EXCLUSIVE;

  /**
   * Parses {@code shared} or {@code exclusive}, case-insensitively.
   *
   * @param text the text
   * @return the mode, or {@code null} when it names neither
   */
  public static LockMode parse(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "shared", "read" -> SHARED;
      case "exclusive", "write" -> EXCLUSIVE;
      default -> null;
    };
  }

  /** @return the lower-case name used on the wire */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
