package io.synod.raft.lock;

import java.util.Locale;
import java.util.Optional;

/**
 * The mode of a lock hold: any number of {@link #SHARED} holders together, or one {@link
 * #EXCLUSIVE} holder alone.
 *
 * @since 1.0
 */
public enum LockMode {
  /** Compatible with other shared holds (readers). */
  SHARED((byte) 1),
  /** Compatible with nothing (a writer). */
  EXCLUSIVE((byte) 2);

  private final byte code;

  LockMode(byte code) {
    this.code = code;
  }

  /** The one-byte wire code of this mode, stable across versions. */
  public byte code() {
    return code;
  }

  /**
   * Whether a hold in this mode may coexist with a hold in {@code other} by another owner.
   *
   * @param other the mode of the other hold
   * @return true only when both are shared
   */
  public boolean compatibleWith(LockMode other) {
    return this == SHARED && other == SHARED;
  }

  /**
   * Decodes a wire code.
   *
   * @param code the byte written by {@link #code()}
   * @return the mode, or empty for an unknown code
   */
  public static Optional<LockMode> fromCode(byte code) {
    for (LockMode m : values()) {
      if (m.code == code) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /**
   * Parses the API spelling ({@code shared} or {@code exclusive}, any case).
   *
   * @param text the mode as a user wrote it; may be null
   * @return the mode, or empty when the text names no mode
   */
  public static Optional<LockMode> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "shared":
        return Optional.of(SHARED);
      case "exclusive":
        return Optional.of(EXCLUSIVE);
      default:
        return Optional.empty();
    }
  }

  /** The API spelling: {@code shared} or {@code exclusive}. */
  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
