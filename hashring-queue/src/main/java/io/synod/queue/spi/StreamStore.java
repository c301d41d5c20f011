package io.synod.queue.spi;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Storage SPI of the queue: an append-only log per stream with consumer groups, shaped after
 * Redis Streams so that a Redis adapter maps each method onto one command (or one short loop of
 * them). The queue semantics (visibility timeout, dead letters, retention, long polls) live above
 * this SPI, in the queue core, so every store gets them.
 *
 * <p>Implementations must be safe under concurrent use. Every method returns at once; failures
 * arrive through the stage. A stage must complete exceptionally with {@link NoSuchGroupException}
 * when a method that names a group finds no such group (Redis NOGROUP), except where noted.
 * Idle times use the store's own clock (Redis uses the server clock). The behaviour is pinned by
 * the abstract {@code StreamStoreContract} test in this module's test jar.
 */
public interface StreamStore {
  /**
   * Creates a consumer group positioned at the start of the stream, creating an empty stream when
   * none exists (XGROUP CREATE stream group 0 MKSTREAM). Must be idempotent: an existing group
   * (BUSYGROUP) is left untouched and the stage completes normally.
   *
   * @param stream the stream key
   * @param group the group name
   * @return completes when the group exists
   */
  CompletionStage<Void> createGroup(String stream, String group);

  /**
   * Appends entries in order (XADD stream * ..., pipelined). Ids must be strictly increasing per
   * stream, taken from the store clock in milliseconds and never going back even if the clock
   * does. The stage must complete only once the entries are stored as durably as the store
   * promises (for the replicated in-memory store: on the replicas too).
   *
   * @param stream the stream key; created when missing
   * @param records one or more records
   * @return the new ids, in the order of the records
   */
  CompletionStage<List<StreamId>> append(String stream, List<StreamRecord> records);

  /**
   * Reads up to {@code count} entries never delivered to the group, in id order, and adds them to
   * the group's pending list for {@code consumer} with delivery count 1 and idle time 0
   * (XREADGROUP GROUP group consumer COUNT count STREAMS stream &gt;). Never blocks: an empty list
   * when nothing is new. The consumer must be registered with the group.
   *
   * @param stream the stream
   * @param group an existing group
   * @param consumer the reading consumer
   * @param count maximum entries, at least 1
   * @return the entries, each with delivery count 1
   */
  CompletionStage<List<StreamEntry>> readNew(String stream, String group, String consumer,
      int count);

  /**
   * Acknowledges entries: removes them from the group's pending list (XACK). Ids that are not
   * pending must be ignored.
   *
   * @param stream the stream
   * @param group the group; when it does not exist the result must be 0 or the stage must fail
   *     with {@link NoSuchGroupException}
   * @param ids the ids
   * @return how many were pending and are now acknowledged
   */
  CompletionStage<Long> ack(String stream, String group, Collection<StreamId> ids);

  /**
   * Lists pending entries from {@code start} (inclusive) in id order (XPENDING stream group start
   * + count).
   *
   * @param stream the stream
   * @param group an existing group
   * @param start the smallest id to list
   * @param count maximum entries, at least 1
   * @return pending entries with consumer, idle time and delivery count
   */
  CompletionStage<List<PendingEntry>> pending(String stream, String group, StreamId start,
      int count);

  /**
   * Claims pending entries idle for at least {@code minIdleMillis}, scanning from {@code cursor}
   * in id order (XAUTOCLAIM stream group consumer minIdle cursor COUNT count). Each claimed entry
   * must now belong to {@code consumer} with idle time 0 and its delivery count increased by one,
   * which the result must carry (a Redis adapter reads it with XPENDING). Pending ids whose entry
   * was deleted must leave the pending list and be reported in {@link ClaimResult#deletedIds()}.
   * A scan may stop early; the caller loops on {@link ClaimResult#nextCursor()} until it is
   * {@link StreamId#MIN}.
   *
   * @param stream the stream
   * @param group an existing group
   * @param consumer the new owner
   * @param minIdleMillis the idle threshold, at least 0
   * @param cursor where to start, {@link StreamId#MIN} for the beginning
   * @param count maximum entries to claim, at least 1
   * @return claimed entries, deleted ids and the next cursor
   */
  CompletionStage<ClaimResult> claimIdle(String stream, String group, String consumer,
      long minIdleMillis, StreamId cursor, int count);

