package io.synod.transport.http.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a cache read returned.
 *
 * @param address the address
 * @param hit whether the home node held the line (false: read from main memory, or absent)
 * @param value the value, or a JSON null node when the address holds nothing
 * @param node the node that served the read ({@code X-Synod-Node}), or null
 */
public record CacheEntry(String address, boolean hit, JsonNode value, String node) {
  /**
   * Tells whether the address holds a value.
   *
   * @return false when the value is JSON null or missing
   */
  public boolean isPresent() {
    return value != null && !value.isNull() && !value.isMissingNode();
  }
}
