package io.synod.queue;

import io.synod.queue.memory.InMemoryStreamStore;
import io.synod.queue.memory.TopicSnapshot;
import io.synod.queue.spi.PendingEntry;
import io.synod.queue.spi.StreamEntry;
import io.synod.queue.spi.StreamId;
import io.synod.queue.spi.StreamRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A compact binary form of {@link QueueRequest}s and their answers, so a transport (HTTP in
 * node-server: {@code POST /internal/queue}, body {@code application/octet-stream}) ships bytes
 * and never needs to know the request types. Stateless and thread-safe; JDK only.
 *
 * <p>An answer is encoded as a status byte (0 ok, 1 failure) followed by the value or by the
 * failure's code and message, so a remote {@link QueueException} arrives with its code.
 * Malformed input must fail with {@link IllegalArgumentException}.
 */
public final class QueueWireCodec {
  /** Format version written first in every request. */
  public static final int VERSION = 1;
  private static final int MAX_LIST = 1 << 22;

  private QueueWireCodec() {}

  // ------------------------------------------------------------------ requests

  /**
   * Encodes a request.
   *
   * @param r the request
   * @return its bytes
   */
  public static byte[] encodeRequest(QueueRequest<?> r) {
    return write(out -> {
      out.writeByte(VERSION);
      if (r instanceof QueueRequest.Publish p) {
        out.writeByte(1);
        out.writeUTF(p.topic());
        out.writeInt(p.records().size());
        for (StreamRecord rec : p.records()) {
          writeRecord(out, rec);
        }
        out.writeByte(p.hops());
      } else if (r instanceof QueueRequest.Consume c) {
        out.writeByte(2);
        out.writeUTF(c.topic());
        out.writeUTF(c.group());
        out.writeUTF(c.consumer());
        out.writeInt(c.max());
        out.writeLong(c.waitMillis());
        out.writeByte(c.hops());
      } else if (r instanceof QueueRequest.Ack a) {
        out.writeByte(3);
        out.writeUTF(a.topic());
        out.writeUTF(a.group());
        writeStrings(out, a.ids());
        out.writeByte(a.hops());
      } else if (r instanceof QueueRequest.Nack n) {
        out.writeByte(4);
        out.writeUTF(n.topic());
        out.writeUTF(n.group());
        out.writeUTF(n.consumer());
        out.writeUTF(n.id());
        out.writeByte(n.hops());
      } else if (r instanceof QueueRequest.Extend e) {
        out.writeByte(5);
        out.writeUTF(e.topic());
        out.writeUTF(e.group());
        out.writeUTF(e.consumer());
        out.writeUTF(e.id());
        out.writeLong(e.millis());
        out.writeByte(e.hops());
      } else if (r instanceof QueueRequest.Stats s) {
        out.writeByte(6);
        out.writeUTF(s.topic());
        out.writeByte(s.hops());
      } else if (r instanceof QueueRequest.Browse b) {
        out.writeByte(7);
        out.writeUTF(b.topic());
        out.writeUTF(b.from());
        out.writeInt(b.max());
        out.writeByte(b.hops());
      } else if (r instanceof QueueRequest.Pending p) {
        out.writeByte(8);
        out.writeUTF(p.topic());
        out.writeUTF(p.group());
        out.writeInt(p.max());
        out.writeByte(p.hops());
      } else if (r instanceof QueueRequest.AckReceipts a) {
        out.writeByte(9);
        out.writeUTF(a.topic());
        out.writeUTF(a.group());
        writeStrings(out, a.receipts());
        out.writeByte(a.hops());
      } else if (r instanceof QueueRequest.NackReceipt n) {
        out.writeByte(10);
        out.writeUTF(n.topic());
        out.writeUTF(n.group());
        out.writeUTF(n.receipt());
        out.writeByte(n.hops());
      } else if (r instanceof QueueRequest.ExtendReceipt e) {
        out.writeByte(11);
        out.writeUTF(e.topic());
        out.writeUTF(e.group());
        out.writeUTF(e.receipt());
        out.writeLong(e.millis());
        out.writeByte(e.hops());
      } else if (r instanceof QueueRequest.DeleteGroup d) {
        out.writeByte(12);
        out.writeUTF(d.topic());
        out.writeUTF(d.group());
        out.writeByte(d.hops());
      } else if (r instanceof QueueRequest.DeleteConsumer d) {
        out.writeByte(13);
        out.writeUTF(d.topic());
        out.writeUTF(d.group());
        out.writeUTF(d.consumer());
        out.writeByte(d.hops());
      } else {
        throw new IllegalArgumentException("unknown request " + r);
      }
    });
  }

