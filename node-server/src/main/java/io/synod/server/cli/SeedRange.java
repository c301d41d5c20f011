package io.synod.server.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import picocli.CommandLine.Option;

/**
 * The options every {@code synod simulate ...} command shares ({@code --seeds}, {@code
 * --seed-base}, {@code --jobs}, {@code --progress}, {@code --verbose}), the seed runner and the
 * summary line they all end with, so the four simulators keep one shape: a seed is replayed with
 * {@code --seeds 1 --seed-base S}, and the output is the same whatever {@code --jobs} is.
 */
final class SeedRange {
  @Option(names = "--seeds", defaultValue = "100", description = "Seeds to run (default ${DEFAULT-VALUE}).")
  int seeds;

  @Option(names = {"--seed-base", "--first-seed"}, defaultValue = "1",
      description = "The first seed; seeds run from B to B+N-1 (default ${DEFAULT-VALUE}). "
          + "Replay one with --seeds 1 --seed-base S.")
  long seedBase;

  @Option(names = "--verbose", description = "Print a line for every seed, passing or not.")
  boolean verbose;

  @Option(names = {"-j", "--jobs"},
      description = "Seeds simulated at once (default: the number of processors). The output,"
          + " in seed order, does not depend on it.")
  Integer jobs;

  @Option(names = "--progress", negatable = true,
      description = "Show seeds done, violations and time left on stderr (default: when the"
          + " console is a terminal).")
  Boolean progress;

  /** @return the seeds to run, in order */
  LongStream seeds() {
    return LongStream.range(seedBase, seedBase + seeds);
  }

  /** @return whether {@code --seeds} and {@code --jobs} are usable */
  boolean valid() {
    return seeds >= 1 && (jobs == null || jobs >= 1);
  }

  /** @return the number of seeds simulated at once */
  int jobs() {
    return jobs != null ? jobs : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Runs every seed, {@link #jobs()} at a time, and hands the results to {@code inOrder} on the
   * calling thread in seed order, each as soon as it and every seed before it are done (so output
   * streams and does not depend on the number of jobs). Prints progress to {@code err} when asked.
   *
   * @param what the simulator's name, for the progress line
   * @param run simulates one seed; must not share mutable state with other seeds
   * @param failed whether a result is a violation (counted in the progress line)
   * @param inOrder receives every result, in seed order
   * @param err where progress goes
   * @param <R> the result type
   */
  <R> void run(String what, LongFunction<R> run, Predicate<R> failed, Consumer<R> inOrder,
      PrintWriter err) {
    int n = seeds;
    int threads = Math.min(jobs(), n);
    AtomicInteger named = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "simulate-" + what + "-" + named.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    Progress shown = new Progress(what, n, progress != null ? progress : System.console() != null,
        err);
    try {
      CompletionService<Object[]> done = new ExecutorCompletionService<>(pool);
      for (int i = 0; i < n; i++) {
        int index = i;
        long seed = seedBase + i;
        done.submit(() -> new Object[] {index, run.apply(seed)});
      }
      @SuppressWarnings("unchecked")
      R[] results = (R[]) new Object[n];
      int next = 0;
      int violations = 0;
      for (int finished = 0; finished < n; finished++) {
        Object[] f = get(done.take());
        @SuppressWarnings("unchecked")
        R r = (R) f[1];
        results[(Integer) f[0]] = r;
        if (failed.test(r)) {
          violations++;
        }
        while (next < n && results[next] != null) {
          inOrder.accept(results[next]);
          results[next] = null; // handed on: keep only what waits for an earlier seed
          next++;
        }
        shown.update(finished + 1, violations);
      }
      shown.end();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while simulating", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Object[] get(Future<Object[]> f) throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error er) {
        throw er;
      }
      throw new IllegalStateException(c);
    }
  }

  /**
   * Prints {@code simulate <what>: N seeds, K violations} and returns the exit status.
   *
   * @param out where to print
   * @param what the simulator's name
   * @param violations violations found
   * @return 1 when any violation was found, else 0
   */
  int summary(PrintWriter out, String what, long violations) {
    out.println("simulate " + what + ": " + seeds + " seeds, " + violations + " violations");
    out.flush();
    return violations > 0 ? 1 : 0;
  }

  /** The progress line: rewritten in place on a terminal, at most every two seconds. */
  private static final class Progress {
    private final String what;
    private final int total;
    private final boolean on;
    private final PrintWriter err;
    private final long started = System.nanoTime();
    private long lastPrinted = Long.MIN_VALUE;
    private boolean printed;

    Progress(String what, int total, boolean on, PrintWriter err) {
      this.what = what;
      this.total = total;
      this.on = on;
      this.err = err;
    }

    void update(int done, int violations) {
      long now = System.nanoTime();
      if (!on || (done < total && printed && now - lastPrinted < 2_000_000_000L)) {
        return;
      }
      lastPrinted = now;
      printed = true;
      double elapsed = (now - started) / 1e9;
      double left = done == 0 ? 0 : elapsed / done * (total - done);
      err.print(String.format(Locale.ROOT,
          "\rsimulate %s: %d/%d seeds (%d%%), %d violations, %.0f s, ~%.0f s left   ",
          what, done, total, done * 100L / total, violations, elapsed, left));
      err.flush();
    }

    void end() {
      if (on && printed) {
        err.println();
        err.flush();
      }
    }
  }
}
