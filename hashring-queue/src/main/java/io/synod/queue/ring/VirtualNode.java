package io.synod.queue.ring;

/**
 * One point of a ring: a position on the 64-bit circle and the node it belongs to.
 *
 * @param position the position, an unsigned 64-bit value (compare with
 *     {@link Long#compareUnsigned})
 * @param node the owning node id
 * @param replica which of the node's virtual nodes this is, from 0
 */
public record VirtualNode(long position, String node, int replica) {
  /**
   * The position as an unsigned decimal string, for display.
   *
   * @return the position printed unsigned
   */
  public String positionUnsigned() {
    return Long.toUnsignedString(position);
  }
}
