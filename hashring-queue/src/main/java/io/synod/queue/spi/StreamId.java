package io.synod.queue.spi;

/**
 * A stream entry id in the Redis Streams form {@code <ms>-<seq>}: the append time in milliseconds
 * and a sequence number within that millisecond. Ids order entries of one stream.
 *
 * @param ms milliseconds, must be at least 0
 * @param seq sequence within the millisecond, must be at least 0
 */
public record StreamId(long ms, long seq) implements Comparable<StreamId> {
  /** The smallest id, {@code 0-0}: "from the start". */
  public static final StreamId MIN = new StreamId(0, 0);
  /** The largest id. */
  public static final StreamId MAX = new StreamId(Long.MAX_VALUE, Long.MAX_VALUE);

  /** Checks the parts. */
  public StreamId {
    if (ms < 0 || seq < 0) {
      throw new IllegalArgumentException("stream id parts must not be negative");
    }
  }

  /**
   * Parses {@code <ms>-<seq>}.
   *
   * @param text the id text
   * @return the id
   * @throws IllegalArgumentException when the text is not a valid id
   */
  public static StreamId parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 41) {
      throw new IllegalArgumentException("message id must look like <ms>-<seq>");
    }
    int dash = text.indexOf('-');
    if (dash <= 0 || dash == text.length() - 1) {
      throw new IllegalArgumentException("message id must look like <ms>-<seq>: " + text);
    }
    try {
      long ms = Long.parseLong(text, 0, dash, 10);
      long seq = Long.parseLong(text, dash + 1, text.length(), 10);
      if (ms < 0 || seq < 0 || text.charAt(0) == '+' || text.charAt(dash + 1) == '+') {
        throw new NumberFormatException();
      }
      return new StreamId(ms, seq);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("message id must look like <ms>-<seq>: " + text);
    }
  }

  /**
   * The id right after this one.
   *
   * @return the successor id
   */
  public StreamId next() {
    return seq == Long.MAX_VALUE ? new StreamId(ms + 1, 0) : new StreamId(ms, seq + 1);
  }

  @Override
  public int compareTo(StreamId o) {
    int c = Long.compare(ms, o.ms);
    return c != 0 ? c : Long.compare(seq, o.seq);
  }

  @Override
  public String toString() {
    return ms + "-" + seq;
  }
}
