package io.synod.server.redis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Decoding helpers for raw Redis replies, with always-on shape checks. */
final class Replies {
  private Replies() {}

  /**
   * Checks a condition that must hold whatever the input; a failure is a bug or a server that
   * answers in a shape this adapter does not know.
   */
  static void check(boolean cond, String msg) {
    if (!cond) {
      throw new IllegalStateException(msg);
    }
  }

  static String text(Object o) {
    if (o == null) {
      return null;
    }
    if (o instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    return o.toString();
  }

  static long number(Object o) {
    if (o instanceof Long l) {
      return l;
    }
    if (o instanceof byte[] b) {
      return Long.parseLong(new String(b, StandardCharsets.US_ASCII));
    }
    throw new IllegalStateException("expected an integer reply, got " + describe(o));
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    if (o == null) {
      return List.of();
    }
    check(o instanceof List, "expected an array reply, got " + describe(o));
    return (List<Object>) o;
  }

  static String describe(Object o) {
    return o == null ? "nil" : o.getClass().getSimpleName() + " " + text(o);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Unwraps CompletionException / ExecutionException layers. */
  static Throwable cause(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Whether a failure is Redis' NOGROUP error (also when raised inside a script). */
  static boolean isNoGroup(Throwable e) {
    Throwable t = cause(e);
    String m = t.getMessage();
    return m != null && (m.startsWith("NOGROUP") || m.contains(" NOGROUP ")
        || m.contains("NOGROUP No such"));
  }
}
