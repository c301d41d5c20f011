package io.synod.cache;

/** When a Modified line reaches main memory. */
public enum WritePolicy {
  /**
   * The default: a Modified line is written back when it is evicted or downgraded by another
   * node's read. A crash of the owner loses the writes since its last write-back.
   */
  WRITE_BACK,
  /**
   * Every write is sent to the home and stored in main memory before it is acknowledged; a crash
   * loses no acknowledged write.
   */
  WRITE_THROUGH
}
