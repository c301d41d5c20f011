package io.synod.raft.message;

import io.synod.raft.NodeId;
import io.synod.raft.log.EntryType;
import io.synod.raft.log.LogEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A compact binary form of {@link RaftMessage}s, built on {@link DataOutput} only, so a transport
 * ships bytes without knowing the message types.
 *
 * <p>Layout of one message: a type byte, then the fields of the record in declaration order
 * (ints and longs big-endian, node ids as modified UTF-8, byte arrays and lists prefixed by their
 * length as an int). A batch is a format version byte, a message count and the messages.
 * Decoding must reject anything else with an {@link IOException}; it must never return a
 * partially read message.
 *
 * @since 1.0
 */
public final class RaftMessageCodec {

  /** The version byte that opens every encoded batch. */
  public static final int VERSION = 1;

  private static final int MAX_LIST = 1 << 24;

  private RaftMessageCodec() {}

  /** Encodes a batch of messages (any mix of groups and addressees). */
  public static byte[] encodeBatch(List<? extends RaftMessage> messages) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 96 * messages.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(messages.size());
      for (RaftMessage m : messages) {
        write(out, m);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes a batch written by {@link #encodeBatch}.
   *
   * @throws IOException if the bytes are not a well-formed batch
   */
  public static List<RaftMessage> decodeBatch(byte[] data) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
    int version = in.readUnsignedByte();
    if (version != VERSION) {
      throw new IOException("unknown raft codec version " + version);
    }
    int n = checkedLength(in.readInt());
    List<RaftMessage> out = new ArrayList<>(Math.min(n, 1024));
    for (int i = 0; i < n; i++) {
      out.add(read(in));
    }
    if (in.available() > 0) {
      throw new IOException("trailing bytes after raft message batch");
    }
    return out;
  }

  /** Encodes one message (a batch of one). */
  public static byte[] encode(RaftMessage message) {
    return encodeBatch(List.of(message));
  }

  /**
   * Decodes one message written by {@link #encode}.
   *
   * @throws IOException if the bytes are not exactly one well-formed message
   */
  public static RaftMessage decode(byte[] data) throws IOException {
    List<RaftMessage> batch = decodeBatch(data);
    if (batch.size() != 1) {
      throw new IOException("expected one message, got " + batch.size());
    }
    return batch.get(0);
  }

  /** Writes one message to {@code out}. */
  public static void write(DataOutput out, RaftMessage m) throws IOException {
    if (m instanceof AppendEntriesRequest r) {
      header(out, 1, r);
      out.writeLong(r.prevLogIndex());
      out.writeLong(r.prevLogTerm());
      out.writeLong(r.leaderCommit());
      out.writeInt(r.entries().size());
      for (LogEntry e : r.entries()) {
        writeEntry(out, e);
      }
    } else if (m instanceof AppendEntriesResponse r) {
      header(out, 2, r);
      out.writeBoolean(r.success());
      out.writeLong(r.matchIndex());
      out.writeLong(r.rejectedIndex());
      out.writeLong(r.hintIndex());
      out.writeLong(r.hintTerm());
    } else if (m instanceof VoteRequest r) {
      header(out, 3, r);
      out.writeLong(r.lastLogIndex());
      out.writeLong(r.lastLogTerm());
      out.writeBoolean(r.transfer());
    } else if (m instanceof VoteResponse r) {
      header(out, 4, r);
      out.writeBoolean(r.granted());
    } else if (m instanceof PreVoteRequest r) {
      header(out, 5, r);
      out.writeLong(r.lastLogIndex());
      out.writeLong(r.lastLogTerm());
    } else if (m instanceof PreVoteResponse r) {
      header(out, 6, r);
      out.writeBoolean(r.granted());
    } else if (m instanceof HeartbeatRequest r) {
      header(out, 7, r);
      out.writeLong(r.commitIndex());
      out.writeLong(r.readRound());
    } else if (m instanceof HeartbeatResponse r) {
      header(out, 8, r);
      out.writeLong(r.readRound());
      out.writeLong(r.lastIndex());
    } else if (m instanceof InstallSnapshotRequest r) {
      header(out, 9, r);
      out.writeLong(r.lastIncludedIndex());
      out.writeLong(r.lastIncludedTerm());
      writeIds(out, r.voters());
      writeIds(out, r.learners());
      out.writeLong(r.offset());
      out.writeInt(r.data().length);
      out.write(r.data());
      out.writeBoolean(r.done());
    } else if (m instanceof InstallSnapshotResponse r) {
      header(out, 10, r);
      out.writeLong(r.lastIncludedIndex());
      out.writeLong(r.nextOffset());
      out.writeBoolean(r.done());
    } else if (m instanceof TimeoutNow r) {
      header(out, 11, r);
    } else if (m instanceof ReadIndexRequest r) {
      header(out, 12, r);
      out.writeLong(r.context());
    } else if (m instanceof ReadIndexResponse r) {
      header(out, 13, r);
      out.writeLong(r.context());
      out.writeLong(r.index());
    } else {
      throw new IllegalArgumentException("unknown message " + m);
    }
  }

  /**
   * Reads one message written by {@link #write}.
   *
   * @throws IOException if the bytes are malformed or end early
   */
  public static RaftMessage read(DataInput in) throws IOException {
    int type = in.readUnsignedByte();
    int group = in.readInt();
    NodeId from = readId(in);
    NodeId to = readId(in);
    long term = in.readLong();
    return switch (type) {
      case 1 -> {
        long prevIndex = in.readLong();
        long prevTerm = in.readLong();
        long commit = in.readLong();
        int n = checkedLength(in.readInt());
        List<LogEntry> entries = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
          entries.add(readEntry(in));
        }
        yield new AppendEntriesRequest(group, from, to, term, prevIndex, prevTerm, entries, commit);
      }
      case 2 -> new AppendEntriesResponse(group, from, to, term, in.readBoolean(), in.readLong(),
          in.readLong(), in.readLong(), in.readLong());
      case 3 -> new VoteRequest(group, from, to, term, in.readLong(), in.readLong(),
          in.readBoolean());
      case 4 -> new VoteResponse(group, from, to, term, in.readBoolean());
      case 5 -> new PreVoteRequest(group, from, to, term, in.readLong(), in.readLong());
      case 6 -> new PreVoteResponse(group, from, to, term, in.readBoolean());
      case 7 -> new HeartbeatRequest(group, from, to, term, in.readLong(), in.readLong());
      case 8 -> new HeartbeatResponse(group, from, to, term, in.readLong(), in.readLong());
      case 9 -> {
        long lastIndex = in.readLong();
        long lastTerm = in.readLong();
        List<NodeId> voters = readIds(in);
        List<NodeId> learners = readIds(in);
        long offset = in.readLong();
        byte[] data = new byte[checkedLength(in.readInt())];
        in.readFully(data);
        boolean done = in.readBoolean();
        yield new InstallSnapshotRequest(group, from, to, term, lastIndex, lastTerm, voters,
            learners, offset, data, done);
      }
      case 10 -> new InstallSnapshotResponse(group, from, to, term, in.readLong(), in.readLong(),
          in.readBoolean());
      case 11 -> new TimeoutNow(group, from, to, term);
      case 12 -> new ReadIndexRequest(group, from, to, term, in.readLong());
      case 13 -> new ReadIndexResponse(group, from, to, term, in.readLong(), in.readLong());
      default -> throw new IOException("unknown raft message type " + type);
    };
  }

