package io.synod.server.chaos;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The worker threads of a workload. Each worker has its own PRNG seeded from the run's seed and
 * its index, so the choice of nodes and keys is reproducible (the system's answers are not).
 */
final class Workers {
  private final List<Thread> threads = new ArrayList<>();
  private final List<URI> nodes;
  private volatile boolean running = true;

  Workers(List<URI> nodes) {
    this.nodes = nodes;
  }

  /** Body of one worker: runs while {@link #running()} holds. */
  interface Body {
    void run(Random random) throws InterruptedException;
  }

  void spawn(String name, long seed, Body body) {
    Thread t = new Thread(() -> {
      try {
        body.run(new Random(seed));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "chaos-" + name);
    t.setDaemon(true);
    threads.add(t);
  }

  void start() {
    threads.forEach(Thread::start);
  }

  boolean running() {
    return running;
  }

  URI anyNode(Random r) {
    return nodes.get(r.nextInt(nodes.size()));
  }

  List<URI> nodes() {
    return nodes;
  }

  void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(30_000);
    }
  }

  static void pause(long millis) throws InterruptedException {
    Thread.sleep(millis);
  }
}
