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
import java.nio.file.DirectoryStream;
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
 * written to a temporary file of its own ({@code snapshot-*.tmp}, one per save), fsync'd,
 * atomically renamed, and the directory fsync'd, so a crash at any point leaves either the old or
 * the new snapshot complete.
 *
 * <p>Saves are serialized end to end: one save lock is held from the newer-wins check to the
 * rename, so an older snapshot can never replace a newer one on disk (a local snapshot racing an
 * InstallSnapshot could otherwise rename its file last, after the log was compacted past it, and
 * the node would refuse to start). Readers ({@link #latest()}, {@link #read}) never wait for a
 * save's I/O: they take a separate monitor that guards only the cached bytes. The file holds a header
 * (magic, last index and term, membership, length, CRC32C) and the bytes; a file whose CRC does
 * not match is rejected at open. The latest snapshot's bytes are cached in memory for chunked
 * reads on the Raft thread.
 *
 * @since 1.0
 */
public final class FileSnapshotStore implements SnapshotStore {

  private static final int MAGIC = 0x534e4150; // "SNAP"
  private final Path dir;
  /** Held by a save from its newer-wins check through the rename; never by readers. */
  private final Object saveLock = new Object();
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
    // temporary files of saves a crash interrupted; the rename never happened, so none is live
    try (DirectoryStream<Path> tmps = Files.newDirectoryStream(dir, "snapshot*.tmp")) {
      for (Path tmp : tmps) {
        Files.deleteIfExists(tmp);
      }
    }
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
    synchronized (saveLock) {
      // newer-wins is decided under the same lock as the rename: no other save can slip between
      if (latestIndex() >= lastIndex) {
        return;
      }
      Path tmp = Files.createTempFile(dir, "snapshot-" + lastIndex + "-", ".tmp");
      try {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
          ByteBuffer b = ByteBuffer.wrap(encode(lastIndex, lastTerm, membership, bytes));
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
      } finally {
        Files.deleteIfExists(tmp);
      }
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException | UncheckedIOException e) {
        // some platforms cannot fsync a directory; the rename is still atomic
      }
      synchronized (this) {
        data = bytes.clone();
        meta = new Meta(lastIndex, lastTerm, membership, bytes.length);
      }
    }
  }

  private synchronized long latestIndex() {
    return meta == null ? -1 : meta.lastIndex();
  }

  private static byte[] encode(long lastIndex, long lastTerm, Membership membership,
      byte[] bytes) throws IOException {
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
    return buf.toByteArray();
  }
}
