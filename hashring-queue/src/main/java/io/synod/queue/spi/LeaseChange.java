package io.synod.queue.spi;

/** What {@link StreamStore#renew} did. */
public enum LeaseChange {
  /** The entry was pending under the named delivery and holder; its idle time is set. */
  CHANGED,
  /** The entry is pending, but under another delivery or another consumer; nothing changed. */
  STALE,
  /** The entry is not pending in the group (acknowledged, dead-lettered, never delivered). */
  NOT_PENDING
}
