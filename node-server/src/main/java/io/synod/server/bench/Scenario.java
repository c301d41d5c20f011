package io.synod.server.bench;

import java.util.List;
import java.util.Locale;

/**
 * The first system's Locust scenarios, one per service. Each user runs its scenario's {@code
 * step} in a closed loop: the next request leaves when the previous one finished.
 */
public enum Scenario {
  /** Acquire an exclusive lock on a resource unique to the user and iteration, then release it. */
  LOCK(List.of(Endpoint.LOCK_ACQUIRE, Endpoint.LOCK_RELEASE)),
  /** Publish to one shared topic, consume from it as one consumer group, ack what came back. */
  QUEUE(List.of(Endpoint.QUEUE_PUBLISH, Endpoint.QUEUE_CONSUME, Endpoint.QUEUE_ACK)),
  /** 95% reads and 5% writes over 50 keys. */
  CACHE(List.of(Endpoint.CACHE_READ, Endpoint.CACHE_WRITE)),
  /** GET the target URL as given: the ceiling run against a plain hello-world server. */
  HELLO(List.of(Endpoint.HELLO));

  final List<Endpoint> endpoints;

  Scenario(List<Endpoint> endpoints) {
    this.endpoints = endpoints;
  }

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
