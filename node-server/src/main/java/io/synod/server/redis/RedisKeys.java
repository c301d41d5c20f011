package io.synod.server.redis;

import java.util.Objects;

/**
 * The Redis key layout, so an operator can look inside with {@code redis-cli}: {@code
 * queue_stream:<topic>} streams, {@code cache:<address>} strings, {@code lock:<resource>} hashes.
 * In cluster mode the name part is wrapped in a hash tag ({@code queue_stream:{<topic>}}) so one
 * topic, address or resource lives in one slot, with every key a script touches for it.
 *
 * @param hashTags whether names are wrapped in {@code {...}} (Redis Cluster)
 */
public record RedisKeys(boolean hashTags) {
  /** Prefix of queue streams. */
  public static final String STREAM_PREFIX = "queue_stream:";
  /** Prefix of cache main-memory values. */
  public static final String CACHE_PREFIX = "cache:";
  /** Prefix of mirrored lock hashes. */
  public static final String LOCK_PREFIX = "lock:";
  /** The lock mirror's global high-water mark (standalone mode). */
  public static final String LOCK_MIRROR_INDEX = "synod:lock_mirror:applied_index";

  /**
   * The stream key of a topic.
   *
   * @param topic a topic (or dead-letter topic) name, not null
   * @return its key
   */
  public String stream(String topic) {
    return STREAM_PREFIX + tag(topic);
  }

  /**
   * The key of a cache address.
   *
   * @param address the address, not null
   * @return its key
   */
  public String cache(String address) {
    return CACHE_PREFIX + tag(address);
  }

  /**
   * The hash key of a lock resource.
   *
   * @param resource the resource, not null
   * @return its key
   */
  public String lock(String resource) {
    return LOCK_PREFIX + tag(resource);
  }

  private String tag(String name) {
    Objects.requireNonNull(name, "name");
    return hashTags ? "{" + name + "}" : name;
  }
}
