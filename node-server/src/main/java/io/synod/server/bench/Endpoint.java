package io.synod.server.bench;

/** The endpoints the load tool measures, one histogram and one failure count each. */
enum Endpoint {
  LOCK_ACQUIRE("POST /lock/acquire"),
  LOCK_RELEASE("POST /lock/release"),
  LOCK_STATE("GET /v1/locks/{resource}"),
  QUEUE_PUBLISH("POST /queue/publish"),
  QUEUE_CONSUME("POST /queue/consume"),
  QUEUE_ACK("POST /queue/ack"),
  CACHE_READ("GET /cache/read"),
  CACHE_WRITE("POST /cache/write"),
  HELLO("GET <target>"),
  ETCD_PUT("POST /v3/kv/put"),
  ETCD_LOCK("POST /v3/lock/lock"),
  ETCD_UNLOCK("POST /v3/lock/unlock");

  final String label;

  Endpoint(String label) {
    this.label = label;
  }
}
