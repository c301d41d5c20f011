package io.synod.raft.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.synod.raft.NodeId;
import io.synod.raft.log.EntryType;
import io.synod.raft.log.HardState;
import io.synod.raft.log.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Crash and corruption properties of {@link FileRaftLogStore}: a random log is written (appends,
 * conflicting rewrites, hard states, compactions, syncs at random points, tiny segments), then
 * the newest segment is cut at every byte offset past its last synced byte, or any byte of any
 * segment is flipped. Recovery must give a state the store really passed through no older than
 * the last sync (never less, never a different entry), or refuse with {@link
 * LogCorruptedException} where the damage is not a torn tail.
 */
class FileRaftLogStoreProperties {

  /** A finished random run: the states the store passed through, and the last synced one. */
  record History(List<StoreState> states, int synced, FileRaftLogStore store) {}

  static FileLogOptions options(SplittableRandom rnd) {
    return FileLogOptions.defaults()
        .withSegmentBytes(100 + rnd.nextInt(600))
        .withCacheBytes(rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(2000))
        .withWriteBufferBytes(4096);
  }

  static History run(Path dir, SplittableRandom rnd, FileLogOptions opts, int ops,
      boolean reopens) {
    FileRaftLogStore s = FileRaftLogStore.open(dir, opts);
    StoreState.Model m = new StoreState.Model();
    List<StoreState> states = new ArrayList<>();
    states.add(m.state());
    int synced = 0;
    long term = 1;
    NodeId[] voters = {null, NodeId.of("n1"), NodeId.of("n2"), NodeId.of("node-three")};
    for (int op = 0; op < ops; op++) {
      int r = rnd.nextInt(100);
      if (r < 50) {
        long last = m.lastIndex();
        long start = rnd.nextInt(100) < 80 ? last + 1
            : m.firstIndex + rnd.nextLong(last - m.firstIndex + 2);
        if (rnd.nextInt(8) == 0) {
          term++;
        }
        int n = 1 + rnd.nextInt(5);
        List<LogEntry> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          byte[] data = new byte[rnd.nextInt(41)];
          rnd.nextBytes(data);
          EntryType type = EntryType.values()[rnd.nextInt(10) < 8 ? 0 : 1 + rnd.nextInt(2)];
          batch.add(new LogEntry(term, start + i, type,
              type == EntryType.NOOP ? new byte[0] : data));
        }
        s.append(batch);
        for (LogEntry e : batch) {
          m.appendOne(e);
          states.add(m.state());
        }
      } else if (r < 65) {
        HardState hs = new HardState(term + rnd.nextInt(2), voters[rnd.nextInt(voters.length)],
            Math.max(0, rnd.nextLong(m.lastIndex() + 1)));
        s.setHardState(hs);
        m.hardState = hs;
        states.add(m.state());
      } else if (r < 73) {
        long idx = m.firstIndex - 1 + rnd.nextLong(m.entries.size() + 3);
        long t = idx <= m.lastIndex() && idx >= m.firstIndex
            ? m.entries.get((int) (idx - m.firstIndex)).term() : term;
        s.compact(idx, t);
        m.compact(idx, t);
        states.add(m.state());
      } else if (reopens && r < 76) {
        s.close();
        s = FileRaftLogStore.open(dir, opts);
        assertEquals(m.state(), StoreState.of(s), "after reopen");
        synced = states.size() - 1;
      } else {
        s.sync();
        synced = states.size() - 1;
      }
      if (rnd.nextInt(10) == 0) {
        assertEquals(m.state(), StoreState.of(s), "live store differs from the model");
      }
    }
    assertEquals(m.state(), StoreState.of(s), "live store differs from the model at the end");
    return new History(states, synced, s);
  }

  static Path tempDir() {
    try {
      return Files.createTempDirectory("synod-log-prop");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Set<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return new HashSet<>(list.filter(p -> p.getFileName().toString().startsWith("segment-"))
          .toList());
    }
  }

  /** Deletes segment files a recovery created that were not there before. */
  static void removeExtraSegments(Path dir, Set<Path> original) throws IOException {
    for (Path p : segmentFiles(dir)) {
      if (!original.contains(p)) {
        Files.delete(p);
      }
    }
  }

  /** The first k >= from whose state equals {@code state}, or -1. */
  static int find(List<StoreState> states, StoreState state, int from) {
    for (int k = from; k < states.size(); k++) {
      if (states.get(k).equals(state)) {
        return k;
      }
    }
    return -1;
  }

  @Property(tries = 150)
  void randomOperationsMatchAModelAcrossReopens(@ForAll long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Path dir = tempDir();
    try {
      History h = run(dir, rnd, options(rnd), 20 + rnd.nextInt(100), true);
      h.store().close();
      try (FileRaftLogStore r = FileRaftLogStore.open(dir, options(new SplittableRandom(seed)))) {
        assertEquals(h.states().get(h.states().size() - 1), StoreState.of(r));
      }
    } finally {
      deleteTree(dir);
    }
  }

  @Property(tries = 60)
  void cuttingTheLastSegmentPastItsSyncedBytesRecoversASyncedPrefixOrMore(@ForAll long seed)
      throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    Path dir = tempDir();
    try {
      FileLogOptions opts = options(rnd);
      History h = run(dir, rnd, opts, 5 + rnd.nextInt(40), false);
      FileRaftLogStore s = h.store();
      s.flushForTest();
      Path last = s.activeSegmentForTest();
      long durable = s.activeDurableBytesForTest();
      s.abandonForTest();
      Set<Path> original = segmentFiles(dir);
      byte[] full = Files.readAllBytes(last);
      int k = h.synced();
      for (long c = durable; c <= full.length; c++) {
        Files.write(last, Arrays.copyOf(full, (int) c));
        FileRaftLogStore r = FileRaftLogStore.open(dir, opts);
        StoreState got = StoreState.of(r);
        r.abandonForTest();
        removeExtraSegments(dir, original);
        int at = find(h.states(), got, k);
        if (at < 0) {
          fail("cut at " + c + " of " + full.length + " (synced " + durable + ") recovered a "
              + "state the store never had after its last sync: " + got);
        }
        k = at;
      }
      assertEquals(h.states().get(h.states().size() - 1), StoreState.of(
          FileRaftLogStore.open(dir, opts)), "an uncut log must recover everything");
    } finally {
      deleteTree(dir);
    }
  }

  @Property(tries = 25)
  void flippingAnyByteIsReportedOrLosesOnlyTheUnsyncedTail(@ForAll long seed)
      throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    Path dir = tempDir();
    try {
      FileLogOptions opts = options(rnd);
      History h = run(dir, rnd, opts, 5 + rnd.nextInt(20), false);
      FileRaftLogStore s = h.store();
      s.flushForTest();
      Path last = s.activeSegmentForTest();
      List<Path> files = s.segmentPathsForTest();
      s.abandonForTest();
      Set<Path> original = segmentFiles(dir);
      byte[] lastBytes = Files.readAllBytes(last);
      List<Integer> lastFrames = StoreState.frameStarts(lastBytes);
      // everything from the last sync mark on may be cut: after it nothing was acknowledged, and
      // the mark itself only confirms records that stay whole
      int lastFrame = 0;
      for (int f : lastFrames) {
        if (lastBytes[f + FileRaftLogStore.FRAME_OVERHEAD] == FileRaftLogStore.KIND_SYNC) {
          lastFrame = f;
        }
      }
      for (Path file : files) {
        byte[] data = Files.readAllBytes(file);
        for (int o = 0; o < data.length; o++) {
          byte[] bad = data.clone();
          bad[o] ^= (byte) (1 + rnd.nextInt(255));
          Files.write(file, bad);
          boolean mayRecover = file.equals(last) && o >= lastFrame;
          try {
            FileRaftLogStore r = FileRaftLogStore.open(dir, opts);
            StoreState got = StoreState.of(r);
            r.abandonForTest();
            assertTrue(mayRecover, "flip at " + file.getFileName() + ":" + o
                + " went unnoticed (last sync mark starts at " + lastFrame + ")");
            assertTrue(find(h.states(), got, h.synced()) >= 0, "flip at " + o
                + " recovered a state older than the last sync or never seen: " + got);
          } catch (LogCorruptedException e) {
            assertTrue(!mayRecover, "a damaged unsynced tail must be cut, not reported: "
                + e.getMessage());
            assertEquals(file, e.file());
            assertTrue(e.offset() <= o, "reported offset " + e.offset() + " after the flip " + o);
          }
          Files.write(file, data);
          Files.write(last, lastBytes);
          removeExtraSegments(dir, original);
        }
      }
    } finally {
      deleteTree(dir);
    }
  }
}
