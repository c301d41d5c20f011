package io.synod.raft.log;

/**
 * What a log entry carries.
 *
 * @since 1.0
 */
public enum EntryType {
  /** A state machine command, applied through {@link io.synod.raft.spi.StateMachine#apply}. */
  COMMAND,
  /** An empty entry a new leader appends to commit entries of earlier terms (Raft §5.4.2). */
  NOOP,
  /** A membership configuration; its data is the encoded configuration. */
  CONFIGURATION;

  private static final EntryType[] VALUES = values();

  /** The type with the given {@link #ordinal()}, as written in durable logs. */
  public static EntryType fromCode(int code) {
    if (code < 0 || code >= VALUES.length) {
      throw new IllegalArgumentException("unknown entry type code " + code);
    }
    return VALUES[code];
  }
}
