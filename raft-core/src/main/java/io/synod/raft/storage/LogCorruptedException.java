package io.synod.raft.storage;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Thrown when a durable Raft log holds damage that recovery must not repair on its own: a bad
 * record followed by valid ones, a bad record in a segment that is not the last, a missing
 * segment, or a record whose content breaks the log's rules. A torn tail (the unsynced end of
 * the last segment) is never reported this way: recovery truncates it.
 *
 * <p>A node that gets this exception must not start its Raft member (it must neither vote nor
 * lead) until an operator has repaired or replaced the log, for example by restoring the node
 * from a snapshot and letting the leader send it the rest.
 *
 * @since 1.0
 */
public final class LogCorruptedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The damaged file. */
  private final transient Path file;
  private final long offset;

  /**
   * Creates the exception.
   *
   * @param file the damaged file; must not be null
   * @param offset the byte offset of the first bad byte or record in {@code file}
   * @param detail what is wrong
   */
  public LogCorruptedException(Path file, long offset, String detail) {
    super("raft log corrupted: " + file + " at offset " + offset + ": " + detail
        + " (refusing to start: repair or replace the log)");
    this.file = Objects.requireNonNull(file, "file");
    this.offset = offset;
  }

  /** The damaged file. */
  public Path file() {
    return file;
  }

  /** The byte offset in {@link #file()} where the damage starts. */
  public long offset() {
    return offset;
  }
}
