package io.synod.queue.ring;

import java.nio.charset.StandardCharsets;

/**
 * xxHash64 (Yann Collet's XXH64), checked against the reference sanity vectors of xxhsum.
 *
 * <p>All methods are static, thread-safe and allocation-free, except {@link #hash(CharSequence)}
 * for keys holding non-ASCII characters, which encodes them to UTF-8 first. For every string the
 * result equals XXH64 of its UTF-8 bytes with seed 0, in every JVM.
 */
public final class XxHash64 {
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private XxHash64() {}

  /**
   * Hashes a byte range.
   *
   * @param data must not be null
   * @param off first byte, must be within data
   * @param len number of bytes, must fit in data from off
   * @param seed the seed
   * @return the XXH64 value
   */
  public static long hash(byte[] data, int off, int len, long seed) {
    if (off < 0 || len < 0 || off + len > data.length) {
      throw new IndexOutOfBoundsException("range " + off + "+" + len + " of " + data.length);
    }
    return hash(ByteSource.ARRAY, data, null, off, len, seed);
  }

  /**
   * Hashes a whole byte array with seed 0.
   *
   * @param data must not be null
   * @return the XXH64 value
   */
  public static long hash(byte[] data) {
    return hash(data, 0, data.length, 0L);
  }

  /**
   * Hashes the UTF-8 encoding of a string with seed 0; allocation-free for ASCII strings.
   *
   * @param key must not be null
   * @return XXH64 of the UTF-8 bytes of the key
   */
  public static long hash(CharSequence key) {
    return hash(key, 0L);
  }

  /**
   * Hashes the UTF-8 encoding of a string; allocation-free for ASCII strings.
   *
   * @param key must not be null
   * @param seed the seed
   * @return XXH64 of the UTF-8 bytes of the key
   */
  public static long hash(CharSequence key, long seed) {
    int n = key.length();
    for (int i = 0; i < n; i++) {
      if (key.charAt(i) >= 0x80) {
        byte[] b = key.toString().getBytes(StandardCharsets.UTF_8);
        return hash(ByteSource.ARRAY, b, null, 0, b.length, seed);
      }
    }
    return hash(ByteSource.CHARS, null, key, 0, n, seed);
  }

  private enum ByteSource { ARRAY, CHARS }

  private static int byteAt(ByteSource src, byte[] a, CharSequence s, int i) {
    return src == ByteSource.ARRAY ? (a[i] & 0xFF) : (s.charAt(i) & 0xFF);
  }

  private static long long64(ByteSource src, byte[] a, CharSequence s, int i) {
    return (byteAt(src, a, s, i) & 0xFFL)
        | ((long) byteAt(src, a, s, i + 1) << 8)
        | ((long) byteAt(src, a, s, i + 2) << 16)
        | ((long) byteAt(src, a, s, i + 3) << 24)
        | ((long) byteAt(src, a, s, i + 4) << 32)
        | ((long) byteAt(src, a, s, i + 5) << 40)
        | ((long) byteAt(src, a, s, i + 6) << 48)
        | ((long) byteAt(src, a, s, i + 7) << 56);
  }

  private static long int32(ByteSource src, byte[] a, CharSequence s, int i) {
    return (byteAt(src, a, s, i) & 0xFFL)
        | ((long) byteAt(src, a, s, i + 1) << 8)
        | ((long) byteAt(src, a, s, i + 2) << 16)
        | ((long) byteAt(src, a, s, i + 3) << 24);
  }

  private static long round(long acc, long input) {
    acc += input * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long merge(long acc, long val) {
    acc ^= round(0, val);
    return acc * P1 + P4;
  }

  private static long hash(ByteSource src, byte[] a, CharSequence s, int off, int len, long seed) {
    int end = off + len;
    int p = off;
    long h;
    if (len >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      int limit = end - 32;
      do {
        v1 = round(v1, long64(src, a, s, p));
        v2 = round(v2, long64(src, a, s, p + 8));
        v3 = round(v3, long64(src, a, s, p + 16));
        v4 = round(v4, long64(src, a, s, p + 24));
        p += 32;
      } while (p <= limit);
      h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12)
          + Long.rotateLeft(v4, 18);
      h = merge(h, v1);
      h = merge(h, v2);
      h = merge(h, v3);
      h = merge(h, v4);
    } else {
      h = seed + P5;
    }
    h += len;
    while (p + 8 <= end) {
      h ^= round(0, long64(src, a, s, p));
      h = Long.rotateLeft(h, 27) * P1 + P4;
      p += 8;
    }
    if (p + 4 <= end) {
      h ^= int32(src, a, s, p) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      p += 4;
    }
    while (p < end) {
      h ^= (byteAt(src, a, s, p) & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
      p++;
    }
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }
}