  private static void header(DataOutput out, int type, RaftMessage m) throws IOException {
    out.writeByte(type);
    out.writeInt(m.groupId());
    out.writeUTF(m.from().value());
    out.writeUTF(m.to().value());
    out.writeLong(m.term());
  }

  private static void writeEntry(DataOutput out, LogEntry e) throws IOException {
    out.writeLong(e.term());
    out.writeLong(e.index());
    out.writeByte(e.type().ordinal());
    out.writeInt(e.data().length);
    out.write(e.data());
  }

  private static LogEntry readEntry(DataInput in) throws IOException {
    long term = in.readLong();
    long index = in.readLong();
    int type = in.readUnsignedByte();
    byte[] data = new byte[checkedLength(in.readInt())];
    in.readFully(data);
    try {
      return new LogEntry(term, index, EntryType.fromCode(type), data);
    } catch (IllegalArgumentException e) {
      throw new IOException("bad log entry: " + e.getMessage(), e);
    }
  }

  private static void writeIds(DataOutput out, List<NodeId> ids) throws IOException {
    out.writeInt(ids.size());
    for (NodeId id : ids) {
      out.writeUTF(id.value());
    }
  }

  private static List<NodeId> readIds(DataInput in) throws IOException {
    int n = checkedLength(in.readInt());
    List<NodeId> ids = new ArrayList<>(Math.min(n, 64));
    for (int i = 0; i < n; i++) {
      ids.add(readId(in));
    }
    return ids;
  }

  private static NodeId readId(DataInput in) throws IOException {
    String s = in.readUTF();
    if (s.isEmpty()) {
      throw new IOException("empty node id");
    }
    return new NodeId(s);
  }

  private static int checkedLength(int n) throws IOException {
    if (n < 0 || n > MAX_LIST) {
      throw new IOException("bad length " + n);
    }
    return n;
  }
}
