#!/usr/bin/env python3
"""The first system's three scenarios (lock, queue, cache) through the Python client generated
from docs/api.yaml (openapi-generator; `mvn -B -N -Ppython-client generate-sources` writes it to
target/python-client).

Usage: PYTHONPATH=target/python-client python3 examples/python/scenarios.py URL [URL...]
  e.g. against `./synod dev`: ... scenarios.py http://127.0.0.1:8001 http://127.0.0.1:8002 http://127.0.0.1:8003

Each request goes to the next node in turn, so every scenario crosses nodes (a follower forwards
lock requests to the leader; a topic's requests reach its owner; the cache stays coherent). Any
step that does not answer as the document says raises, and the script exits non-zero.
"""
import sys
import time
import uuid

import synod_client
from synod_client.exceptions import ApiException


class Cluster:
    """One generated client per node; `next()` rotates over them."""

    def __init__(self, urls):
        self.clients = [synod_client.ApiClient(synod_client.Configuration(host=u)) for u in urls]
        self.turn = 0

    def next(self):
        c = self.clients[self.turn % len(self.clients)]
        self.turn += 1
        return synod_client.FirstSystemApi(c)


def retrying(call, what, bound_s=30.0):
    """Retries 503 answers (no leader yet, a topic's owner moving): the document says they are
    safe to retry. Anything else is raised at once."""
    deadline = time.monotonic() + bound_s
    while True:
        try:
            return call()
        except ApiException as e:
            if e.status != 503 or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def lock_scenario(cluster, run):
    resource = "py-lock-" + run
    r = retrying(lambda: cluster.next().legacy_acquire_lock(synod_client.LegacyAcquireLockRequest(
        resource_id=resource, mode="exclusive", requester_id="alice")), "acquire")
    check(r.status == "acquired", "alice acquires " + resource)
    try:
        cluster.next().legacy_acquire_lock(synod_client.LegacyAcquireLockRequest(
            resource_id=resource, mode="exclusive", requester_id="bob"))
        raise AssertionError("bob acquired a lock alice holds")
    except ApiException as e:
        check(e.status == 409, "bob is refused while alice holds it (409 lock_held)")
    r = cluster.next().legacy_release_lock(synod_client.LegacyReleaseLockRequest(
        resource_id=resource, owner_id="alice"))
    check(r.status == "released", "alice releases it through another node")
    r = cluster.next().legacy_acquire_lock(synod_client.LegacyAcquireLockRequest(
        resource_id=resource, requester_id="bob"))
    check(r.status == "acquired", "bob acquires it then")
    cluster.next().legacy_release_lock(synod_client.LegacyReleaseLockRequest(
        resource_id=resource, owner_id="bob"))


def queue_scenario(cluster, run):
    topic = "py-orders-" + run
    published = []
    for n in range(3):
        r = retrying(lambda: cluster.next().legacy_publish(synod_client.LegacyPublishRequest(
            topic=topic, message={"n": n})), "publish")
        check(r.status == "published", "message %d published as %s" % (n, r.message_id))
        published.append(r.message_id)
    got = []
    deadline = time.monotonic() + 30
    while len(got) < 3 and time.monotonic() < deadline:
        r = retrying(lambda: cluster.next().legacy_consume(synod_client.LegacyConsumeRequest(
            topic=topic, consumer_group="billing", consumer_id="worker-1", max_messages=10,
            wait_ms=1000)), "consume")
        for m in r.messages:
            got.append(m)
            a = cluster.next().legacy_ack(synod_client.LegacyAckRequest(
                topic=topic, consumer_group="billing", message_id=m.id))
            check(a.status == "acknowledged", "message %s acknowledged" % m.id)
    check(sorted(m.id for m in got) == sorted(published), "the group received every message")
    check(sorted(m.data["n"] for m in got) == [0, 1, 2], "with the payloads as published")


def cache_scenario(cluster, run):
    address = "py-k-" + run
    w = cluster.next().legacy_cache_write(synod_client.LegacyCacheWriteRequest(
        address=address, value="v1"))
    check(w.status == "written" and w.value == "v1", "v1 written to " + address)
    for _ in range(len(cluster.clients)):
        r = cluster.next().legacy_cache_read(address)
        check(r.value == "v1", "every node reads v1 (%s)" % r.status)
    cluster.next().legacy_cache_write(synod_client.LegacyCacheWriteRequest(
        address=address, value={"v": 2}))
    for _ in range(len(cluster.clients)):
        r = cluster.next().legacy_cache_read(address)
        check(r.value == {"v": 2}, "every node reads the new value after a write (%s)" % r.status)
    r = cluster.next().legacy_cache_read("py-never-" + run)
    check(r.status == "miss" and r.value is None, "a never-written address is a miss")


def main(argv):
    urls = argv[1:] or ["http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"]
    cluster = Cluster(urls)
    run = uuid.uuid4().hex[:8]
    lock_scenario(cluster, run)
    queue_scenario(cluster, run)
    cache_scenario(cluster, run)
    print("all three scenarios passed against", ", ".join(urls))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
