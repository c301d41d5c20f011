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
 * @param homeTxn the home's transaction id for Inv/Inv-Ack and Collect/Collect-Ack pairs, else 0
 * @param value the data, or null (also null for a key never written)
 * @param flag exclusive for DATA, dirty for INV_ACK and COLLECT_ACK, stale for PUT_ACK, granted
 *     for RENEW_ACK, else false
 * @param hops how many messages led to this one, this one included (1 for a request)
 * @param incarnation the sender's incarnation: a receiver drops what an older incarnation of a
 *     peer sent once it heard from a newer one
 * @param stamp for GetS, GetM and Renew the sender's clock when it sent this copy, echoed in the
 *     Data or Renew-Ack that answers it (the lease runs from there); for Inv-Ack 1 when the
 *     holder kept a Shared copy (an Inv with {@code flag} asks for that downgrade); else 0
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
    long incarnation,
    long stamp) {

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
        + (flag ? " flag" : "") + " hops=" + hops + " inc=" + incarnation
        + (stamp != 0 ? " stamp=" + stamp : "") + ")";
  }
}
