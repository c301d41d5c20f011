package io.synod.raft.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.NodeId;
import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durability, group commit, caching and recovery of {@link FileRaftLogStore}. */
class FileRaftLogStoreTest {

  @TempDir Path dir;

  static FileLogOptions small() {
    return FileLogOptions.defaults().withSegmentBytes(300).withCacheBytes(200)
        .withWriteBufferBytes(4096);
  }

  static List<LogEntry> range(long term, long from, long to) {
    return RaftLogStoreContract.range(term, from, to);
  }

  private static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(bytes), offset);
    }
  }

  private static void flip(Path file, int offset) throws IOException {
    byte[] data = Files.readAllBytes(file);
    overwrite(file, offset, new byte[] {(byte) (data[offset] ^ 0x5A)});
  }

  @Test
  void onlySyncedWritesSurviveACrash() {
    FileRaftLogStore s = FileRaftLogStore.open(dir);
    s.append(range(1, 1, 5));
    s.setHardState(new HardState(1, NodeId.of("a"), 2));
    s.sync();
    s.append(range(1, 6, 8));
    s.setHardState(new HardState(2, null, 5));
    s.abandonForTest(); // crash: the unsynced writes were still in the write buffer
    try (FileRaftLogStore r = FileRaftLogStore.open(dir)) {
      assertEquals(5, r.lastIndex());
      assertEquals(new HardState(1, NodeId.of("a"), 2), r.hardState());
      assertEquals(range(1, 1, 5), r.entries(1, 6, Long.MAX_VALUE));
    }
  }

  @Test
  void unsyncedBytesThatReachedTheFileAreKeptWhenWhole() {
    FileRaftLogStore s = FileRaftLogStore.open(dir, small());
    s.append(range(1, 1, 3));
    s.sync();
    s.append(range(1, 4, 4));
    s.flushForTest();
    s.abandonForTest();
    try (FileRaftLogStore r = FileRaftLogStore.open(dir, small())) {
      assertEquals(range(1, 1, 4), r.entries(1, 5, Long.MAX_VALUE));
      assertFalse(r.recovery().repaired());
    }
  }

  @Test
  void aConflictingRewriteThatRollsTheSegmentReopens() {
    // regression: the roll's SYNC mark used to name the last index after dropping the
    // conflicting suffix, before the rewriting record was on disk, and replay refused the log
    FileRaftLogStore s = FileRaftLogStore.open(dir, small());
    long last = 0;
    do { // fill the segment until the next append has to roll it
      last++;
      s.append(range(1, last, last));
      s.flushForTest();
    } while (sizeOf(s.activeSegmentForTest()) < small().segmentBytes());
    int before = s.segmentPathsForTest().size();
    // rewrite the last two entries with a newer term: the first of them rolls the segment
    List<LogEntry> rewrite = range(2, last - 1, last);
    s.append(rewrite);
    assertEquals(before + 1, s.segmentPathsForTest().size(), "the rewrite rolled the segment");
    s.sync();
    s.close();
    try (FileRaftLogStore r = FileRaftLogStore.open(dir, small())) {
      assertEquals(last, r.lastIndex());
      assertEquals(rewrite, r.entries(last - 1, last + 1, Long.MAX_VALUE));
      assertEquals(range(1, 1, last - 2), r.entries(1, last - 1, Long.MAX_VALUE));
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void oneForceCoversAllAppendsSinceTheLastSync() {
    FileLogOptions big = FileLogOptions.defaults();
    try (FileRaftLogStore s = FileRaftLogStore.open(dir, big)) {
      long before = s.forceCount();
      for (int i = 1; i <= 100; i++) {
        s.append(range(1, i, i));
      }
      s.setHardState(new HardState(1, null, 100));
      s.sync();
      assertEquals(before + 1, s.forceCount());
      s.sync();
      s.sync();
      assertEquals(before + 1, s.forceCount(), "a sync with nothing new must not force");
      s.setHardState(new HardState(1, null, 100)); // unchanged: nothing to write
      s.sync();
      assertEquals(before + 1, s.forceCount());
    }
  }

  @Test
  void entriesBeyondTheCacheAreReadBackFromDisk() {
    FileLogOptions noCache = FileLogOptions.defaults().withCacheBytes(0).withSegmentBytes(500);
    try (FileRaftLogStore s = FileRaftLogStore.open(dir, noCache)) {
      s.append(range(1, 1, 50));
      assertEquals(range(1, 1, 50), s.entries(1, 51, Long.MAX_VALUE));
      s.sync();
      assertEquals(range(1, 20, 30), s.entries(20, 31, Long.MAX_VALUE));
    }
  }

  @Test
  void largeEntriesBiggerThanTheWriteBufferRoundTrip() {
    byte[] big = new byte[20_000];
    new SplittableRandom(7).nextBytes(big);
    FileLogOptions opts = FileLogOptions.defaults().withWriteBufferBytes(4096).withCacheBytes(0);
    try (FileRaftLogStore s = FileRaftLogStore.open(dir, opts)) {
      s.append(List.of(LogEntry.command(1, 1, big), LogEntry.command(1, 2, new byte[] {9})));
      s.sync();
    }
    try (FileRaftLogStore r = FileRaftLogStore.open(dir, opts)) {
      assertTrue(Arrays.equals(big, r.entries(1, 2, Long.MAX_VALUE).get(0).data()));
    }
  }

  @Test
  void oversizedEntriesAreRefused() {
    try (FileRaftLogStore s = FileRaftLogStore.open(dir,
        FileLogOptions.defaults().withMaxEntryBytes(10))) {
      assertThrows(IllegalArgumentException.class,
          () -> s.append(List.of(LogEntry.command(1, 1, new byte[11]))));
      assertEquals(0, s.lastIndex());
    }
  }

  @Test
  void segmentsRollAtTheConfiguredSizeAndCompactionDeletesCoveredOnes() throws IOException {
    try (FileRaftLogStore s = FileRaftLogStore.open(dir, small())) {
      s.append(range(1, 1, 60));
      s.sync();
      int segments = s.segmentPathsForTest().size();
      assertTrue(segments >= 5, "expected several segments, got " + segments);
      for (Path p : s.segmentPathsForTest()) {
        assertTrue(Files.size(p) < 300 + 100, "segment too large: " + Files.size(p));
      }
      s.compact(45, 1);
      assertEquals(segments, s.segmentPathsForTest().size(), "deleted before the sync");
      s.sync();
      assertTrue(s.segmentPathsForTest().size() < segments);
      assertEquals(range(1, 46, 60), s.entries(46, 61, Long.MAX_VALUE));
    }
    try (FileRaftLogStore r = FileRaftLogStore.open(dir, small())) {
      assertEquals(46, r.firstIndex());
      assertEquals(1, r.term(45));
      assertEquals(range(1, 46, 60), r.entries(46, 61, Long.MAX_VALUE));
    }
  }

  @Test
  void aRewrittenSuffixOlderThanTheFirstSegmentStillRecovers() {
    // entries 1..30, rewrite from 10 (all in later segments), then compact past the old ones
    try (FileRaftLogStore s = FileRaftLogStore.open(dir, small())) {
      s.append(range(1, 1, 30));
      s.append(range(2, 10, 40));
      s.compact(35, 2);
      s.sync();
    }
    try (FileRaftLogStore r = FileRaftLogStore.open(dir, small())) {
      assertEquals(36, r.firstIndex());
      assertEquals(range(2, 36, 40), r.entries(36, 41, Long.MAX_VALUE));
    }
  }

  @Test
  void aTornTailIsCutAndReported() throws IOException {
    Path seg;
    long size;
    try (FileRaftLogStore s = FileRaftLogStore.open(dir, FileLogOptions.defaults())) {
      s.append(range(1, 1, 3));
      s.sync();
      s.append(range(1, 4, 5));
      s.flushForTest();
      seg = s.activeSegmentForTest();
      size = Files.size(seg);
      s.abandonForTest();
    }
    try (var ch = java.nio.channels.FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(size - 3);
    }
    try (FileRaftLogStore r = FileRaftLogStore.open(dir)) {
      assertEquals(range(1, 1, 4), r.entries(1, 5, Long.MAX_VALUE));
      assertTrue(r.recovery().repaired());
      assertEquals(seg.getFileName().toString(), r.recovery().truncatedFile());
      r.append(range(2, 5, 6));
      r.sync();
    }
    try (FileRaftLogStore r = FileRaftLogStore.open(dir)) {
      assertEquals(6, r.lastIndex());
      assertEquals(2, r.term(6));
      assertFalse(r.recovery().repaired());
    }
  }

  @Test
  void zeroFilledTailIsTreatedAsTorn() throws IOException {
    Path seg;
    long size;
    try (FileRaftLogStore s = FileRaftLogStore.open(dir)) {
      s.append(range(1, 1, 3));
      s.sync();
      seg = s.activeSegmentForTest();
      size = Files.size(seg);
      s.abandonForTest();
    }
    overwrite(seg, size, new byte[4096]);
    try (FileRaftLogStore r = FileRaftLogStore.open(dir)) {
      assertEquals(3, r.lastIndex());
      assertEquals(4096, r.recovery().truncatedBytes());
    }
  }

  @Test
  void corruptionInTheMiddleOfTheLastSegmentIsReportedNotSkipped() throws IOException {
    Path seg;
    int victim;
    try (FileRaftLogStore s = FileRaftLogStore.open(dir)) {
      s.append(range(1, 1, 10));
      s.sync();
      seg = s.activeSegmentForTest();
      victim = StoreState.frameStarts(Files.readAllBytes(seg)).get(5);
      s.abandonForTest();
    }
    flip(seg, victim + 20);
    LogCorruptedException e = assertThrows(LogCorruptedException.class,
        () -> FileRaftLogStore.open(dir));
    assertEquals(seg, e.file());
    assertEquals(victim, e.offset());
    assertTrue(e.getMessage().contains(seg.getFileName().toString()));
    // nothing was repaired behind the operator's back
    assertThrows(LogCorruptedException.class, () -> FileRaftLogStore.open(dir));
  }

  /**
   * Unsynced pages reach the disk in any order: entry 4's page was lost while entries 5 and 6
   * made it. No sync mark follows the hole, so nothing after it was acknowledged: a torn tail.
   */
  @Test
  void aHoleInTheUnsyncedTailIsATornTailNotCorruption() throws IOException {
    Path seg;
    List<Integer> frames;
    int synced;
    try (FileRaftLogStore s = FileRaftLogStore.open(dir)) {
      s.append(range(1, 1, 3));
      s.sync();
      synced = StoreState.frameStarts(Files.readAllBytes(s.activeSegmentForTest())).size();
      s.append(range(1, 4, 6));
      s.setHardState(new HardState(1, null, 5));
      s.flushForTest();
      seg = s.activeSegmentForTest();
      frames = StoreState.frameStarts(Files.readAllBytes(seg));
      s.abandonForTest();
    }
    int entry4 = frames.get(synced);
    overwrite(seg, entry4 + 10, new byte[8]);
    try (FileRaftLogStore r = FileRaftLogStore.open(dir)) {
      assertEquals(range(1, 1, 3), r.entries(1, 4, Long.MAX_VALUE));
      assertTrue(r.recovery().repaired());
      assertEquals(Files.size(seg), entry4, "cut at the hole");
      r.append(range(2, 4, 4));
      r.sync();
    }
    try (FileRaftLogStore r = FileRaftLogStore.open(dir)) {
      assertEquals(4, r.lastIndex());
      assertFalse(r.recovery().repaired());
    }
  }

  /** The same hole with the batch's sync mark on disk after it: that record was synced. */
  @Test
  void aHoleFollowedByASyncMarkIsCorruption() throws IOException {
    Path seg;
    List<Integer> frames;
    int synced;
    try (FileRaftLogStore s = FileRaftLogStore.open(dir)) {
      s.append(range(1, 1, 3));
      s.sync();
      synced = StoreState.frameStarts(Files.readAllBytes(s.activeSegmentForTest())).size();
      s.append(range(1, 4, 6));
      s.sync();
      seg = s.activeSegmentForTest();
      frames = StoreState.frameStarts(Files.readAllBytes(seg));
      s.abandonForTest();
    }
    int entry4 = frames.get(synced);
    overwrite(seg, entry4 + 10, new byte[8]);
    LogCorruptedException e = assertThrows(LogCorruptedException.class,
        () -> FileRaftLogStore.open(dir));
    assertEquals(entry4, e.offset());
    assertTrue(e.getMessage().contains("sync mark follows"), e.getMessage());
  }

  @Test
  void damageToTheLastSyncedRecordIsNotMistakenForATornTail() throws IOException {
    Path seg;
    List<Integer> frames;
    try (FileRaftLogStore s = FileRaftLogStore.open(dir)) {
      s.append(range(1, 1, 4));
      s.sync();
      seg = s.activeSegmentForTest();
      frames = StoreState.frameStarts(Files.readAllBytes(seg));
      s.abandonForTest();
    }
    // the record of entry 4 is followed by the sync mark: flipping it must not silently drop it
    int entry4 = frames.get(frames.size() - 2);
    flip(seg, entry4 + 25);
    assertThrows(LogCorruptedException.class, () -> FileRaftLogStore.open(dir));
  }

  @Test
  void corruptionInAnOlderSegmentIsReported() throws IOException {
    Path first;
    try (FileRaftLogStore s = FileRaftLogStore.open(dir, small())) {
      s.append(range(1, 1, 40));
      s.sync();
      first = s.segmentPathsForTest().get(0);
    }
    long size = Files.size(first);
    flip(first, (int) size - 1);
    LogCorruptedException e = assertThrows(LogCorruptedException.class,
        () -> FileRaftLogStore.open(dir, small()));
    assertEquals(first, e.file());
  }

  @Test
  void aMissingSegmentIsReported() throws IOException {
    List<Path> paths;
    try (FileRaftLogStore s = FileRaftLogStore.open(dir, small())) {
      s.append(range(1, 1, 40));
      s.sync();
      paths = new ArrayList<>(s.segmentPathsForTest());
    }
    Files.delete(paths.get(1));
    assertThrows(LogCorruptedException.class, () -> FileRaftLogStore.open(dir, small()));
    Files.delete(paths.get(0));
    LogCorruptedException e = assertThrows(LogCorruptedException.class,
        () -> FileRaftLogStore.open(dir, small()));
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void aTornNewSegmentIsDropped() throws IOException {
    try (FileRaftLogStore s = FileRaftLogStore.open(dir, small())) {
      s.append(range(1, 1, 40));
      s.sync();
    }
    Path next = dir.resolve(FileRaftLogStore.segmentName(1000));
    List<Path> paths;
    try (var list = Files.list(dir)) {
      paths = list.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted()
          .toList();
    }
    long lastSeq = Long.parseLong(paths.get(paths.size() - 1).getFileName().toString()
        .substring(8, 28));
    next = dir.resolve(FileRaftLogStore.segmentName(lastSeq + 1));
    Files.write(next, new byte[] {0x53, 0x59, 0x4E}); // a header cut after three bytes
    try (FileRaftLogStore r = FileRaftLogStore.open(dir, small())) {
      assertEquals(40, r.lastIndex());
      assertEquals(List.of(next.getFileName().toString()), r.recovery().deletedFiles());
    }
    assertFalse(Files.exists(next));
  }

  @Test
  void theDirectoryCannotBeOpenedTwice() {
    try (FileRaftLogStore s = FileRaftLogStore.open(dir)) {
      assertThrows(IllegalStateException.class, () -> FileRaftLogStore.open(dir));
    }
    FileRaftLogStore.open(dir).close();
  }

  @Test
  void aClosedStoreRefusesCalls() {
    FileRaftLogStore s = FileRaftLogStore.open(dir);
    s.append(range(1, 1, 2));
    s.close();
    assertThrows(IllegalStateException.class, s::lastIndex);
    assertThrows(IllegalStateException.class, () -> s.append(range(1, 3, 3)));
    try (FileRaftLogStore r = FileRaftLogStore.open(dir)) {
      assertEquals(2, r.lastIndex(), "close syncs");
    }
  }

  @Test
  void freshDirectoryIsCreatedEmpty() {
    Path nested = dir.resolve("a").resolve("b");
    try (FileRaftLogStore s = FileRaftLogStore.open(nested)) {
      assertEquals(0, s.lastIndex());
      assertEquals(HardState.EMPTY, s.hardState());
      assertNull(s.recovery().truncatedFile());
    }
    assertTrue(Files.isDirectory(nested));
  }
}
