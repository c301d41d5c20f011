package io.synod.raft.storage;

/**
 * Tuning of a {@link FileRaftLogStore}.
 *
 * @param segmentBytes the size at which the active segment is closed and a new one started; a
 *     record is never split, so a segment may exceed this by one record. Must be in {@code [1,
 *     1 GiB]}.
 * @param cacheBytes how many bytes of the newest entries ({@link
 *     io.synod.raft.log.LogEntry#sizeBytes()}) stay in memory; older entries are read back from
 *     their segment when asked for. Must not be negative.
 * @param writeBufferBytes the size of the buffer that collects records between writes to the
 *     file; at least 4096
 * @param maxEntryBytes the largest payload one entry may carry; larger appends are refused. Must
 *     be between 1 and {@code 256 MiB}.
 * @since 1.0
 */
public record FileLogOptions(
    long segmentBytes, long cacheBytes, int writeBufferBytes, int maxEntryBytes) {

  /** The largest payload any store accepts, whatever the options say. */
  public static final int MAX_ENTRY_BYTES_LIMIT = 256 << 20;

  /** The largest segment size any store accepts. */
  public static final long MAX_SEGMENT_BYTES = 1L << 30;

  /** Checks the values. */
  public FileLogOptions {
    if (segmentBytes < 1 || segmentBytes > MAX_SEGMENT_BYTES) {
      throw new IllegalArgumentException("segmentBytes must be in [1, 1 GiB]: " + segmentBytes);
    }
    if (cacheBytes < 0) {
      throw new IllegalArgumentException("cacheBytes must be >= 0: " + cacheBytes);
    }
    if (writeBufferBytes < 4096) {
      throw new IllegalArgumentException("writeBufferBytes must be >= 4096: " + writeBufferBytes);
    }
    if (maxEntryBytes < 1 || maxEntryBytes > MAX_ENTRY_BYTES_LIMIT) {
      throw new IllegalArgumentException("maxEntryBytes must be in [1, 256 MiB]: "
          + maxEntryBytes);
    }
  }

  /** 64 MiB segments, 64 MiB entry cache, 1 MiB write buffer, 16 MiB largest entry. */
  public static FileLogOptions defaults() {
    return new FileLogOptions(64L << 20, 64L << 20, 1 << 20, 16 << 20);
  }

  /** These options with another segment size. */
  public FileLogOptions withSegmentBytes(long bytes) {
    return new FileLogOptions(bytes, cacheBytes, writeBufferBytes, maxEntryBytes);
  }

  /** These options with another cache budget. */
  public FileLogOptions withCacheBytes(long bytes) {
    return new FileLogOptions(segmentBytes, bytes, writeBufferBytes, maxEntryBytes);
  }

  /** These options with another write buffer size. */
  public FileLogOptions withWriteBufferBytes(int bytes) {
    return new FileLogOptions(segmentBytes, cacheBytes, bytes, maxEntryBytes);
  }

  /** These options with another largest entry payload. */
  public FileLogOptions withMaxEntryBytes(int bytes) {
    return new FileLogOptions(segmentBytes, cacheBytes, writeBufferBytes, bytes);
  }
}
