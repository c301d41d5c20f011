package io.synod.server.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.synod.raft.spi.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ReplicatedMembersTest {
  /** Stands in for the lock state machine: records what it was given. */
  static final class Recorder implements StateMachine {
    final List<String> applied = new ArrayList<>();
    byte[] restored;

    @Override
    public Object apply(long index, byte[] command) {
      applied.add(index + ":" + new String(command, StandardCharsets.UTF_8));
      return "lock-result";
    }

    @Override
    public SnapshotWriter snapshot() {
      byte[] frozen = String.join(",", applied).getBytes(StandardCharsets.UTF_8);
      return out -> out.write(frozen);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      restored = in.readAllBytes();
    }
  }

  private final Recorder locks = new Recorder();
  private final List<String> told = new ArrayList<>();

  private ReplicatedMembers members() {
    ReplicatedMembers m = new ReplicatedMembers(locks, List.of("node1", "node2", "node3"),
        Runnable::run);
    m.subscribe((up, version) -> told.add(version + "=" + up));
    return m;
  }

  @Test
  void downAndUpEntriesChangeTheRingAtTheirLogIndexAndLockEntriesPassThrough() {
    ReplicatedMembers m = members();
    assertEquals(Set.of("node1", "node2", "node3"), m.members());
    assertEquals("lock-result", m.apply(1, new byte[] {1, 4, 0}));
    assertEquals(true, m.apply(2, ReplicatedMembers.down("node2")));
    assertEquals(Set.of("node1", "node3"), m.members());
    assertEquals(2, m.version(), "the ring's epoch is the log index of the change");
    assertEquals(false, m.apply(3, ReplicatedMembers.down("node2")), "already down: no change");
    assertEquals(2, m.version());
    assertEquals(true, m.apply(4, ReplicatedMembers.up("node2")));
    assertEquals(List.of("2=[node1, node3]", "4=[node1, node2, node3]"), told);
    assertEquals(List.of("1:" + new String(new byte[] {1, 4, 0}, StandardCharsets.UTF_8)),
        locks.applied, "only the lock entry reached the lock machine");
  }

  @Test
  void anEntryNamingANonMemberChangesNothing() {
    ReplicatedMembers m = members();
    assertEquals(false, m.apply(1, ReplicatedMembers.down("node9")));
    assertEquals(3, m.members().size());
    assertEquals(0, m.version());
    assertEquals(List.of(), told);
  }

  @Test
  void aSnapshotCarriesTheDownSetAndTheLockStateAndRestoresBoth() throws IOException {
    ReplicatedMembers a = members();
    a.apply(1, "x".getBytes(StandardCharsets.UTF_8));
    a.apply(2, ReplicatedMembers.down("node3"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    a.snapshot().writeTo(out);

    Recorder otherLocks = new Recorder();
    ReplicatedMembers b = new ReplicatedMembers(otherLocks, List.of("node1", "node2", "node3"),
        Runnable::run);
    b.restore(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(new TreeSet<>(List.of("node3")), b.downMembers());
    assertEquals(2, b.version());
    assertArrayEquals("1:x".getBytes(StandardCharsets.UTF_8), otherLocks.restored);
    assertThrows(IOException.class,
        () -> b.restore(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})));
  }
}
