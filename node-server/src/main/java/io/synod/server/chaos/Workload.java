package io.synod.server.chaos;

import java.util.List;

/**
 * One service's client workload: worker threads that record a history while the nemesis runs, a
 * final phase after the last heal, and the properties checked on the history.
 */
interface Workload {
  /** The service's name: lock, queue or cache. */
  String service();

  /** Starts the worker threads; they must stop when {@link #stop} is called. */
  void start();

  /** Stops the workers and waits for them (each call has a deadline, so this is bounded). */
  void stop() throws InterruptedException;

  /** Runs after the last heal with the workers stopped: drain, final reads. Bounded. */
  void finish();

  /** The verdicts on the recorded history. */
  List<Property> check();
}
