package io.synod.raft.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSnapshotStoreTest {

  private static final Membership M = Membership.ofVoters(List.of(NodeId.of("a")));

  @Test
  void savedSnapshotSurvivesReopen(@TempDir Path dir) throws Exception {
    FileSnapshotStore s = new FileSnapshotStore(dir);
    s.save(7, 2, M, new byte[] {1, 2, 3});
    FileSnapshotStore reopened = new FileSnapshotStore(dir);
    assertEquals(7, reopened.latest().orElseThrow().lastIndex());
    assertArrayEquals(new byte[] {1, 2, 3}, reopened.read(0, 10));
  }

  @Test
  void olderSaveNeverReplacesANewerOne(@TempDir Path dir) throws Exception {
    FileSnapshotStore s = new FileSnapshotStore(dir);
    s.save(20, 3, M, new byte[] {20});
    s.save(10, 2, M, new byte[] {10});
    assertEquals(20, new FileSnapshotStore(dir).latest().orElseThrow().lastIndex());
  }

  /**
   * A local snapshot (older index, large) and an InstallSnapshot (newer index, small) save at the
   * same moment, many times over. Whatever the interleaving, the newer one must be the file on
   * disk and in memory, and no temporary file may be left behind: otherwise the log compacted to
   * the newer index has no covering snapshot after a restart.
   */
  @Test
  void concurrentSavesLeaveTheNewestOnDisk(@TempDir Path dir) throws Exception {
    byte[] big = new byte[1 << 20];
    Arrays.fill(big, (byte) 1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 30; round++) {
        Path d = dir.resolve("r" + round);
        FileSnapshotStore s = new FileSnapshotStore(d);
        long older = 100L * round + 10;
        long newer = older + 50;
        CyclicBarrier start = new CyclicBarrier(2);
        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> {
          await(start);
          saveUnchecked(s, older, big);
        }, pool);
        CompletableFuture<Void> b = CompletableFuture.runAsync(() -> {
          await(start);
          saveUnchecked(s, newer, new byte[] {9});
        }, pool);
        a.get(30, TimeUnit.SECONDS);
        b.get(30, TimeUnit.SECONDS);
        assertEquals(newer, s.latest().orElseThrow().lastIndex(), "in memory, round " + round);
        FileSnapshotStore reopened = new FileSnapshotStore(d);
        assertEquals(newer, reopened.latest().orElseThrow().lastIndex(), "on disk, round " + round);
        assertArrayEquals(new byte[] {9}, reopened.read(0, 10));
        try (Stream<Path> files = Files.list(d)) {
          assertEquals(List.of(d.resolve("snapshot")), files.toList(), "only the snapshot file");
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void leftoverTemporaryFilesAreRemovedAtOpen(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir);
    Files.write(dir.resolve("snapshot-5-123.tmp"), new byte[] {1, 2});
    new FileSnapshotStore(dir);
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.findAny().isEmpty());
    }
  }

  private static void await(CyclicBarrier b) {
    try {
      b.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void saveUnchecked(FileSnapshotStore s, long index, byte[] data) {
    try {
      s.save(index, 1, M, data);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
