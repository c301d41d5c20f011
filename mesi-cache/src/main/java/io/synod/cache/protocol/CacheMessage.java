package io.synod.cache.protocol;

import io.synod.cache.CacheValue;
import java.util.Objects;

/**
 * One coherence message. A single flat record so transports can encode it without a type
 * hierarchy (node-server sends it as JSON).
 *
 * @param type the message type
 * @param from the sending node
 * @param to the receiving node
 * @param key the cache key
 * @param requester the node whose transaction this message serves (the evicting node for Puts)
 * @param txn the requester's transaction id
 * @param homeTxn the home's transaction id for Inv/Inv-Ack and Fwd-GetS/Data-home pairs, else 0
 * @param value the data, or null (also null for a key never written)
 * @param flag exclusive for DATA, dirty for DATA_HOME, stale for PUT_ACK, else false
 * @param hops how many messages led to this one, this one included (1 for a request)
 * @param epoch for Fwd-GetM: the requester's membership epoch as the home saw it (how many times
 *     it was declared down), so an owner can tell a forward to a crashed incarnation; else 0
 */
public record CacheMessage(
    MessageType type,
    String from,
    String to,
    String key,
    String requester,
    long txn,
    long homeTxn,
    CacheValue value,
    boolean flag,
    int hops,
    int epoch) {

  /** Checks the fields that must be present. */
  public CacheMessage {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(requester, "requester");
  }

  @Override
  public String toString() {
    return type + "(" + from + "->" + to + " " + key + " req=" + requester + "#" + txn
        + (homeTxn != 0 ? " h#" + homeTxn : "") + (value != null ? " v=" + value : "")
        + (flag ? " flag" : "") + " hops=" + hops + (epoch != 0 ? " epoch=" + epoch : "") + ")";
  }
}
