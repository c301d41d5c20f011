package io.synod.server.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script run with EVALSHA, falling back to EVAL (which also loads it) when the server does
 * not know it yet (after a restart or SCRIPT FLUSH). The reply is decoded with Lettuce's nested
 * multi output: arrays become {@code List<Object>}, integers {@code Long}, bulk strings {@code
 * byte[]}, nil {@code null}.
 */
final class RedisScript {
  private final byte[] text;
  private final String sha;

  RedisScript(String text) {
    this.text = text.getBytes(StandardCharsets.UTF_8);
    try {
      this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(this.text));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from the JDK", e);
    }
  }

  /** @return the SHA-1 of the script, as Redis names it */
  String sha() {
    return sha;
  }

  /**
   * Runs the script; all keys must hash to one slot in cluster mode.
   *
   * @param c the commands
   * @param keys the keys
   * @param args the arguments, as text
   * @return the decoded reply
   */
  CompletionStage<List<Object>> run(RedisClusterAsyncCommands<byte[], byte[]> c, String[] keys,
      String... args) {
    byte[][] k = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      k[i] = keys[i].getBytes(StandardCharsets.UTF_8);
    }
    byte[][] a = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      a[i] = args[i].getBytes(StandardCharsets.UTF_8);
    }
    CompletionStage<List<Object>> first = c.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, k, a);
    return first.handle((r, e) -> {
      if (e == null) {
        return CompletableFuture.completedFuture(r);
      }
      Throwable cause = e instanceof CompletionException && e.getCause() != null
          ? e.getCause() : e;
      if (cause instanceof RedisNoScriptException
          || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"))) {
        return c.<List<Object>>eval(text, ScriptOutputType.MULTI, k, a);
      }
      return CompletableFuture.<List<Object>>failedFuture(cause);
    }).thenCompose(s -> s);
  }
}
