package io.synod.queue.spi;

/**
 * A receipt handle: the identity of one delivery of a message to a consumer group, as SQS and
 * JetStream give one. A message's delivery count grows by one with every delivery (a read, a
 * claim after the visibility timeout, a claim after a nack) and never otherwise, so the pair of
 * message id and delivery count names one delivery; an ack, nack or extend that carries a
 * receipt is accepted only while that delivery is the message's current one.
 *
 * <p>The text form is {@code <ms>-<seq>~<deliveryCount>}, for example {@code 1700000000000-0~2}.
 * Clients must treat it as opaque.
 *
 * @param id the message id
 * @param deliveryCount the delivery's number, from 1; 0 means "whatever delivery is current"
 *     (the first system's ack by message id)
 */
public record Receipt(StreamId id, long deliveryCount) {
  /** Checks the parts. */
  public Receipt {
    java.util.Objects.requireNonNull(id, "id");
    if (deliveryCount < 0) {
      throw new IllegalArgumentException("delivery count must not be negative");
    }
  }

  /**
   * A receipt that matches any delivery of a message (ack by message id).
   *
   * @param id the message id
   * @return the receipt
   */
  public static Receipt any(StreamId id) {
    return new Receipt(id, 0);
  }

  /**
   * Whether it matches a pending entry's delivery count.
   *
   * @param currentCount the entry's delivery count
   * @return true when it names that delivery (or any)
   */
  public boolean matches(long currentCount) {
    return deliveryCount == 0 || deliveryCount == currentCount;
  }

  /**
   * Parses the text form.
   *
   * @param text {@code <ms>-<seq>~<n>} with {@code n >= 1}
   * @return the receipt
   * @throws IllegalArgumentException when malformed
   */
  public static Receipt parse(String text) {
    int sep = text == null ? -1 : text.lastIndexOf('~');
    if (sep <= 0 || sep == text.length() - 1 || text.length() > 64) {
      throw new IllegalArgumentException("receipt handle must look like <ms>-<seq>~<n>");
    }
    long n;
    try {
      n = Long.parseLong(text, sep + 1, text.length(), 10);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("receipt handle must look like <ms>-<seq>~<n>: " + text);
    }
    if (n < 1 || text.charAt(sep + 1) == '+') {
      throw new IllegalArgumentException("receipt handle must look like <ms>-<seq>~<n>: " + text);
    }
    return new Receipt(StreamId.parse(text.substring(0, sep)), n);
  }

  @Override
  public String toString() {
    return id + "~" + deliveryCount;
  }
}