  /**
   * Sets the idle time of pending entries and gives them to {@code consumer}, without changing
   * delivery counts (XCLAIM stream group consumer 0 ids... IDLE idleMillis JUSTID). Idle 0
   * restarts the visibility timer (extend); an idle time of the visibility timeout makes the
   * entries claimable at once (nack). Ids that are not pending must be ignored.
   *
   * @param stream the stream
   * @param group an existing group
   * @param consumer the consumer that holds them afterwards
   * @param ids the ids
   * @param idleMillis the idle time to set, at least 0
   * @return the ids that were pending and were updated, in id order
   */
  CompletionStage<List<StreamId>> setIdle(String stream, String group, String consumer,
      Collection<StreamId> ids, long idleMillis);

  /**
   * Reads entries from {@code start} (inclusive) in id order, outside any group (XRANGE stream
   * start + COUNT count). Delivery counts in the result are 0.
   *
   * @param stream the stream; a missing stream reads as empty
   * @param start the smallest id
   * @param count maximum entries, at least 1
   * @return the entries
   */
  CompletionStage<List<StreamEntry>> range(String stream, StreamId start, int count);

  /**
   * Deletes entries (XDEL). Pending-list references to them stay until claimed or acknowledged,
   * as in Redis.
   *
   * @param stream the stream
   * @param ids the ids; missing ones are ignored
   * @return how many entries were deleted
   */
  CompletionStage<Long> delete(String stream, Collection<StreamId> ids);

  /**
   * Removes entries from the head of the stream while the stream is longer than {@code
   * maxLength} or the head id is below {@code minId} (XTRIM MAXLEN / MINID), but must stop at the
   * first entry that some group still needs: one that is pending in a group, or that a group has
   * not been delivered yet. A stream without groups may be trimmed freely.
   *
   * @param stream the stream
   * @param maxLength the length to keep at most, at least 0 ({@code Long.MAX_VALUE}: no limit)
   * @param minId the smallest id to keep ({@link StreamId#MIN}: no limit)
   * @return how many entries were removed
   */
  CompletionStage<Long> trim(String stream, long maxLength, StreamId minId);

  /**
   * Length, ends and groups of a stream (XLEN, XINFO STREAM, XINFO GROUPS, XPENDING summary). A
   * missing stream must read as length 0 with no groups and null ids.
   *
   * @param stream the stream
   * @return the info
   */
  CompletionStage<StreamInfo> info(String stream);

  /**
   * Creates a group as {@link #createGroup(String, String)} does, but only while the stream has
   * fewer than {@code maxGroups} groups, atomically (a bound on what a client can grow).
   *
   * @param stream the stream key
   * @param group the group name
   * @param maxGroups the most groups the stream may have
   * @return true when the group exists now, false when it did not and the bound refused it
   *     (nothing changed)
   */
  CompletionStage<Boolean> createGroup(String stream, String group, int maxGroups);

  /**
   * Registers a consumer with a group (XGROUP CREATECONSUMER) unless the group already has
   * {@code maxConsumers} consumers, atomically; an existing consumer is left as it is.
   *
   * @param stream the stream
   * @param group an existing group
   * @param consumer the consumer
   * @param maxConsumers the most consumers the group may have
   * @return true when the consumer is registered now, false when the bound refused it
   */
  CompletionStage<Boolean> registerConsumer(String stream, String group, String consumer,
      int maxConsumers);

