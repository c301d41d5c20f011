package io.synod.queue.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** XXH64 against the reference sanity vectors of xxhsum (cli/xsum_sanity_check.c). */
class XxHash64Test {
  private static final long PRIME32 = 2654435761L;
  /** 11400714785074694797, as written in xsum_sanity_check.c (not XXH_PRIME64_1). */
  private static final long PRIME64 = Long.parseUnsignedLong("11400714785074694797");

  private static byte[] sanityBuffer(int len) {
    byte[] b = new byte[len];
    long gen = PRIME32;
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (gen >>> 56);
      gen *= PRIME64;
    }
    return b;
  }

  @Test
  void matchesReferenceSanityVectors() {
    byte[] buf = sanityBuffer(222);
    assertEquals(0xEF46DB3751D8E999L, XxHash64.hash(buf, 0, 0, 0));
    assertEquals(0xAC75FDA2929B17EFL, XxHash64.hash(buf, 0, 0, PRIME32));
    assertEquals(0xE934A84ADB052768L, XxHash64.hash(buf, 0, 1, 0));
    assertEquals(0x5014607643A9B4C3L, XxHash64.hash(buf, 0, 1, PRIME32));
    assertEquals(0x9136A0DCA57457EEL, XxHash64.hash(buf, 0, 4, 0));
    assertEquals(0x8282DCC4994E35C8L, XxHash64.hash(buf, 0, 14, 0));
    assertEquals(0xC3BD6BF63DEB6DF0L, XxHash64.hash(buf, 0, 14, PRIME32));
    assertEquals(0xB641AE8CB691C174L, XxHash64.hash(buf, 0, 222, 0));
    assertEquals(0x20CB8AB7AE10C14AL, XxHash64.hash(buf, 0, 222, PRIME32));
  }

  @Test
  void stringHashEqualsHashOfUtf8Bytes() {
    assertEquals(0x44BC2CF5AD770999L, XxHash64.hash("abc"));
    for (String s : new String[] {"", "a", "topic-1", "ünïcødé topic", "日本語のトピック名前",
        "a-longer-ascii-key-that-spans-more-than-thirty-two-bytes-of-input"}) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      assertEquals(XxHash64.hash(b, 0, b.length, 7L), XxHash64.hash(s, 7L), s);
    }
  }
}
