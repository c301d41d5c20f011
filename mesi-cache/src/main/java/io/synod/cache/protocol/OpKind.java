package io.synod.cache.protocol;

/** A local operation on a node's cache. */
public enum OpKind {
  /** Read a key. */
  READ,
  /** Write a key. */
  WRITE,
  /** Drop the local copy (writing back a Modified line). */
  INVALIDATE
}
