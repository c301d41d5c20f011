package io.synod.raft.lock;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The compact binary encoding of {@link LockCommand}s (JDK only): a format byte, a type byte, the
 * stamp as 8 bytes, then the fields; strings are a 4-byte length and UTF-8 bytes. An unknown mode
 * byte decodes to a null mode, so the state machine refuses it as {@link LockError#UNKNOWN_MODE}
 * rather than as garbage.
 *
 * <p>Format 2 (written) appends the session token, as a string, to the open, keep-alive, close,
 * acquire and release commands. Format 1 (entries logged before session tokens) still decodes,
 * with {@link LockCommand#NO_TOKEN}: its sessions have no token and refuse every token-checked
 * command, so they end by expiry.
 *
 * <p>Encoding followed by decoding gives an equal command. Decoding must reject anything that is
 * not exactly one encoded command.
 *
 * @since 1.0
 */
public final class LockCodec {

  /** The format byte written first; bytes of another format than this or 1 are refused. */
  public static final byte FORMAT = 2;

  private static final byte FORMAT_1 = 1;

  /** The largest string the codec accepts, in UTF-8 bytes. */
  public static final int MAX_STRING_BYTES = 64 * 1024;

  private static final byte OPEN = 1;
  private static final byte KEEP_ALIVE = 2;
  private static final byte CLOSE = 3;
  private static final byte ACQUIRE = 4;
  private static final byte RELEASE = 5;
  private static final byte EXPIRE_SESSIONS = 6;
  private static final byte EXPIRE_WAITS = 7;
  private static final byte GRANT_GRACE = 8;

  private LockCodec() {}

  /**
   * Encodes a command.
   *
   * @param command the command; its strings must be at most {@link #MAX_STRING_BYTES} long
   * @return the bytes to propose
   * @throws IllegalArgumentException if a string is too long
   */
  public static byte[] encode(LockCommand command) {
    if (command instanceof LockCommand.OpenSession c) {
      return fixed(OPEN, c.stampMillis(), c.ttlMillis(), c.sessionToken());
    } else if (command instanceof LockCommand.KeepAlive c) {
      return fixed(KEEP_ALIVE, c.stampMillis(), c.sessionId(), c.sessionToken());
    } else if (command instanceof LockCommand.CloseSession c) {
      return fixed(CLOSE, c.stampMillis(), c.sessionId(), c.sessionToken());
    } else if (command instanceof LockCommand.ExpireSessions c) {
      return header(ByteBuffer.allocate(10), EXPIRE_SESSIONS, c.stampMillis()).array();
    } else if (command instanceof LockCommand.ExpireWaits c) {
      return header(ByteBuffer.allocate(10), EXPIRE_WAITS, c.stampMillis()).array();
    } else if (command instanceof LockCommand.GrantGrace c) {
      return header(ByteBuffer.allocate(10), GRANT_GRACE, c.stampMillis()).array();
    } else if (command instanceof LockCommand.Acquire c) {
      byte[] owner = utf8(c.holder().owner());
      byte[] resource = utf8(c.resource());
      byte[] token = utf8(c.sessionToken());
      ByteBuffer b = ByteBuffer.allocate(10 + 8 + 8 + 4 + owner.length + 4 + resource.length + 1 + 8
          + 4 + token.length);
      header(b, ACQUIRE, c.stampMillis());
      b.putLong(c.requestId()).putLong(c.holder().sessionId());
      b.putInt(owner.length).put(owner).putInt(resource.length).put(resource);
      b.put(c.mode() == null ? 0 : c.mode().code()).putLong(c.waitMillis());
      b.putInt(token.length).put(token);
      return b.array();
    } else if (command instanceof LockCommand.Release c) {
      byte[] owner = utf8(c.holder().owner());
      byte[] resource = utf8(c.resource());
      byte[] token = utf8(c.sessionToken());
      ByteBuffer b = ByteBuffer.allocate(10 + 8 + 4 + owner.length + 4 + resource.length
          + 4 + token.length);
      header(b, RELEASE, c.stampMillis());
      b.putLong(c.holder().sessionId());
      b.putInt(owner.length).put(owner).putInt(resource.length).put(resource);
      b.putInt(token.length).put(token);
      return b.array();
    }
    throw new IllegalArgumentException("unknown lock command " + command);
  }

  /**
   * Decodes one command.
   *
   * @param bytes exactly the bytes of one encoded command
   * @return the command
   * @throws MalformedCommandException if the bytes are not one well-formed command
   */
  public static LockCommand decode(byte[] bytes) {
    if (bytes == null || bytes.length < 10) {
      throw new MalformedCommandException("command shorter than its header");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    try {
      byte format = b.get();
      if (format != FORMAT && format != FORMAT_1) {
        throw new MalformedCommandException("unknown command format " + format);
      }
      boolean tokens = format != FORMAT_1;
      byte type = b.get();
      long stamp = b.getLong();
      LockCommand command =
          switch (type) {
            case OPEN -> new LockCommand.OpenSession(stamp, b.getLong(), token(b, tokens));
            case KEEP_ALIVE -> new LockCommand.KeepAlive(stamp, b.getLong(), token(b, tokens));
            case CLOSE -> new LockCommand.CloseSession(stamp, b.getLong(), token(b, tokens));
            case EXPIRE_SESSIONS -> new LockCommand.ExpireSessions(stamp);
            case EXPIRE_WAITS -> new LockCommand.ExpireWaits(stamp);
            case GRANT_GRACE -> new LockCommand.GrantGrace(stamp);
            case ACQUIRE -> {
              long requestId = b.getLong();
              long session = b.getLong();
              String owner = string(b);
              String resource = string(b);
              LockMode mode = LockMode.fromCode(b.get()).orElse(null);
              long wait = b.getLong();
              yield new LockCommand.Acquire(stamp, requestId, new HolderId(session, owner),
                  resource, mode, wait, token(b, tokens));
            }
            case RELEASE -> {
              long session = b.getLong();
              String owner = string(b);
              String resource = string(b);
              yield new LockCommand.Release(stamp, new HolderId(session, owner), resource,
                  token(b, tokens));
            }
            default -> throw new MalformedCommandException("unknown command type " + type);
          };
      if (b.hasRemaining()) {
        throw new MalformedCommandException(b.remaining() + " trailing bytes after command");
      }
      return command;
    } catch (BufferUnderflowException e) {
      throw new MalformedCommandException("command truncated");
    }
  }

  private static byte[] fixed(byte type, long stamp, long value, String token) {
    byte[] t = utf8(token);
    return header(ByteBuffer.allocate(18 + 4 + t.length), type, stamp).putLong(value)
        .putInt(t.length).put(t).array();
  }

  private static String token(ByteBuffer b, boolean present) {
    return present ? string(b) : LockCommand.NO_TOKEN;
  }

  private static ByteBuffer header(ByteBuffer b, byte type, long stamp) {
    return b.put(FORMAT).put(type).putLong(stamp);
  }

  private static byte[] utf8(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_STRING_BYTES) {
      throw new IllegalArgumentException("string longer than " + MAX_STRING_BYTES + " bytes");
    }
    return bytes;
  }

  private static String string(ByteBuffer b) {
    int length = b.getInt();
    if (length < 0 || length > MAX_STRING_BYTES || length > b.remaining()) {
      throw new MalformedCommandException("bad string length " + length);
    }
    byte[] bytes = new byte[length];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Thrown by {@link #decode} for bytes that are not one well-formed command.
   *
   * @since 1.0
   */
  public static final class MalformedCommandException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong with the bytes
     */
    public MalformedCommandException(String message) {
      super(message);
    }
  }
}
