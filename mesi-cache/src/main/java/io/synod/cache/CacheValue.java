package io.synod.cache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * An immutable cache value: a byte string, usually UTF-8 text (the HTTP layer carries JSON
 * strings).
 */
public final class CacheValue {
  private final byte[] bytes;

  private CacheValue(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Wraps a copy of {@code bytes}.
   *
   * @param bytes the bytes, never null
   * @return the value
   */
  public static CacheValue of(byte[] bytes) {
    return new CacheValue(bytes.clone());
  }

  /**
   * Encodes {@code text} as UTF-8.
   *
   * @param text the text, never null
   * @return the value
   */
  public static CacheValue of(String text) {
    return new CacheValue(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns a copy of the bytes.
   *
   * @return the bytes
   */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /**
   * Decodes the bytes as UTF-8.
   *
   * @return the text
   */
  public String asString() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Returns the bytes in Base64, for transports that need text.
   *
   * @return Base64 text
   */
  public String toBase64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * Decodes Base64 text produced by {@link #toBase64()}.
   *
   * @param base64 the text
   * @return the value
   */
  public static CacheValue fromBase64(String base64) {
    return new CacheValue(Base64.getDecoder().decode(base64));
  }

  /**
   * Returns the length in bytes.
   *
   * @return the size
   */
  public int sizeBytes() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CacheValue other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return asString();
  }
}
