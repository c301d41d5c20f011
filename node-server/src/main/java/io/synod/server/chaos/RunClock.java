package io.synod.server.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The run's clock (monotonic nanoseconds since the run started, shared by the histories and the
 * fault log) and the availability record: when each service last answered.
 */
final class RunClock {
  private final long origin = System.nanoTime();
  private final Map<String, List<Long>> answers = new ConcurrentHashMap<>();

  long now() {
    return System.nanoTime() - origin;
  }

  /** Notes that the service answered a request at time {@code at}. */
  void answered(String service, long at) {
    answers.computeIfAbsent(service, s -> new CopyOnWriteArrayList<>()).add(at);
  }

  /** The services' answer times, sorted. */
  List<Long> answers(String service) {
    List<Long> l = new ArrayList<>(answers.getOrDefault(service, List.of()));
    l.sort(null);
    return l;
  }
}
