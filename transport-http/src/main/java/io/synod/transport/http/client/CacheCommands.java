package io.synod.transport.http.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.synod.transport.http.Json;
import io.synod.transport.http.client.RequestExecutor.Call;
import io.synod.transport.http.client.RequestExecutor.Reply;
import io.synod.transport.http.client.RequestExecutor.Safety;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The coherent cache: read, write, invalidate an address. Obtain it with {@link
 * SynodClient#cache()}.
 *
 * <p>Every request is served by the address's home node, which serializes the transactions on
 * it, so a read that follows a completed write (from any client, through any node) sees that write
 * or a later one. All three calls are idempotent and resent after an unknown outcome (a resent
 * write stores the same value again).
 *
 * <p>Against a server with only the first system's endpoints, {@link #read} and {@link #write}
 * fall back to {@code GET /cache/read} and {@code POST /cache/write}; {@link #invalidate} has no
 * such endpoint and fails with the server's 404.
 */
public final class CacheCommands {
  private final RequestExecutor exec;
  private volatile boolean legacyOnly;

  CacheCommands(RequestExecutor exec) {
    this.exec = exec;
  }

  /**
   * Reads an address.
   *
   * @param address the address
   * @return the value (JSON null when the address holds nothing) and whether it was a hit
   */
  public CompletionStage<CacheEntry> read(String address) {
    LockRequest.requireName(address, "address");
    if (legacyOnly) {
      return legacyRead(address);
    }
    return exec.execute(Call.get("/v1/cache/" + Paths.encode(address))).thenCompose(r -> {
      if (Paths.missingRoute(r)) {
        legacyOnly = true;
        return legacyRead(address);
      }
      return CompletableFuture.completedFuture(entry(address, r));
    });
  }

  /**
   * Writes an address.
   *
   * @param address the address
   * @param value the value: a {@link JsonNode} or any value Jackson serializes; not null
   * @return completes when the home node has taken the write
   */
  public CompletionStage<Void> write(String address, Object value) {
    LockRequest.requireName(address, "address");
    Objects.requireNonNull(value, "value");
    JsonNode v = value instanceof JsonNode j ? j : Json.mapper().valueToTree(value);
    if (legacyOnly) {
      return legacyWrite(address, v);
    }
    Call call = new Call("PUT", "/v1/cache/" + Paths.encode(address), Map.of("value", v),
        Safety.IDEMPOTENT, Duration.ZERO);
    return exec.execute(call).thenCompose(r -> {
      if (Paths.missingRoute(r)) {
        legacyOnly = true;
        return legacyWrite(address, v);
      }
      r.orThrow();
      return CompletableFuture.completedFuture(null);
    });
  }

  /**
   * Drops an address's line from the cache (main memory keeps its value).
   *
   * @param address the address
   * @return whether a cached line was dropped
   */
  public CompletionStage<Boolean> invalidate(String address) {
    LockRequest.requireName(address, "address");
    Call call = new Call("DELETE", "/v1/cache/" + Paths.encode(address), null, Safety.IDEMPOTENT,
        Duration.ZERO);
    return exec.execute(call).thenApply(r -> r.orThrow().path("dropped").asBoolean(false));
  }

  private CompletionStage<CacheEntry> legacyRead(String address) {
    return exec.execute(Call.get("/cache/read?address=" + Paths.encode(address)))
        .thenApply(r -> entry(address, r));
  }

  private CompletionStage<Void> legacyWrite(String address, JsonNode v) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("address", address);
    body.put("value", v);
    return exec.execute(Call.post("/cache/write", body, Safety.IDEMPOTENT)).thenApply(r -> {
      r.orThrow();
      return null;
    });
  }

  private static CacheEntry entry(String address, Reply r) {
    JsonNode b = r.orThrow();
    JsonNode v = b.has("value") ? b.get("value") : NullNode.getInstance();
    return new CacheEntry(address, "hit".equals(b.path("status").asText()), v, r.node());
  }
}
