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
  /**
   * Linearizable lock-state reads: {@code GET /v1/locks/{resource}} over 50 resources. Served by
   * ReadIndex at the leader and by follower ReadIndex at a follower, so spreading the users over
   * every node ({@code --target} with all of them) vs one ({@code --target} the leader) shows
   * what reads at any node bring.
   */
  LOCK_READ(List.of(Endpoint.LOCK_STATE)),
  /** Publish to one shared topic, consume from it as one consumer group, ack what came back. */
  QUEUE(List.of(Endpoint.QUEUE_PUBLISH, Endpoint.QUEUE_CONSUME, Endpoint.QUEUE_ACK)),
  /** 95% reads and 5% writes over 50 keys. */
  CACHE(List.of(Endpoint.CACHE_READ, Endpoint.CACHE_WRITE)),
  /** GET the target URL as given: the ceiling run against a plain hello-world server. */
  HELLO(List.of(Endpoint.HELLO)),
  /**
   * The peer system's writes: etcd v3 puts through its JSON gateway ({@code POST /v3/kv/put}) over
   * 100 keys per user, for a side-by-side run against a three-member etcd.
   */
  ETCD_PUT(List.of(Endpoint.ETCD_PUT)),
  /**
   * The peer system's lock API, shaped like {@link #LOCK}: {@code POST /v3/lock/lock} on a name
   * unique to the user and iteration, then {@code POST /v3/lock/unlock} with the key it returned.
   */
  ETCD_LOCK(List.of(Endpoint.ETCD_LOCK, Endpoint.ETCD_UNLOCK));

  final List<Endpoint> endpoints;

  Scenario(List<Endpoint> endpoints) {
    this.endpoints = endpoints;
  }

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
