package io.synod.raft.lock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** A session's id names it; only its token lets a client act in it (issue 13 item 8). */
class LockSessionTokenTest {

  private static final String TOKEN = "3f2a9c0e8b7d6a5f4e3d2c1b0a998877";
  private static final String OTHER = "00000000000000000000000000000000";

  private LockStateMachine m = new LockStateMachine();
  private long index;

  private LockResult run(LockCommand c) {
    return m.apply(++index, c);
  }

  private long openWithHold() {
    long s = ((LockResult.SessionOpened) run(new LockCommand.OpenSession(1_000, 1_000, TOKEN)))
        .sessionId();
    assertInstanceOf(LockGrant.class, run(new LockCommand.Acquire(1_000, 1, new HolderId(s, "a"),
        "r", LockMode.EXCLUSIVE, 0, TOKEN)));
    return s;
  }

  private static LockError error(LockResult r) {
    return assertInstanceOf(LockResult.Refused.class, r).error();
  }

  /** Applies a command that must be refused for its token and must change nothing. */
  private void refusedWithoutChange(LockCommand c) {
    byte[] before = m.snapshotBytes();
    LockResult r = run(c);
    assertEquals(LockError.SESSION_TOKEN_MISMATCH, error(r), c.toString());
    // only the applied index moves
    LockStateMachine expected = new LockStateMachine();
    try {
      expected.restore(new ByteArrayInputStream(before));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    assertEquals(expected.sessions(), m.sessions());
    assertEquals(expected.view("r"), m.view("r"));
    assertEquals(expected.waiterCount(), m.waiterCount());
  }

  @Test
  void anotherClientKnowingOnlyTheIdCannotKeepAliveCloseReleaseOrAcquire() {
    long s = openWithHold();
    HolderId a = new HolderId(s, "a");
    for (String guess : new String[] {"", OTHER, TOKEN.substring(1), TOKEN + "0"}) {
      refusedWithoutChange(new LockCommand.KeepAlive(2_000, s, guess));
      refusedWithoutChange(new LockCommand.CloseSession(2_000, s, guess));
      refusedWithoutChange(new LockCommand.Release(2_000, a, "r", guess));
      refusedWithoutChange(new LockCommand.Acquire(2_000, 9, new HolderId(s, "b"), "q",
          LockMode.SHARED, 0, guess));
    }
    // the owner-only (first system's) style ignores tokens entirely
    assertInstanceOf(LockGrant.class, run(new LockCommand.Acquire(2_000, 10,
        HolderId.ownerOnly("legacy"), "q", LockMode.SHARED, 0)));
    // the holder with the token still can
    assertInstanceOf(LockResult.SessionKeptAlive.class,
        run(new LockCommand.KeepAlive(2_000, s, TOKEN)));
    assertInstanceOf(LockResult.Released.class,
        run(new LockCommand.Release(2_000, a, "r", TOKEN)));
    assertInstanceOf(LockResult.SessionClosed.class,
        run(new LockCommand.CloseSession(2_000, s, TOKEN)));
  }

  @Test
  void theTokenSurvivesASnapshotInstall() throws Exception {
    long s = openWithHold();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.snapshot().writeTo(out);
    LockStateMachine copy = new LockStateMachine();
    copy.restore(new ByteArrayInputStream(out.toByteArray()));
    assertArrayEquals(m.snapshotBytes(), copy.snapshotBytes());
    m = copy;
    refusedWithoutChange(new LockCommand.KeepAlive(2_000, s, OTHER));
    refusedWithoutChange(new LockCommand.Release(2_000, new HolderId(s, "a"), "r", ""));
    assertInstanceOf(LockResult.SessionKeptAlive.class,
        run(new LockCommand.KeepAlive(2_000, s, TOKEN)));
    assertInstanceOf(LockResult.Released.class,
        run(new LockCommand.Release(2_000, new HolderId(s, "a"), "r", TOKEN)));
  }

  /** A version-2 snapshot (before tokens): its sessions refuse every token-checked command. */
  @Test
  void aSessionFromAnOldSnapshotHasNoTokenAndOnlyExpires() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      out.writeInt(0x53594c4b);
      out.writeInt(2);
      out.writeLong(7); // last index
      out.writeLong(1_000); // now
      out.writeLong(0); // last fencing token
      out.writeInt(1);
      out.writeLong(5);
      out.writeLong(1_000);
      out.writeLong(2_000);
      out.writeInt(0); // resources
    }
    m.restore(new ByteArrayInputStream(buffer.toByteArray()));
    index = 7;
    assertEquals(1, m.sessions().size());
    refusedWithoutChange(new LockCommand.KeepAlive(1_500, 5, ""));
    refusedWithoutChange(new LockCommand.CloseSession(1_500, 5, OTHER));
    refusedWithoutChange(new LockCommand.Acquire(1_500, 1, new HolderId(5, "a"), "r",
        LockMode.SHARED, 0, ""));
    run(new LockCommand.ExpireSessions(2_000));
    assertEquals(0, m.sessions().size());
  }

  /** A format-1 open (logged before tokens) still decodes: to a session without a token. */
  @Test
  void aFormatOneOpenDecodesWithoutAToken() {
    byte[] v1 = ByteBuffer.allocate(18).put((byte) 1).put((byte) 1).putLong(1_000)
        .putLong(1_000).array();
    assertEquals(new LockCommand.OpenSession(1_000, 1_000, LockCommand.NO_TOKEN),
        LockCodec.decode(v1));
    long s = ((LockResult.SessionOpened) m.apply(++index, v1)).sessionId();
    refusedWithoutChange(new LockCommand.KeepAlive(1_000, s, ""));
  }

  @Test
  void commandsDoNotPrintTheToken() {
    long s = openWithHold();
    for (Object o : new Object[] {new LockCommand.OpenSession(1, 1, TOKEN),
        new LockCommand.KeepAlive(1, s, TOKEN), new LockCommand.CloseSession(1, s, TOKEN),
        new LockCommand.Release(1, new HolderId(s, "a"), "r", TOKEN),
        new LockCommand.Acquire(1, 1, new HolderId(s, "a"), "r", LockMode.SHARED, 0, TOKEN),
        new LockResult.SessionOpened(s, 1, 1, TOKEN)}) {
      assertEquals(-1, o.toString().indexOf(TOKEN), o.toString());
    }
  }
}
