package io.synod.queue.sim;

import io.synod.queue.spi.QueueScheduler;
import java.util.PriorityQueue;

/**
 * Virtual time for simulations and tests: tasks run in (time, submission) order when the owner
 * advances the clock. Single-threaded by design; not thread-safe.
 */
public final class VirtualScheduler implements QueueScheduler {
  /** Bound on queued tasks; a runaway simulation fails instead of eating the heap. */
  public static final int MAX_TASKS = 1_000_000;

  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long now;
  private long seq;

  private static final class Task implements Comparable<Task>, Cancellable {
    final long at;
    final long seq;
    final Runnable run;
    boolean cancelled;

    Task(long at, long seq, Runnable run) {
      this.at = at;
      this.seq = seq;
      this.run = run;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }

  /**
   * Starts at a given time.
   *
   * @param start the initial time in ms
   */
  public VirtualScheduler(long start) {
    this.now = start;
  }

  /**
   * The virtual time.
   *
   * @return ms
   */
  public long now() {
    return now;
  }

  @Override
  public Cancellable schedule(long delayMillis, Runnable task) {
    if (queue.size() >= MAX_TASKS) {
      throw new IllegalStateException("more than " + MAX_TASKS + " tasks queued");
    }
    Task t = new Task(now + Math.max(0, delayMillis), seq++, task);
    queue.add(t);
    return t;
  }

  /**
   * Runs every task due up to {@code time} in order, then sets the clock to it.
   *
   * @param time the target time, not before now
   */
  public void runUntil(long time) {
    while (!queue.isEmpty() && queue.peek().at <= time) {
      Task t = queue.poll();
      now = Math.max(now, t.at);
      if (!t.cancelled) {
        t.run.run();
      }
    }
    now = Math.max(now, time);
  }

  /**
   * Advances the clock by a duration, running due tasks.
   *
   * @param millis how long
   */
  public void advance(long millis) {
    runUntil(now + millis);
  }

  /**
   * Runs tasks due now (for example those scheduled with delay 0).
   */
  public void runDue() {
    runUntil(now);
  }

  /**
   * Tasks queued (cancelled ones included until they come due).
   *
   * @return the count
   */
  public int queued() {
    return queue.size();
  }
}