  /**
   * Reads new entries as {@link #readNew(String, String, String, int)} does, but never lets the
   * group's pending list grow past {@code maxPending}: at most {@code maxPending - pending}
   * entries are read, atomically with the count. When the group is at the bound already the
   * stage fails with {@link PendingLimitException} and nothing is read.
   *
   * @param stream the stream
   * @param group an existing group
   * @param consumer the reading consumer (registered)
   * @param count maximum entries, at least 1
   * @param maxPending the bound on the group's pending entries, at least 1
   * @return the entries, each with delivery count 1
   */
  CompletionStage<List<StreamEntry>> readNew(String stream, String group, String consumer,
      int count, long maxPending);

  /**
   * Acknowledges deliveries and applies work-queue retention, in one atomic step. For each
   * receipt: when its entry is pending in the group under a delivery the receipt matches ({@link
   * Receipt#matches}) it is acknowledged (XACK); when it is pending under another delivery it is
   * reported stale and left alone; otherwise it is ignored. Then every entry acknowledged now
   * that no group needs any more (every group of the stream has been delivered past it and none
   * has it pending) must be deleted (XDEL), so acknowledged entries never accumulate and never
   * pin the topic's depth, wherever they sit in the stream.
   *
   * @param stream the stream
   * @param group the group; when it does not exist the stage must fail with {@link
   *     NoSuchGroupException}
   * @param receipts the deliveries to acknowledge
   * @return what was acknowledged, what was stale, and how many entries were deleted
   */
  CompletionStage<AckResult> settle(String stream, String group, Collection<Receipt> receipts);

  /**
   * Sets the idle time of one pending entry, atomically and only when it is pending under the
   * delivery the receipt matches and, when {@code holder} is not null, held by {@code holder}
   * (nack and extend). The delivery count is unchanged; the holder stays the holder. Idle 0
   * restarts the visibility timer; the visibility timeout makes it claimable at once.
   *
   * @param stream the stream
   * @param group an existing group
   * @param receipt the delivery
   * @param holder the consumer that must hold it, or null for any
   * @param idleMillis the idle time to set, at least 0
   * @return what happened
   */
  CompletionStage<LeaseChange> renew(String stream, String group, Receipt receipt, String holder,
      long idleMillis);

  /**
   * Age limit: deletes entries with ids below {@code minId}, from the head, stopping at the first
   * entry some group has pending (a leased message is never pulled from under its consumer).
   * Entries not delivered yet to a group are deleted too: that is what an age limit means
   * (SQS's retention period, JetStream's MaxAge).
   *
   * @param stream the stream; a missing one expires nothing
   * @param minId the smallest id to keep
   * @return how many entries were deleted
   */
  CompletionStage<Long> expire(String stream, StreamId minId);

  /**
   * Deletes a consumer group with its position and pending list (XGROUP DESTROY).
   *
   * @param stream the stream
   * @param group the group
   * @return whether it existed
   */
  CompletionStage<Boolean> deleteGroup(String stream, String group);

  /**
   * Deletes a consumer from a group only when it holds no pending entry (XGROUP DELCONSUMER
   * would drop them, and they would never be delivered again), atomically.
   *
   * @param stream the stream
   * @param group an existing group
   * @param consumer the consumer
   * @return -1 when it was not a consumer of the group, 0 when it was deleted, otherwise the
   *     number of entries it holds (nothing deleted)
   */
  CompletionStage<Long> deleteConsumer(String stream, String group, String consumer);

  /**
   * Scans up to {@code count} entries from {@code cursor} and deletes those no group needs any
   * more (see {@link #settle}); each scanned step is atomic. Used after a group is deleted, when
   * entries only that group still needed become removable anywhere in the stream. A stream
   * without groups keeps everything (nothing has read it).
   *
   * @param stream the stream
   * @param cursor the first id to look at
   * @param count entries to scan, at least 1
   * @return the next cursor ({@link StreamId#MIN} when the scan reached the end) and how many
   *     entries were deleted, as {@code [next, removed]} in a {@link SweepResult}
   */
  CompletionStage<SweepResult> sweep(String stream, StreamId cursor, int count);

  /**
   * The answer of {@link #sweep}.
   *
   * @param next where to go on, {@link StreamId#MIN} when done
   * @param removed entries deleted
   */
  record SweepResult(StreamId next, long removed) {}
}
