package io.synod.raft.snapshot;

import io.synod.raft.Membership;
import io.synod.raft.spi.SnapshotStore;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A {@link SnapshotStore} in one directory: the latest snapshot is the file {@code snapshot},
 * written as {@code snapshot.tmp}, fsync'd, atomically renamed, and the directory fsync'd, so a
 * crash at any point leaves either the old or the new snapshot complete. The file holds a header
 * (magic, last index and term, membership, length, CRC32C) and the bytes; a file whose CRC does
 * not match is rejected at open. The latest snapshot's bytes are cached in memory for chunked
 * reads on the Raft thread.
 *
 * @since 1.0
 */
public final class FileSnapshotStore implements SnapshotStore {

  private static final int MAGIC = 0x534e4150; // "SNAP"
  private final Path dir;
  private Meta meta;
  private byte[] data;

  /**
   * Opens (or creates) the store in {@code dir}.
   *
   * @throws IOException if the directory cannot be used or the snapshot file is corrupt
   */
  public FileSnapshotStore(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve("snapshot.tmp"));
    Path file = dir.resolve("snapshot");
    if (Files.exists(file)) {
      load(Files.readAllBytes(file));
    }
  }

  private void load(byte[] file) throws IOException {
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(file));
    if (in.readInt() != MAGIC) {
      throw new IOException("not a snapshot file in " + dir);
    }
    long lastIndex = in.readLong();
    long lastTerm = in.readLong();
    byte[] m = new byte[in.readInt()];
    in.readFully(m);
    int len = in.readInt();
    long crc = in.readLong();
    byte[] bytes = new byte[len];
    in.readFully(bytes);
    CRC32C c = new CRC32C();
    c.update(bytes);
    if (c.getValue() != crc) {
      throw new IOException("snapshot checksum mismatch in " + dir);
    }
    meta = new Meta(lastIndex, lastTerm, Membership.decode(m), len);
    data = bytes;
  }

  @Override
  public synchronized Optional<Meta> latest() {
    return Optional.ofNullable(meta);
  }

  @Override
  public synchronized byte[] read(long offset, int maxBytes) {
    if (meta == null) {
      throw new IllegalStateException("no snapshot");
    }
    int from = (int) Math.min(offset, data.length);
    int to = (int) Math.min((long) from + maxBytes, data.length);
    return Arrays.copyOfRange(data, from, to);
  }

  @Override
  public void save(long lastIndex, long lastTerm, Membership membership, byte[] bytes)
      throws IOException {
    synchronized (this) {
      if (meta != null && meta.lastIndex() >= lastIndex) {
        return;
      }
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream(bytes.length + 128);
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeInt(MAGIC);
      out.writeLong(lastIndex);
      out.writeLong(lastTerm);
      byte[] m = membership.encode();
      out.writeInt(m.length);
      out.write(m);
      out.writeInt(bytes.length);
      CRC32C c = new CRC32C();
      c.update(bytes);
      out.writeLong(c.getValue());
      out.write(bytes);
    }
    Path tmp = dir.resolve("snapshot.tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(buf.toByteArray());
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, dir.resolve("snapshot"), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("file system cannot rename atomically: " + dir, e);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UncheckedIOException e) {
      // some platforms cannot fsync a directory; the rename is still atomic
    }
    synchronized (this) {
      if (meta == null || meta.lastIndex() < lastIndex) {
        data = bytes.clone();
        meta = new Meta(lastIndex, lastTerm, membership, bytes.length);
      }
    }
  }
}
