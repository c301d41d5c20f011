package io.synod.raft.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.raft.NodeId;
import io.synod.raft.log.HardState;
import io.synod.raft.spi.RaftLogStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link RaftLogStore} contract on {@link FileRaftLogStore} with tiny segments and no entry
 * cache, so every case crosses segment boundaries and reads back from disk; plus the same
 * answers after a reopen.
 */
class FileRaftLogStoreContractTest extends RaftLogStoreContract {

  @TempDir Path dir;

  static FileLogOptions tiny() {
    return FileLogOptions.defaults().withSegmentBytes(150).withCacheBytes(0)
        .withWriteBufferBytes(4096);
  }

  @Override
  protected RaftLogStore newStore() {
    return FileRaftLogStore.open(dir, tiny());
  }

  private void reopen() {
    store.close();
    store = FileRaftLogStore.open(dir, tiny());
  }

  @Test
  void everythingSurvivesAReopen() {
    store.append(range(1, 1, 20));
    store.append(range(2, 15, 25));
    store.setHardState(new HardState(2, NodeId.of("n1"), 12));
    store.compact(9, 1);
    store.sync();
    List<?> before = store.entries(10, 26, Long.MAX_VALUE);
    reopen();
    assertEquals(10, store.firstIndex());
    assertEquals(25, store.lastIndex());
    assertEquals(1, store.snapshotTerm());
    assertEquals(new HardState(2, NodeId.of("n1"), 12), store.hardState());
    assertEquals(before, store.entries(10, 26, Long.MAX_VALUE));
  }

  @Test
  void compactBeyondTheLogSurvivesAReopen() {
    store.append(range(1, 1, 30));
    store.compact(40, 3);
    store.sync();
    reopen();
    assertEquals(41, store.firstIndex());
    assertEquals(40, store.lastIndex());
    assertEquals(3, store.term(40));
    store.append(range(4, 41, 45));
    reopen();
    assertEquals(range(4, 41, 45), store.entries(41, 46, Long.MAX_VALUE));
  }
}
