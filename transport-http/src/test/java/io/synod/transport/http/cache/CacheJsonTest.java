package io.synod.transport.http.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.synod.cache.CacheValue;
import io.synod.cache.protocol.CacheMessage;
import io.synod.cache.protocol.MessageType;
import io.synod.transport.http.HttpError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CacheJsonTest {
  @Test
  void everyMessageTypeRoundTrips() {
    List<CacheMessage> batch = new ArrayList<>();
    long txn = 1;
    for (MessageType t : MessageType.values()) {
      CacheValue v = txn % 2 == 0 ? null : CacheValue.of(new byte[] {0, (byte) 0xff, 'x'});
      batch.add(new CacheMessage(t, "n1", "n2", "key/ü", "n3", txn, txn * 7, v, txn % 3 == 0,
          (int) txn, txn % 4, txn * 1_000_000_007L));
      txn++;
    }
    assertEquals(batch, CacheJson.decodeBatch(CacheJson.encodeBatch(batch)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "{}", "[1]", "[{\"type\":\"NOPE\"}]",
      "[{\"type\":\"DATA\",\"from\":\"a\",\"to\":\"b\",\"key\":\"k\",\"requester\":\"a\","
          + "\"txn\":1,\"homeTxn\":0,\"flag\":true,\"hops\":1,\"incarnation\":0}]",
      "[{\"type\":\"DATA\",\"from\":\"a\",\"to\":\"b\",\"key\":\"k\",\"requester\":\"a\","
          + "\"txn\":\"1\",\"homeTxn\":0,\"flag\":true,\"hops\":1,\"incarnation\":0,\"stamp\":0}]",
      "[{\"type\":\"DATA\",\"from\":\"a\",\"to\":\"b\",\"key\":\"k\",\"requester\":\"a\","
          + "\"txn\":1,\"homeTxn\":0,\"flag\":true,\"hops\":1,\"incarnation\":0,\"stamp\":0,\"value\":\"@@\"}]",
      "[{\"type\":\"DATA\",\"from\":\"\",\"to\":\"b\",\"key\":\"k\",\"requester\":\"a\","
          + "\"txn\":1,\"homeTxn\":0,\"flag\":1,\"hops\":1,\"incarnation\":0,\"stamp\":0}]"})
  void aMalformedBatchIsRefusedWithA400(String body) {
    HttpError e = assertThrows(HttpError.class,
        () -> CacheJson.decodeBatch(body.getBytes(StandardCharsets.UTF_8)));
    assertEquals(400, e.status());
  }
}