  /**
   * Decodes a request.
   *
   * @param bytes what {@link #encodeRequest} produced
   * @return the request
   * @throws IllegalArgumentException when malformed
   */
  public static QueueRequest<?> decodeRequest(byte[] bytes) {
    return read(bytes, in -> {
      int v = in.readUnsignedByte();
      if (v != VERSION) {
        throw new IllegalArgumentException("unknown queue wire version " + v);
      }
      int kind = in.readUnsignedByte();
      switch (kind) {
        case 1: {
          String topic = in.readUTF();
          int n = size(in);
          List<StreamRecord> recs = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            recs.add(readRecord(in));
          }
          return new QueueRequest.Publish(topic, recs, in.readUnsignedByte());
        }
        case 2:
          return new QueueRequest.Consume(in.readUTF(), in.readUTF(), in.readUTF(), in.readInt(),
              in.readLong(), in.readUnsignedByte());
        case 3:
          return new QueueRequest.Ack(in.readUTF(), in.readUTF(), readStrings(in),
              in.readUnsignedByte());
        case 4:
          return new QueueRequest.Nack(in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF(),
              in.readUnsignedByte());
        case 5:
          return new QueueRequest.Extend(in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF(),
              in.readLong(), in.readUnsignedByte());
        case 6:
          return new QueueRequest.Stats(in.readUTF(), in.readUnsignedByte());
        case 7:
          return new QueueRequest.Browse(in.readUTF(), in.readUTF(), in.readInt(),
              in.readUnsignedByte());
        case 8:
          return new QueueRequest.Pending(in.readUTF(), in.readUTF(), in.readInt(),
              in.readUnsignedByte());
        case 9:
          return new QueueRequest.AckReceipts(in.readUTF(), in.readUTF(), readStrings(in),
              in.readUnsignedByte());
        case 10:
          return new QueueRequest.NackReceipt(in.readUTF(), in.readUTF(), in.readUTF(),
              in.readUnsignedByte());
        case 11:
          return new QueueRequest.ExtendReceipt(in.readUTF(), in.readUTF(), in.readUTF(),
              in.readLong(), in.readUnsignedByte());
        case 12:
          return new QueueRequest.DeleteGroup(in.readUTF(), in.readUTF(), in.readUnsignedByte());
        case 13:
          return new QueueRequest.DeleteConsumer(in.readUTF(), in.readUTF(), in.readUTF(),
              in.readUnsignedByte());
        default:
          throw new IllegalArgumentException("unknown queue request kind " + kind);
      }
    });
  }

  // ------------------------------------------------------------------ answers

  /**
   * Encodes the answer to a request.
   *
   * @param r the request answered
   * @param value the answer (null for {@code Void})
   * @return its bytes
   */
  @SuppressWarnings("unchecked")
  public static byte[] encodeResponse(QueueRequest<?> r, Object value) {
    return write(out -> {
      out.writeByte(0);
      if (r instanceof QueueRequest.Publish) {
        List<StreamId> ids = (List<StreamId>) value;
        out.writeInt(ids.size());
        for (StreamId id : ids) {
          writeId(out, id);
        }
      } else if (r instanceof QueueRequest.Consume) {
        List<Delivery> ds = (List<Delivery>) value;
        out.writeInt(ds.size());
        for (Delivery d : ds) {
          writeId(out, d.id());
          writeRecord(out, d.record());
          out.writeLong(d.publishedAt());
          out.writeLong(d.deliveryCount());
          out.writeLong(d.deliveredAt());
        }
      } else if (r instanceof QueueRequest.Ack || r instanceof QueueRequest.AckReceipts
          || r instanceof QueueRequest.DeleteGroup) {
        out.writeLong((Long) value);
      } else if (r instanceof QueueRequest.Nack || r instanceof QueueRequest.Extend
          || r instanceof QueueRequest.NackReceipt || r instanceof QueueRequest.ExtendReceipt
          || r instanceof QueueRequest.DeleteConsumer) {
        return;
      } else if (r instanceof QueueRequest.Stats) {
        TopicStats s = (TopicStats) value;
        out.writeUTF(s.topic());
        out.writeLong(s.length());
        out.writeInt(s.groups().size());
        for (TopicStats.GroupStats g : s.groups()) {
          out.writeUTF(g.group());
          out.writeLong(g.consumers());
          out.writeLong(g.pending());
          out.writeLong(g.oldestPendingAgeMillis());
          out.writeLong(g.lag());
          out.writeLong(g.redeliveries());
          out.writeLong(g.deadLettered());
        }
      } else if (r instanceof QueueRequest.Browse) {
        List<StreamEntry> es = (List<StreamEntry>) value;
        out.writeInt(es.size());
        for (StreamEntry e : es) {
          writeId(out, e.id());
          writeRecord(out, e.record());
          out.writeLong(e.deliveryCount());
        }
      } else if (r instanceof QueueRequest.Pending) {
        List<PendingEntry> ps = (List<PendingEntry>) value;
        out.writeInt(ps.size());
        for (PendingEntry p : ps) {
          writeId(out, p.id());
          out.writeUTF(p.consumer());
          out.writeLong(p.idleMillis());
          out.writeLong(p.deliveryCount());
        }
      } else {
        throw new IllegalArgumentException("unknown request " + r);
      }
    });
  }

  /**
   * Encodes a failed answer.
   *
   * @param failure the failure (anything else is mapped by {@link QueueException#of})
   * @return its bytes
   */
  public static byte[] encodeFailure(Throwable failure) {
    QueueException q = QueueException.of(failure);
    return write(out -> {
      out.writeByte(1);
      out.writeUTF(q.code().name());
      String m = String.valueOf(q.getMessage());
      out.writeUTF(m.length() > 2000 ? m.substring(0, 2000) : m);
    });
  }

  /**
   * Decodes an answer.
   *
   * @param r the request it answers
   * @param bytes what {@link #encodeResponse} or {@link #encodeFailure} produced
   * @param <R> the answer type
   * @return the answer
   * @throws QueueException the remote failure, with its code
   * @throws IllegalArgumentException when malformed
   */
  @SuppressWarnings("unchecked")
  public static <R> R decodeResponse(QueueRequest<R> r, byte[] bytes) {
    return (R) read(bytes, in -> {
      int status = in.readUnsignedByte();
      if (status == 1) {
        QueueException.Code code;
        try {
          code = QueueException.Code.valueOf(in.readUTF());
        } catch (IllegalArgumentException e) {
          code = QueueException.Code.UNAVAILABLE;
        }
        throw new QueueException(code, in.readUTF());
      }
      if (status != 0) {
        throw new IllegalArgumentException("bad answer status " + status);
      }
      if (r instanceof QueueRequest.Publish) {
        int n = size(in);
        List<StreamId> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          ids.add(readId(in));
        }
        return ids;
      } else if (r instanceof QueueRequest.Consume) {
        int n = size(in);
        List<Delivery> ds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          ds.add(new Delivery(readId(in), readRecord(in), in.readLong(), in.readLong(),
              in.readLong()));
        }
        return ds;
      } else if (r instanceof QueueRequest.Ack || r instanceof QueueRequest.AckReceipts
          || r instanceof QueueRequest.DeleteGroup) {
        return in.readLong();
      } else if (r instanceof QueueRequest.Nack || r instanceof QueueRequest.Extend
          || r instanceof QueueRequest.NackReceipt || r instanceof QueueRequest.ExtendReceipt
          || r instanceof QueueRequest.DeleteConsumer) {
        return null;
      } else if (r instanceof QueueRequest.Stats) {
        String topic = in.readUTF();
        long length = in.readLong();
        int n = size(in);
        List<TopicStats.GroupStats> gs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          gs.add(new TopicStats.GroupStats(in.readUTF(), in.readLong(), in.readLong(),
              in.readLong(), in.readLong(), in.readLong(), in.readLong()));
        }
        return new TopicStats(topic, length, gs);
      } else if (r instanceof QueueRequest.Browse) {
        int n = size(in);
        List<StreamEntry> es = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          es.add(new StreamEntry(readId(in), readRecord(in), in.readLong()));
        }
        return es;
      } else if (r instanceof QueueRequest.Pending) {
        int n = size(in);
        List<PendingEntry> ps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          ps.add(new PendingEntry(readId(in), in.readUTF(), in.readLong(), in.readLong()));
        }
        return ps;
      }
      throw new IllegalArgumentException("unknown request " + r);
    });
  }

  // ------------------------------------------------------------------ pieces

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static byte[] write(Writer w) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bos)) {
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  private static <T> T read(byte[] bytes, Reader<T> r) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      T v = r.read(in);
      if (in.available() > 0) {
        throw new IllegalArgumentException("trailing bytes in queue message");
      }
      return v;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed queue message: " + e, e);
    }
  }

  private static int size(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_LIST) {
      throw new IllegalArgumentException("bad list size " + n);
    }
    return n;
  }

  private static void writeId(DataOutputStream out, StreamId id) throws IOException {
    out.writeBoolean(id != null);
    if (id != null) {
      out.writeLong(id.ms());
      out.writeLong(id.seq());
    }
  }

  private static StreamId readId(DataInputStream in) throws IOException {
    if (!in.readBoolean()) {
      return null;
    }
    try {
      return new StreamId(in.readLong(), in.readLong());
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage());
    }
  }

  private static void writeRecord(DataOutputStream out, StreamRecord r) throws IOException {
    out.writeInt(r.payload().length);
    out.write(r.payload());
    out.writeInt(r.headers().size());
    for (var e : r.headers().entrySet()) {
      out.writeUTF(e.getKey());
      out.writeUTF(e.getValue());
    }
  }

  private static StreamRecord readRecord(DataInputStream in) throws IOException {
    int n = size(in);
    byte[] p = new byte[n];
    in.readFully(p);
    int h = size(in);
    TreeMap<String, String> headers = new TreeMap<>();
    for (int i = 0; i < h; i++) {
      headers.put(in.readUTF(), in.readUTF());
    }
    return new StreamRecord(p, headers);
  }

  private static void writeStrings(DataOutputStream out, List<String> s) throws IOException {
    out.writeInt(s.size());
    for (String x : s) {
      out.writeUTF(x);
    }
  }

  private static List<String> readStrings(DataInputStream in) throws IOException {
    int n = size(in);
    List<String> s = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      s.add(in.readUTF());
    }
    return s;
  }

  private static void writeIds(DataOutputStream out, List<StreamId> ids) throws IOException {
    out.writeInt(ids.size());
    for (StreamId id : ids) {
      writeId(out, id);
    }
  }

  private static List<StreamId> readIds(DataInputStream in) throws IOException {
    int n = size(in);
    List<StreamId> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(readId(in));
    }
    return ids;
  }

  /**
   * Writes one stream's full copy (used by the replicated queue's snapshots).
   *
   * @param out the stream
   * @param s the copy
   * @throws IOException when the stream fails
   */
  public static void writeTopicSnapshot(DataOutputStream out, TopicSnapshot s)
      throws IOException {
    writeSnapshot(out, s, 1);
  }

  /**
   * Writes one stream's full copy in a given format: 1 as before, 2 with each group's activity
   * time (idle-group expiry).
   *
   * @param out the stream
   * @param s the copy
   * @param format 1 or 2
   * @throws IOException when the stream fails
   */
  public static void writeTopicSnapshot(DataOutputStream out, TopicSnapshot s, int format)
      throws IOException {
    writeSnapshot(out, s, format);
  }

  /**
   * Reads what {@link #writeTopicSnapshot(DataOutputStream, TopicSnapshot, int)} wrote.
   *
   * @param in the stream
   * @param format the format it was written in
   * @return the copy
   * @throws IOException when the stream fails or is malformed
   */
  public static TopicSnapshot readTopicSnapshot(DataInputStream in, int format)
      throws IOException {
    return readSnapshot(in, format);
  }

  /**
   * Reads what {@link #writeTopicSnapshot} wrote.
   *
   * @param in the stream
   * @return the copy
   * @throws IOException when the stream fails or is malformed
   */
  public static TopicSnapshot readTopicSnapshot(DataInputStream in) throws IOException {
    return readSnapshot(in, 1);
  }

  private static void writeSnapshot(DataOutputStream out, TopicSnapshot s, int format)
      throws IOException {
    writeSnapshotHead(out, s);
    out.writeInt(s.entries().size());
    for (TopicSnapshot.Entry e : s.entries()) {
      writeId(out, e.id());
      writeRecord(out, e.record());
    }
    writeSnapshotGroups(out, s, format);
  }

  /**
   * Writes a stream frozen by {@link InMemoryStreamStore#freeze()} in the format of {@link
   * #writeTopicSnapshot(DataOutputStream, TopicSnapshot, int)}, reading its entries as it goes
   * (any thread), and ends the view.
   *
   * @param out the stream
   * @param frozen the frozen stream
   * @param format 1 or 2
   * @throws IOException when the stream fails or the view lost an entry
   */
  public static void writeTopicSnapshot(DataOutputStream out,
      InMemoryStreamStore.FrozenTopic frozen, int format) throws IOException {
    try (frozen) {
      writeSnapshotHead(out, frozen.head());
      out.writeInt(frozen.size());
      frozen.writeEntries((id, record) -> {
        writeId(out, id);
        writeRecord(out, record);
      });
      writeSnapshotGroups(out, frozen.head(), format);
    }
  }

  private static void writeSnapshotHead(DataOutputStream out, TopicSnapshot s)
      throws IOException {
    out.writeUTF(s.stream());
    out.writeLong(s.version());
    writeId(out, s.lastId());
  }

  private static void writeSnapshotGroups(DataOutputStream out, TopicSnapshot s, int format)
      throws IOException {
    out.writeInt(s.groups().size());
    for (TopicSnapshot.Group g : s.groups()) {
      out.writeUTF(g.name());
      writeId(out, g.lastDelivered());
      writeStrings(out, g.consumers());
      out.writeInt(g.pending().size());
      for (TopicSnapshot.Pending p : g.pending()) {
        writeId(out, p.id());
        out.writeUTF(p.consumer());
        out.writeLong(p.deliveryTime());
        out.writeLong(p.deliveryCount());
      }
      if (format >= 2) {
        out.writeLong(g.lastActive());
      }
    }
  }

  private static TopicSnapshot readSnapshot(DataInputStream in, int format) throws IOException {
    String stream = in.readUTF();
    long version = in.readLong();
    StreamId last = readId(in);
    int n = size(in);
    List<TopicSnapshot.Entry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      entries.add(new TopicSnapshot.Entry(readId(in), readRecord(in)));
    }
    int g = size(in);
    List<TopicSnapshot.Group> groups = new ArrayList<>(g);
    for (int i = 0; i < g; i++) {
      String name = in.readUTF();
      StreamId lastDelivered = readId(in);
      List<String> consumers = readStrings(in);
      int p = size(in);
      List<TopicSnapshot.Pending> pending = new ArrayList<>(p);
      for (int j = 0; j < p; j++) {
        pending.add(new TopicSnapshot.Pending(readId(in), in.readUTF(), in.readLong(),
            in.readLong()));
      }
      long lastActive = format >= 2 ? in.readLong() : Long.MAX_VALUE;
      groups.add(new TopicSnapshot.Group(name, lastDelivered, consumers, pending, lastActive));
    }
    return new TopicSnapshot(stream, version, last, entries, groups);
  }
}
