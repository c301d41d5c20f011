package io.synod.raft.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class LockCodecTest {

  @Property(tries = 300)
  void roundTripGivesEqualCommand(@ForAll("commands") LockCommand c) {
    assertEquals(c, LockCodec.decode(LockCodec.encode(c)));
  }

  @Property(tries = 300)
  void truncatedOrExtendedBytesAreRejected(@ForAll("commands") LockCommand c) {
    byte[] bytes = LockCodec.encode(c);
    assertThrows(LockCodec.MalformedCommandException.class,
        () -> LockCodec.decode(Arrays.copyOf(bytes, bytes.length - 1)));
    assertThrows(LockCodec.MalformedCommandException.class,
        () -> LockCodec.decode(Arrays.copyOf(bytes, bytes.length + 1)));
  }

  @Test
  void unknownModeDecodesToNullMode() {
    byte[] bytes = LockCodec.encode(new LockCommand.Acquire(1, 2, HolderId.ownerOnly("o"), "r",
        LockMode.SHARED, 0));
    bytes[bytes.length - 13] = 77; // mode, then the wait (8) and the empty token (4)
    assertNull(((LockCommand.Acquire) LockCodec.decode(bytes)).mode());
  }

  @Test
  void unknownFormatAndTypeAreRejected() {
    byte[] bytes = LockCodec.encode(new LockCommand.ExpireWaits(5));
    bytes[0] = 9;
    assertThrows(LockCodec.MalformedCommandException.class, () -> LockCodec.decode(bytes));
    bytes[0] = LockCodec.FORMAT;
    bytes[1] = 99;
    assertThrows(LockCodec.MalformedCommandException.class, () -> LockCodec.decode(bytes));
  }

  @Test
  void modeParsesApiSpelling() {
    assertEquals(LockMode.SHARED, LockMode.parse("Shared").orElseThrow());
    assertEquals(LockMode.EXCLUSIVE, LockMode.parse("exclusive").orElseThrow());
    assertEquals(true, LockMode.parse("write").isEmpty());
    assertEquals(true, LockMode.parse(null).isEmpty());
  }

  @Provide
  Arbitrary<LockCommand> commands() {
    Arbitrary<Long> longs = Arbitraries.longs();
    Arbitrary<String> names = Arbitraries.strings().ofMaxLength(20);
    Arbitrary<HolderId> holders = longs.flatMap(s -> names.map(o -> new HolderId(s, o)));
    Arbitrary<LockMode> modes = Arbitraries.of(LockMode.class).injectNull(0.1);
    return Arbitraries.oneOf(List.of(
        longs.flatMap(a -> longs.map(b -> new LockCommand.OpenSession(a, b, "t" + b))),
        longs.flatMap(a -> longs.map(b -> new LockCommand.KeepAlive(a, b, "k" + a))),
        longs.flatMap(a -> longs.map(b -> new LockCommand.CloseSession(a, b, ""))),
        longs.map(LockCommand.ExpireSessions::new),
        longs.map(LockCommand.ExpireWaits::new),
        longs.map(LockCommand.GrantGrace::new),
        longs.flatMap(a -> holders.flatMap(h -> names.map(r -> new LockCommand.Release(a, h, r)))),
        longs.flatMap(a -> holders.flatMap(h -> names.flatMap(r -> modes.flatMap(
            m -> longs.map(w -> new LockCommand.Acquire(a, w ^ 7, h, r, m, w))))))));
  }
}
