package io.synod.raft.faulttolerance;

import io.synod.raft.Membership;
import io.synod.raft.NodeId;
import io.synod.raft.RaftConfig;
import io.synod.raft.RaftNode;
import io.synod.raft.ReadyProcessor;
import io.synod.raft.log.EntryType;
import io.synod.raft.log.LogEntry;
import io.synod.raft.message.RaftMessage;
import io.synod.raft.spi.StateMachine;
import io.synod.raft.storage.FileLogOptions;
import io.synod.raft.storage.FileRaftLogStore;
import io.synod.raft.storage.LogCorruptedException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The child process of {@link FileLogKillLoopIT}: a one-member Raft group on a {@link
 * FileRaftLogStore}, driven by {@link ReadyProcessor} exactly as the runtime drives it.
 *
 * <p>Protocol on standard output: at start, {@code R <report>} if recovery repaired a torn tail,
 * {@code E <index> <payload>} for every command entry recovered from the log, then {@code
 * READY}. On standard input, {@code P <payload>} proposes a
 * command; {@code A <index> <payload>} is printed once it is applied, which for a one-member
 * group means its entry was fsync'd first (the leader counts its own entry only once durable).
 * A log that recovery refuses prints {@code CORRUPT <message>} and exits with status 3.
 */
public final class KillLoopChild {

  static final int MAX_BATCH = 64;
  static final FileLogOptions OPTIONS = FileLogOptions.defaults().withSegmentBytes(8 * 1024);

  private KillLoopChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    FileRaftLogStore store;
    try {
      store = FileRaftLogStore.open(Path.of(args[0]), OPTIONS);
    } catch (LogCorruptedException e) {
      out.println("CORRUPT " + e.getMessage());
      out.flush();
      System.exit(3);
      return;
    }
    if (store.recovery().repaired()) {
      out.println("R " + store.recovery());
    }
    for (long i = store.firstIndex(); i <= store.lastIndex(); i++) {
      LogEntry e = store.entries(i, i + 1, Long.MAX_VALUE).get(0);
      if (e.type() == EntryType.COMMAND) {
        out.println("E " + e.index() + " " + new String(e.data(), StandardCharsets.UTF_8));
      }
    }
    NodeId me = NodeId.of("solo");
    RaftNode node = new RaftNode(me, 0, Membership.ofVoters(me), RaftConfig.defaults(), store,
        null, new SplittableRandom(1));
    ReadyProcessor processor = new ReadyProcessor(store, new NoState(), null,
        new ReadyProcessor.Sink() {
          @Override
          public void send(List<RaftMessage> messages) {}

          @Override
          public void applied(LogEntry entry, Object result) {
            if (entry.type() == EntryType.COMMAND) {
              out.println("A " + entry.index() + " "
                  + new String(entry.data(), StandardCharsets.UTF_8));
            }
          }
        });
    node.campaign(); // the only voter wins at once
    processor.drain(node);
    out.println("READY");
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      // group commit: propose what is already waiting (up to a batch), then one drain (one
      // fsync); the cap keeps a writer faster than the disk from starving the drain
      int batch = 0;
      do {
        if (line.startsWith("P ")) {
          node.propose(line.substring(2).getBytes(StandardCharsets.UTF_8));
          batch++;
        }
      } while (batch < MAX_BATCH && in.ready() && (line = in.readLine()) != null);
      processor.drain(node);
      out.flush();
    }
    store.close();
  }

  /** A state machine with no state: the test checks the log itself. */
  private static final class NoState implements StateMachine {
    @Override
    public Object apply(long index, byte[] command) {
      return null;
    }

    @Override
    public SnapshotWriter snapshot() {
      return o -> { };
    }

    @Override
    public void restore(InputStream in) {}
  }
}
