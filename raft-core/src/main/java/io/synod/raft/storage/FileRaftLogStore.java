package io.synod.raft.storage;

import io.synod.raft.Invariants;
import io.synod.raft.NodeId;
import io.synod.raft.log.EntryType;
import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import io.synod.raft.spi.RaftLogStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link RaftLogStore}: segmented, append-only, CRC32C-checked files in one directory.
 *
 * <h2>On disk</h2>
 *
 * <p>The directory holds {@code segment-<20-digit sequence>.log} files and a {@code LOCK} file
 * (an OS lock, so that two processes never open the same log). A segment starts with a 20-byte
 * header (magic, version, its sequence number, CRC32C) followed by records:
 *
 * <pre>
 *   crc32c:int  length:int  kind:byte  sub:byte  term:long  index:long  payload:byte[length-18]
 * </pre>
 *
 * <p>where the CRC32C covers the length and the body. Every change is a record appended to the
 * newest segment: an {@code ENTRY} (sub = {@link EntryType} code), a {@code HARD_STATE} (term,
 * commit index, voted-for name), a {@code SNAPSHOT} (compaction point) or a {@code SYNC} mark.
 * Truncating a conflicting suffix is itself just an {@code ENTRY} record at an index that is
 * already held: replay discards what follows it. So nothing is ever rewritten in place, and a
 * torn write can only damage the unsynced end of the newest segment; in particular a hard state
 * is never lost by a torn write, because the previous one is an earlier, synced record.
 *
 * <h2>Durability and group commit</h2>
 *
 * <p>Records are collected in a write buffer; {@link #sync()} appends a {@code SYNC} mark, writes
 * the buffer and calls {@link FileChannel#force} once, however many appends came before it (that
 * is the group commit: the Raft runtime appends all entries of a {@code Ready} and syncs once).
 * A sync with nothing new to write costs nothing. When the newest segment reaches {@link
 * FileLogOptions#segmentBytes()} the next entry starts a new segment: the full one is forced
 * first, the new one starts with the current hard state and snapshot point, and the directory is
 * forced at the next sync. Segments whose entries a durable snapshot covers are deleted at the
 * sync that makes the snapshot record durable.
 *
 * <h2>Recovery</h2>
 *
 * <p>{@link #open} replays every segment. In the last segment, a partial or checksum-failing
 * record with no valid {@code SYNC} mark anywhere after it is a torn tail: it and everything
 * after it is cut off (and logged). Pages written after the last sync may reach the disk in any
 * order, so such a tail may hold a hole with whole records after it; none of them was
 * acknowledged, because a sync acknowledges only once its {@code SYNC} mark is forced. Since
 * every sync ends with a {@code SYNC} mark, any synced record is followed by a valid mark, so a
 * damaged synced record is never mistaken for a torn tail. A bad record followed by a valid
 * {@code SYNC} mark, a bad record in an older segment, a missing segment, or a record that breaks
 * the log's rules makes {@code open} throw {@link LogCorruptedException} naming the file and
 * offset: the node must then not start its Raft member until an operator acts.
 *
 * <h2>Memory</h2>
 *
 * <p>For every held index the store keeps its term and record position (16 bytes), and keeps
 * the newest entries in memory up to {@link FileLogOptions#cacheBytes()}; older ones are read
 * back from their segment (and checked against their CRC) when asked for.
 *
 * <p>Threading: one caller thread at a time, as the {@link RaftLogStore} contract says. After an
 * I/O error the store refuses every further call (the state of the file after a failed {@code
 * fsync} is unknown); reopen it to recover.
 *
 * @since 1.0
 */
public final class FileRaftLogStore implements RaftLogStore {

  private static final Logger LOG = LoggerFactory.getLogger(FileRaftLogStore.class);

  static final int MAGIC = 0x53594E4C; // "SYNL"
  static final int VERSION = 1;
  static final int HEADER_BYTES = 20;
  static final int FRAME_OVERHEAD = 8;
  static final int BODY_FIXED = 18;
  static final int MAX_BODY = FileLogOptions.MAX_ENTRY_BYTES_LIMIT + BODY_FIXED;
  static final byte KIND_ENTRY = 1;
  static final byte KIND_HARD_STATE = 2;
  static final byte KIND_SNAPSHOT = 3;
  static final byte KIND_SYNC = 4;
  private static final int MAX_VOTED_FOR_BYTES = 4096;
  private static final Pattern SEGMENT_NAME = Pattern.compile("segment-(\\d{20})\\.log");
  private static final int OFFSET_BITS = 36;

  private final Path dir;
  private final FileLogOptions options;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final TreeMap<Long, Segment> segments;
  private final IndexTable table;
  private final ByteBuffer buffer;
  private final CRC32C crc = new CRC32C();
  private RecoveryReport recovery;
  private Segment active;
  private HardState hardState;
  private long snapshotTerm;
  private boolean directoryDirty;
  private boolean deletePending;
  private RuntimeException failure;
  private boolean closed;
  private long forces;
  private long syncs;

  /** One segment file. */
  static final class Segment {
    final long seq;
    final Path path;
    final FileChannel channel;
    /** Bytes of the segment, including those still in the write buffer. */
    long size;
    /** Bytes handed to the file. */
    long written;
    /** Bytes known to be on disk (forced). */
    long durable;

    Segment(long seq, Path path, FileChannel channel, long size) {
      this.seq = seq;
      this.path = path;
      this.channel = channel;
      this.size = size;
      this.written = size;
      this.durable = size;
    }
  }

  private FileRaftLogStore(Path dir, FileLogOptions options, FileChannel lockChannel,
      FileLock lock) {
    this.dir = dir;
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.segments = new TreeMap<>();
    this.table = new IndexTable(1);
    this.buffer = ByteBuffer.allocate(options.writeBufferBytes());
    this.hardState = HardState.EMPTY;
  }

  /**
   * Opens (creating it if needed) the log in {@code dir} with {@link FileLogOptions#defaults()}.
   *
   * @see #open(Path, FileLogOptions)
   */
  public static FileRaftLogStore open(Path dir) {
    return open(dir, FileLogOptions.defaults());
  }

  /**
   * Opens the log in {@code dir}, creating the directory and an empty log if there is none, and
   * recovers it: a torn tail of the last segment is cut off, anything else damaged makes this
   * method throw. What recovery did is logged and available from {@link #recovery()}.
   *
   * @param dir the log directory; must not be used by another open store
   * @param options tuning
   * @return the open store
   * @throws LogCorruptedException if the log is damaged in a way recovery must not repair
   * @throws UncheckedIOException if the directory cannot be read or written
   * @throws IllegalStateException if another store (in this or another process) holds the log
   */
  public static FileRaftLogStore open(Path dir, FileLogOptions options) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(options, "options");
    FileChannel lockChannel = null;
    try {
      Files.createDirectories(dir);
      lockChannel = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IllegalStateException("raft log " + dir + " is in use by another store");
      }
      FileRaftLogStore store = new FileRaftLogStore(dir, options, lockChannel, lock);
      try {
        store.recovery = store.recover();
      } catch (IOException | RuntimeException e) {
        store.closeQuietly();
        throw e;
      }
      return store;
    } catch (IOException e) {
      closeQuietly(lockChannel);
      throw new UncheckedIOException("cannot open raft log " + dir, e);
    } catch (RuntimeException e) {
      closeQuietly(lockChannel);
      throw e;
    }
  }

  /** The log directory. */
  public Path directory() {
    return dir;
  }

  /** What recovery found and did when this store was opened. */
  public RecoveryReport recovery() {
    return recovery;
  }

  /** How many times {@link FileChannel#force} was called since open (syncs and rolls). */
  public long forceCount() {
    return forces;
  }

  /** How many {@link #sync()} calls found something to make durable since open. */
  public long syncCount() {
    return syncs;
  }

  // ------------------------------------------------------------------------------------------
  // RaftLogStore

  @Override
  public HardState hardState() {
    checkOpen();
    return hardState;
  }

  @Override
  public void setHardState(HardState state) {
    Objects.requireNonNull(state, "state");
    checkOpen();
    if (state.equals(hardState)) {
      return;
    }
    byte[] voted = votedForBytes(state);
    writeRecord(KIND_HARD_STATE, (byte) 0, state.term(), state.commitIndex(), voted);
    hardState = state;
  }

  @Override
  public long firstIndex() {
    checkOpen();
    return table.first();
  }

  @Override
  public long lastIndex() {
    checkOpen();
    return table.last();
  }

  @Override
  public long snapshotTerm() {
    checkOpen();
    return snapshotTerm;
  }

  @Override
  public long term(long index) {
    checkOpen();
    if (index == table.first() - 1) {
      return snapshotTerm;
    }
    return table.term(index);
  }

  @Override
  public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
    checkOpen();
    if (fromIndex < table.first() || toIndex > table.last() + 1 || fromIndex > toIndex) {
      throw new IndexOutOfBoundsException("range [" + fromIndex + ", " + toIndex + ") outside ["
          + table.first() + ", " + (table.last() + 1) + "]");
    }
    List<LogEntry> out = new ArrayList<>((int) Math.min(toIndex - fromIndex, 1024));
    long bytes = 0;
    for (long i = fromIndex; i < toIndex; i++) {
      LogEntry e = table.cached(i);
      if (e == null) {
        e = readEntry(i);
      }
      bytes += e.sizeBytes();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public void append(List<LogEntry> entries) {
    Objects.requireNonNull(entries, "entries");
    checkOpen();
    if (entries.isEmpty()) {
      return;
    }
    long first = entries.get(0).index();
    if (first < table.first() || first > table.last() + 1) {
      throw new IndexOutOfBoundsException("append at " + first + " outside [" + table.first()
          + ", " + (table.last() + 1) + "]");
    }
    long expect = first;
    for (LogEntry e : entries) {
      if (e.index() != expect++) {
        throw new IllegalArgumentException("entries not contiguous at " + e.index());
      }
      if (e.data().length > options.maxEntryBytes()) {
        throw new IllegalArgumentException("entry " + e.index() + " carries " + e.data().length
            + " bytes, more than maxEntryBytes " + options.maxEntryBytes());
      }
    }
    for (LogEntry e : entries) {
      if (active.size >= options.segmentBytes()) {
        // a roll writes a SYNC mark naming the last index: it must name what the records on
        // disk hold, so the conflicting suffix is dropped from the table only below, once the
        // rewriting ENTRY record (which makes replay drop it too) has been written
        roll();
      }
      long offset = writeRecord(KIND_ENTRY, (byte) e.type().ordinal(), e.term(), e.index(),
          e.data());
      if (e.index() <= table.last()) {
        table.truncateFrom(e.index());
      }
      table.add(e.term(), location(active.seq, offset), e);
    }
    table.evictTo(options.cacheBytes());
  }

  @Override
  public void sync() {
    checkOpen();
    if (active.durable == active.size && !directoryDirty && !deletePending) {
      return;
    }
    syncs++;
    try {
      if (active.durable != active.size) {
        writeRecord(KIND_SYNC, (byte) 0, 0, table.last(), new byte[0]);
        flushBuffer();
        force(active);
      }
      if (directoryDirty) {
        forceDirectory();
        directoryDirty = false;
      }
      if (deletePending) {
        deleteObsoleteSegments();
      }
    } catch (IOException e) {
      throw fail("sync failed", e);
    }
  }

  @Override
  public void compact(long index, long term) {
    checkOpen();
    if (index < table.first()) {
      return;
    }
    if (term < 0) {
      throw new IllegalArgumentException("negative snapshot term " + term);
    }
    writeRecord(KIND_SNAPSHOT, (byte) 0, term, index, new byte[0]);
    table.dropThrough(index);
    snapshotTerm = term;
    deletePending = true;
  }

  /** Syncs what was written, then releases the files and the directory lock. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    try {
      if (failure == null) {
        sync();
      }
    } finally {
      closeQuietly();
    }
  }

  @Override
  public String toString() {
    return "FileRaftLogStore{" + dir + ", [" + table.first() + ", " + table.last() + "], "
        + segments.size() + " segments}";
  }

  // ------------------------------------------------------------------------------------------
  // test hooks: a crash keeps what reached the file (page cache) but loses the write buffer

  /** Hands the write buffer to the file, as a crash after a write() call would leave it. */
  void flushForTest() {
    try {
      flushBuffer();
    } catch (IOException e) {
      throw fail("write failed", e);
    }
  }

  /** Releases everything without syncing, as a crash would. */
  void abandonForTest() {
    closeQuietly();
  }

  /** The newest segment file. */
  Path activeSegmentForTest() {
    return active.path;
  }

  /** How many bytes of the newest segment are known to be on disk. */
  long activeDurableBytesForTest() {
    return active.durable;
  }

  /** Paths of all segments, oldest first. */
  List<Path> segmentPathsForTest() {
    List<Path> out = new ArrayList<>();
    for (Segment s : segments.values()) {
      out.add(s.path);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // writing

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("raft log " + dir + " is closed");
    }
    if (failure != null) {
      throw new IllegalStateException("raft log " + dir + " failed earlier; reopen it", failure);
    }
  }

  private RuntimeException fail(String what, IOException e) {
    failure = new UncheckedIOException("raft log " + dir + ": " + what, e);
    LOG.error("raft log {}: {}; refusing further use until reopened", dir, what, e);
    return failure;
  }

  private static long location(long seq, long offset) {
    Invariants.check(offset < (1L << OFFSET_BITS), "segment offset too large");
    return (seq << OFFSET_BITS) | offset;
  }

  private static byte[] votedForBytes(HardState state) {
    if (state.votedFor() == null) {
      return new byte[0];
    }
    byte[] b = state.votedFor().value().getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_VOTED_FOR_BYTES) {
      throw new IllegalArgumentException("node id longer than " + MAX_VOTED_FOR_BYTES + " bytes");
    }
    return b;
  }

  /** Appends one record to the active segment (through the buffer); returns its offset. */
  private long writeRecord(byte kind, byte sub, long term, long index, byte[] payload) {
    int frame = FRAME_OVERHEAD + BODY_FIXED + payload.length;
    long offset = active.size;
    try {
      if (buffer.remaining() < frame) {
        flushBuffer();
      }
      if (frame > buffer.capacity()) {
        ByteBuffer big = ByteBuffer.allocate(frame);
        encode(big, kind, sub, term, index, payload);
        big.flip();
        writeFully(active, big);
      } else {
        encode(buffer, kind, sub, term, index, payload);
      }
    } catch (IOException e) {
      throw fail("write failed", e);
    }
    active.size += frame;
    return offset;
  }

  private void encode(ByteBuffer b, byte kind, byte sub, long term, long index, byte[] payload) {
    int start = b.position();
    b.putInt(0);
    b.putInt(BODY_FIXED + payload.length);
    b.put(kind).put(sub).putLong(term).putLong(index).put(payload);
    crc.reset();
    crc.update(b.array(), b.arrayOffset() + start + 4, 4 + BODY_FIXED + payload.length);
    b.putInt(start, (int) crc.getValue());
  }

  private void flushBuffer() throws IOException {
    if (buffer.position() == 0) {
      return;
    }
    buffer.flip();
    writeFully(active, buffer);
    buffer.clear();
  }

  private static void writeFully(Segment s, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      s.written += s.channel.write(b, s.written);
    }
  }

  private void force(Segment s) throws IOException {
    s.channel.force(false);
    forces++;
    s.durable = s.written;
  }

  private void forceDirectory() throws IOException {
    // makes file creations and deletions durable (Linux and macOS allow this on a directory)
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
      forces++;
    }
  }

  /** Forces the full segment and starts the next one with the current state in its head. */
  private void roll() {
    try {
      writeRecord(KIND_SYNC, (byte) 0, 0, table.last(), new byte[0]);
      flushBuffer();
      force(active);
      Segment next = createSegment(active.seq + 1);
      active = next;
      writeSegmentHead();
      directoryDirty = true;
      LOG.debug("raft log {}: rolled to segment {}", dir, next.path.getFileName());
    } catch (IOException e) {
      throw fail("segment roll failed", e);
    }
  }

  private Segment createSegment(long seq) throws IOException {
    Path path = dir.resolve(segmentName(seq));
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    Segment s = new Segment(seq, path, ch, 0);
    segments.put(seq, s);
    return s;
  }

  /** Header, hard state and snapshot point: a segment can be read without its predecessors. */
  private void writeSegmentHead() {
    Invariants.check(active.size == 0 && buffer.position() == 0, "segment head not first");
    buffer.putInt(MAGIC).putInt(VERSION).putLong(active.seq);
    crc.reset();
    crc.update(buffer.array(), 0, 16);
    buffer.putInt((int) crc.getValue());
    active.size = HEADER_BYTES;
    writeRecord(KIND_HARD_STATE, (byte) 0, hardState.term(), hardState.commitIndex(),
        votedForBytes(hardState));
    writeRecord(KIND_SNAPSHOT, (byte) 0, snapshotTerm, table.first() - 1, new byte[0]);
  }

  static String segmentName(long seq) {
    return String.format("segment-%020d.log", seq);
  }

  /** Deletes segments older than the one holding the first live entry (after a durable sync). */
  private void deleteObsoleteSegments() throws IOException {
    long keepFrom = table.size() > 0 ? table.location(table.first()) >>> OFFSET_BITS : active.seq;
    boolean deleted = false;
    while (!segments.isEmpty() && segments.firstKey() < keepFrom) {
      Segment s = segments.pollFirstEntry().getValue();
      Invariants.check(s != active, "deleting the active segment");
      s.channel.close();
      Files.deleteIfExists(s.path);
      LOG.debug("raft log {}: deleted compacted segment {}", dir, s.path.getFileName());
      deleted = true;
    }
    if (deleted) {
      forceDirectory();
    }
    deletePending = false;
  }

  // ------------------------------------------------------------------------------------------
  // reading back

  private LogEntry readEntry(long index) {
    long loc = table.location(index);
    long seq = loc >>> OFFSET_BITS;
    long offset = loc & ((1L << OFFSET_BITS) - 1);
    Segment s = segments.get(seq);
    Invariants.check(s != null, "segment " + seq + " of entry " + index + " is gone");
    try {
      if (s == active && offset >= s.written) {
        flushBuffer();
      }
      ByteBuffer head = ByteBuffer.allocate(FRAME_OVERHEAD);
      readFully(s, head, offset);
      int storedCrc = head.getInt(0);
      int length = head.getInt(4);
      if (length < BODY_FIXED || length > MAX_BODY || offset + FRAME_OVERHEAD + length > s.written) {
        throw new LogCorruptedException(s.path, offset, "bad record length " + length
            + " reading entry " + index);
      }
      ByteBuffer frame = ByteBuffer.allocate(4 + length);
      frame.putInt(length);
      readFully(s, frame, offset + FRAME_OVERHEAD);
      crc.reset();
      crc.update(frame.array(), 0, 4 + length);
      if ((int) crc.getValue() != storedCrc) {
        throw new LogCorruptedException(s.path, offset, "checksum mismatch reading entry "
            + index);
      }
      byte kind = frame.get(4);
      byte sub = frame.get(5);
      long term = frame.getLong(6);
      long idx = frame.getLong(14);
      if (kind != KIND_ENTRY || idx != index) {
        throw new LogCorruptedException(s.path, offset, "expected entry " + index + ", found kind "
            + kind + " index " + idx);
      }
      byte[] data = new byte[length - BODY_FIXED];
      System.arraycopy(frame.array(), 4 + BODY_FIXED, data, 0, data.length);
      return new LogEntry(term, idx, EntryType.fromCode(sub), data);
    } catch (IOException e) {
      throw fail("read failed", e);
    }
  }

  private static void readFully(Segment s, ByteBuffer b, long position) throws IOException {
    long pos = position;
    while (b.hasRemaining()) {
      int n = s.channel.read(b, pos);
      if (n < 0) {
        throw new IOException("unexpected end of " + s.path + " at " + pos);
      }
      pos += n;
    }
  }

  // ------------------------------------------------------------------------------------------
  // recovery

  /** Replay state shared by the segments of one recovery. */
  private final class Replay {
    long snapshotIndex;
    long records;
  }

  private RecoveryReport recover() throws IOException {
    TreeMap<Long, Path> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        Matcher m = SEGMENT_NAME.matcher(p.getFileName().toString());
        if (m.matches()) {
          files.put(Long.parseLong(m.group(1)), p);
        }
      }
    }
    long expectSeq = -1;
    for (Map.Entry<Long, Path> f : files.entrySet()) {
      if (expectSeq >= 0 && f.getKey() != expectSeq) {
        throw corrupt(f.getValue(), 0, "segment " + segmentName(expectSeq) + " is missing");
      }
      expectSeq = f.getKey() + 1;
    }
    Replay replay = new Replay();
    List<String> deleted = new ArrayList<>();
    long truncatedBytes = 0;
    String truncatedFile = null;
    Path firstFile = files.isEmpty() ? null : files.firstEntry().getValue();
    for (Map.Entry<Long, Path> f : files.entrySet()) {
      boolean last = f.getKey().equals(files.lastKey());
      long seq = f.getKey();
      Path path = f.getValue();
      long size = Files.size(path);
      if (size > Integer.MAX_VALUE - 16) {
        throw corrupt(path, 0, "segment larger than 2 GiB");
      }
      byte[] data = Files.readAllBytes(path);
      int len = data.length;
      String headerProblem = checkHeader(data, len, seq);
      if (headerProblem != null) {
        if (!last) {
          throw corrupt(path, 0, headerProblem);
        }
        int valid = findValidSyncMark(data, 1, len);
        if (valid >= 0) {
          throw corrupt(path, 0, headerProblem + "; a valid sync mark follows at offset " + valid);
        }
        LOG.warn("raft log {}: last segment {} has a torn header ({}) and no valid sync mark:"
            + " deleting it", dir, path.getFileName(), headerProblem);
        Files.delete(path);
        deleted.add(path.getFileName().toString());
        forceDirectory();
        continue;
      }
      int pos = HEADER_BYTES;
      while (pos < len) {
        String problem = frameProblem(data, pos, len);
        if (problem != null) {
          if (!last) {
            throw corrupt(path, pos, problem + " in a segment that is not the last");
          }
          // records after the hole without a sync mark were never acknowledged: unsynced pages
          // reach the disk in any order, so this is still a torn tail
          int valid = findValidSyncMark(data, pos + 1, len);
          if (valid >= 0) {
            throw corrupt(path, pos, problem + "; a valid sync mark follows at offset " + valid);
          }
          LOG.warn("raft log {}: torn tail in {} at offset {} ({}): cutting {} bytes", dir,
              path.getFileName(), pos, problem, len - pos);
          try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.truncate(pos);
            ch.force(false);
          }
          truncatedBytes = len - pos;
          truncatedFile = path.getFileName().toString();
          len = pos;
          break;
        }
        apply(replay, path, seq, data, pos);
        pos += FRAME_OVERHEAD + ByteBuffer.wrap(data, pos + 4, 4).getInt();
      }
      FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      Segment s = new Segment(seq, path, ch, len);
      segments.put(seq, s);
    }
    if (table.first() != replay.snapshotIndex + 1) {
      throw corrupt(firstFile, 0, "entries " + (replay.snapshotIndex + 1) + " to "
          + (table.first() - 1) + " are missing (an old segment was removed?)");
    }
    if (segments.isEmpty()) {
      active = createSegment(files.isEmpty() ? 1 : files.lastKey() + 1);
      writeSegmentHead();
      flushBuffer();
      force(active);
      forceDirectory();
    } else {
      active = segments.lastEntry().getValue();
    }
    table.evictTo(options.cacheBytes());
    // segments a snapshot made obsolete before a crash are removed at the first sync
    deletePending = segments.size() > 1;
    RecoveryReport report = new RecoveryReport(files.size(), replay.records, truncatedBytes,
        truncatedFile, deleted, table.first(), table.last());
    if (report.repaired()) {
      LOG.warn("raft log {}: recovered with repairs: {}", dir, report);
    } else {
      LOG.info("raft log {}: opened {} segments, entries [{}, {}], hard state {}", dir,
          files.size(), table.first(), table.last(), hardState);
    }
    return report;
  }

  private LogCorruptedException corrupt(Path file, long offset, String detail) {
    LogCorruptedException e = new LogCorruptedException(file, offset, detail);
    LOG.error("{}", e.getMessage());
    return e;
  }

  private String checkHeader(byte[] data, int len, long seq) {
    if (len < HEADER_BYTES) {
      return "segment header cut short (" + len + " bytes)";
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    crc.reset();
    crc.update(data, 0, 16);
    if ((int) crc.getValue() != b.getInt(16)) {
      return "segment header checksum mismatch";
    }
    if (b.getInt(0) != MAGIC || b.getInt(4) != VERSION) {
      return "not a segment of format version " + VERSION;
    }
    if (b.getLong(8) != seq) {
      return "segment header names sequence " + b.getLong(8);
    }
    return null;
  }

  /** Null when a well-formed, checksum-valid record starts at {@code pos}; else why not. */
  private String frameProblem(byte[] data, int pos, int len) {
    if (len - pos < FRAME_OVERHEAD) {
      return "record header cut short";
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    int length = b.getInt(pos + 4);
    if (length < BODY_FIXED || length > MAX_BODY) {
      return "bad record length " + length;
    }
    if ((long) pos + FRAME_OVERHEAD + length > len) {
      return "record cut short";
    }
    crc.reset();
    crc.update(data, pos + 4, 4 + length);
    if ((int) crc.getValue() != b.getInt(pos)) {
      return "record checksum mismatch";
    }
    return null;
  }

  /** The offset of the first valid record at or after {@code from}, or -1. */
  private int findValidFrame(byte[] data, int from, int len) {
    ByteBuffer b = ByteBuffer.wrap(data);
    for (int q = from; q + FRAME_OVERHEAD + BODY_FIXED <= len; q++) {
      int length = b.getInt(q + 4);
      if (length < BODY_FIXED || length > MAX_BODY || (long) q + FRAME_OVERHEAD + length > len) {
        continue;
      }
      byte kind = data[q + FRAME_OVERHEAD];
      if (kind < KIND_ENTRY || kind > KIND_SYNC) {
        continue;
      }
      crc.reset();
      crc.update(data, q + 4, 4 + length);
      if ((int) crc.getValue() == b.getInt(q)) {
        return q;
      }
    }
    return -1;
  }

  /** The offset of the first valid {@code SYNC} record at or after {@code from}, or -1. */
  private int findValidSyncMark(byte[] data, int from, int len) {
    for (int q = findValidFrame(data, from, len); q >= 0; q = findValidFrame(data, q + 1, len)) {
      if (data[q + FRAME_OVERHEAD] == KIND_SYNC) {
        return q;
      }
    }
    return -1;
  }

  /** Applies one checksum-valid record to the replay state. */
  private void apply(Replay r, Path path, long seq, byte[] data, int pos) {
    ByteBuffer b = ByteBuffer.wrap(data);
    int length = b.getInt(pos + 4);
    int body = pos + FRAME_OVERHEAD;
    byte kind = data[body];
    byte sub = data[body + 1];
    long term = b.getLong(body + 2);
    long index = b.getLong(body + 10);
    int payloadLen = length - BODY_FIXED;
    int payloadAt = body + BODY_FIXED;
    r.records++;
    try {
      switch (kind) {
        case KIND_ENTRY -> {
          if (index <= r.snapshotIndex) {
            throw corrupt(path, pos, "entry " + index + " at or below snapshot index "
                + r.snapshotIndex);
          }
          if (table.size() > 0 && index > table.last() + 1) {
            throw corrupt(path, pos, "entry " + index + " leaves a gap after " + table.last());
          }
          if (table.size() == 0 || index < table.first()) {
            // the first entry seen, or a rewrite below the oldest entry still on disk: older
            // entries were in deleted segments, and a later snapshot record must cover them
            table.resetTo(index);
          } else {
            table.truncateFrom(index);
          }
          byte[] payload = new byte[payloadLen];
          System.arraycopy(data, payloadAt, payload, 0, payloadLen);
          LogEntry e = new LogEntry(term, index, EntryType.fromCode(sub), payload);
          table.add(term, location(seq, pos), e);
          table.evictTo(options.cacheBytes());
        }
        case KIND_HARD_STATE -> {
          NodeId voted = payloadLen == 0 ? null
              : NodeId.of(new String(data, payloadAt, payloadLen, StandardCharsets.UTF_8));
          hardState = new HardState(term, voted, index);
        }
        case KIND_SNAPSHOT -> {
          if (index < r.snapshotIndex) {
            throw corrupt(path, pos, "snapshot index went back from " + r.snapshotIndex + " to "
                + index);
          }
          r.snapshotIndex = index;
          snapshotTerm = term;
          if (table.size() == 0) {
            table.resetTo(index + 1);
          } else if (index >= table.first() - 1) {
            table.dropThrough(index);
          }
        }
        case KIND_SYNC -> {
          if (index != table.last()) {
            throw corrupt(path, pos, "sync mark says last index " + index + ", log has "
                + table.last());
          }
        }
        default -> throw corrupt(path, pos, "unknown record kind " + kind);
      }
    } catch (IllegalArgumentException e) {
      throw corrupt(path, pos, "invalid record: " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------------------
  // closing

  private void closeQuietly() {
    closed = true;
    for (Segment s : segments.values()) {
      closeQuietly(s.channel);
    }
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      LOG.debug("raft log {}: releasing lock: {}", dir, e.toString());
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      LOG.debug("closing {}: {}", ch, e.toString());
    }
  }
}
