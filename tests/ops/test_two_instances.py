"""Two façade processes sharing a real redis-server, behind a real nginx, all on loopback.

Shows: the same UUIDs from both; an answer cached by one served by the other; an invalidation
(as a write makes it) reaching both; a write through one read back through the other at once;
a retried POST through the other instance creating nothing new; Redis stopped mid-run costing
no request; and one instance killed under load with the balancer carrying on.

The upstream is a Klantinteracties register (this façade over the demo CRM, its own process)
that counts the requests it gets.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
import yaml

from bench.lab import Server
from bench.services import free_port, nginx, redis_server, unavailable
from tests.conftest import IDENTITY_SECRET, TOKEN

API = "/klantinteracties/api/v1"
AUTH = {"Authorization": f"Token {TOKEN}"}
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    bool(unavailable("redis-server") or unavailable("nginx")),
    reason=unavailable("redis-server") or unavailable("nginx") or "-",
)


def process(name: str, command: list[str], folder: Path) -> Server:
    """A server process on a free loopback port, started (the bench's own process handling)."""
    port = free_port()
    server = Server(name, [*command, "--port", str(port)], "/healthz", port, folder / f"{name}.log", env=ENV)
    server.start()
    return server


ENV = {
    "T_IDENTITY": IDENTITY_SECRET,
    "T_TOKEN": TOKEN,
    "FACADE_LOG_LEVEL": "WARNING",
}


class Cluster:
    def __init__(self, folder: Path, redis, upstream: Server, instances: list[Server], balancer):
        self.folder, self.redis, self.upstream, self.instances, self.balancer = (
            folder,
            redis,
            upstream,
            instances,
            balancer,
        )

    def upstream_requests(self) -> int:
        return httpx.get(self.upstream.base + "/_bench/requests", timeout=10).json()["requests"]


def write_config(folder: Path, name: str, config: dict) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    base_config = {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "kcc", "token": {"env": "T_TOKEN"}, "permissions": {"write": "*"}}],
        "processing_log": {"sink": "file", "path": str(folder / "verwerkingen.jsonl"), "key": {"env": "T_IDENTITY"}},
    }
    register = {
        "identity_secret": {"env": "T_IDENTITY"},
        # the façades merge partijen by BSN: their client needs the bsn permission, so a processing log
        "clients": [{"name": "facade", "token": {"env": "T_TOKEN"}, "permissions": {"bsn": True, "write": "*"}}],
        "processing_log": {
            "sink": "file",
            "path": str(folder / "register-verwerkingen.jsonl"),
            "key": {"env": "T_IDENTITY"},
        },
        "sources": [{"name": "crm", "kind": "crm_stub", "cache_ttl": 0}],
    }
    upstream_config = write_config(folder, "register", register)
    with redis_server(folder) as redis:
        ENV["T_REDIS_URL"] = redis.url
        upstream = process(
            "register",
            [sys.executable, "-m", "bench.servers", "ki", "--config", str(upstream_config), "--latency", "0.005"],
            folder,
        )
        facade_config = {
            **base_config,
            "trusted_proxies": ["127.0.0.1/32"],
            "metrics": {"access": "open"},
            "cache": {"backend": "redis", "url": {"env": "T_REDIS_URL"}, "retry_interval": 0.5},
            "sources": [
                {
                    "name": "crm",
                    "kind": "klantinteracties",
                    "settings": {"base_url": f"{upstream.base}{API}", "token": {"env": "T_TOKEN"}},
                    "cache_ttl": 300,
                }
            ],
        }
        path = write_config(folder, "facade", facade_config)
        command = [sys.executable, "-m", "facade.cli", "serve", "--config", str(path), "--shutdown-timeout", "5"]
        instances = [process(f"facade{i}", command, folder) for i in (1, 2)]
        try:
            for server in (upstream, *instances):
                server.wait(time.monotonic() + 90)
            with nginx(folder, [f"127.0.0.1:{p.port}" for p in instances]) as balancer:
                yield Cluster(folder, redis, upstream, instances, balancer)
        finally:
            for server in (*instances, upstream):
                server.stop()


def get(base: str, path: str, **params) -> httpx.Response:
    response = httpx.get(f"{base}{API}/{path}", params=params, headers=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    return response


def metric(base: str, name: str, **labels) -> float:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_both_instances_and_the_balancer_answer_with_the_same_uuids(cluster):
    one, two = cluster.instances
    uuids = [
        [r["uuid"] for r in get(base, "klantcontacten", pageSize=100).json()["results"]]
        for base in (one.base, two.base, cluster.balancer.base)
    ]
    assert len(uuids[0]) == 100 and uuids[0] == uuids[1] == uuids[2]
    through = get(cluster.balancer.base, "partijen", pageSize=5)
    assert re.fullmatch(r"[0-9a-f]{32}", through.headers["X-Request-ID"]), "nginx's request id, adopted"
    assert all(p["url"].startswith(cluster.balancer.base) for p in through.json()["results"])


def test_an_answer_cached_by_one_instance_is_served_by_the_other(cluster):
    one, two = cluster.instances
    before = cluster.upstream_requests()
    first = get(one.base, "klantcontacten", pageSize=9, page=3).json()
    asked = cluster.upstream_requests() - before
    hits = metric(two.base, "facade_cache_lookups_total", source="crm", result="hit")
    second = get(two.base, "klantcontacten", pageSize=9, page=3).json()
    assert asked >= 1
    assert cluster.upstream_requests() - before == asked, "the second instance did not ask the upstream"
    assert metric(two.base, "facade_cache_lookups_total", source="crm", result="hit") > hits
    assert [r["uuid"] for r in second["results"]] == [r["uuid"] for r in first["results"]]
    assert second["count"] == first["count"]


def test_an_invalidation_by_one_process_reaches_every_instance(cluster):
    """A write (issue 16) invalidates its source's collection in Redis; here another process does it."""
    one, two = cluster.instances
    get(one.base, "klantcontacten", pageSize=11)
    before = cluster.upstream_requests()
    get(two.base, "klantcontacten", pageSize=11)
    assert cluster.upstream_requests() == before, "cached for both"
    script = (
        "import asyncio, os; from facade.cache.redis_store import RedisBackend\n"
        "async def main():\n"
        "    backend = RedisBackend(os.environ['T_REDIS_URL'], os.environ['T_IDENTITY'].encode())\n"
        "    await backend.store('crm', 60).invalidate('klantcontacten')\n"
        "    assert backend.status == 'up'\n"
        "    await backend.aclose()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, **ENV}, check=True, timeout=60)
    for instance in (one, two):
        before = cluster.upstream_requests()
        get(instance.base, "klantcontacten", pageSize=11)
        asked = cluster.upstream_requests() - before
        # the first instance asks again; the second then gets that fresh answer from Redis
        assert asked >= (1 if instance is one else 0)


def test_a_write_through_one_instance_is_read_back_through_the_other_at_once(cluster):
    one, two = cluster.instances
    body = {"kanaal": "telefoon", "onderwerp": "Eerst", "taal": "nld", "vertrouwelijk": False}
    made = httpx.post(f"{one.base}{API}/klantcontacten", json=body, headers=AUTH, timeout=30)
    assert made.status_code == 201, made.text
    path = f"klantcontacten/{made.json()['uuid']}"
    assert get(two.base, path).json()["onderwerp"] == "Eerst"  # now cached, in Redis
    changed = httpx.patch(f"{one.base}{API}/{path}", json={"onderwerp": "Daarna"}, headers=AUTH, timeout=30)
    assert changed.status_code == 200
    assert get(two.base, path).json()["onderwerp"] == "Daarna"  # no window: the other instance forgot it too


def test_a_retried_post_through_the_other_instance_creates_nothing_new(cluster):
    one, two = cluster.instances
    marker = f"idem{time.monotonic_ns()}"
    body = {"kanaal": "telefoon", "onderwerp": marker, "taal": "nld", "vertrouwelijk": False}
    key = {**AUTH, "Idempotency-Key": marker}
    first = httpx.post(f"{one.base}{API}/klantcontacten", json=body, headers=key, timeout=30)
    retry = httpx.post(f"{two.base}{API}/klantcontacten", json=body, headers=key, timeout=30)
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json()["uuid"] == first.json()["uuid"] and retry.headers["Idempotent-Replayed"] == "true"
    held = httpx.get(
        f"{cluster.upstream.base}{API}/klantcontacten", params={"onderwerp": marker}, headers=AUTH, timeout=30
    )
    assert held.json()["count"] == 1


def test_redis_stopped_mid_run_costs_no_request(cluster):
    one, two = cluster.instances
    cluster.redis.stop()
    try:
        statuses = Counter()
        for page in range(1, 13):
            for base in (one.base, two.base, cluster.balancer.base):
                statuses[
                    httpx.get(
                        f"{base}{API}/klantcontacten", params={"pageSize": 5, "page": page}, headers=AUTH, timeout=30
                    ).status_code
                ] += 1
        assert statuses == Counter({200: 36})
        ready = httpx.get(f"{one.base}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["cache"] == "degraded"
        assert metric(one.base, "facade_cache_backend_up") == 0
        assert metric(one.base, "facade_cache_backend_errors_total") >= 1
    finally:
        cluster.redis.start()
    deadline = time.monotonic() + 30
    while httpx.get(f"{one.base}/readyz", timeout=10).json()["cache"] != "up":
        get(one.base, "partijen", pageSize=3)  # Redis is tried again on use, after the retry interval
        assert time.monotonic() < deadline, "the shared cache did not come back"
        time.sleep(0.2)


def test_one_instance_killed_under_load_the_balancer_carries_on(cluster):
    one, two = cluster.instances
    paths = [f"{API}/klantcontacten?pageSize=5&page={p}" for p in range(1, 30)] + [f"{API}/partijen?pageSize=10"]
    for instance in (one, two):  # every answer cached: the load measures the instances, not the upstream
        for path in paths:
            assert httpx.get(instance.base + path, headers=AUTH, timeout=30).status_code == 200
    outcomes: list[tuple[float, int]] = []
    lock = threading.Lock()
    stop = threading.Event()
    started = time.monotonic()

    def client(offset: int) -> None:
        with httpx.Client(base_url=cluster.balancer.base, headers=AUTH, timeout=30) as session:
            index = offset
            while not stop.is_set() and index < offset + 2000:  # bounded
                try:
                    status = session.get(paths[index % len(paths)]).status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    outcomes.append((time.monotonic() - started, status))
                index += 1

    threads = [threading.Thread(target=client, args=(i * 7,)) for i in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    killed_at = time.monotonic() - started
    two.process.send_signal(signal.SIGKILL)
    time.sleep(3.0)
    stop.set()
    for thread in threads:
        thread.join(60)
    before = [s for t, s in outcomes if t < killed_at]
    after = [s for t, s in outcomes if t >= killed_at]
    failed = [s for s in before + after if s != 200]
    ended = outcomes[-1][0]
    print(
        f"\ntwo instances behind nginx, 6 clients: {len(outcomes)} requests in {ended:.1f} s; "
        f"{len(before) / killed_at:.0f}/s before one was killed, {len(after) / (ended - killed_at):.0f}/s after; "
        f"{len(failed)} failed {dict(Counter(failed))}"
    )
    assert before and after
    assert all(s == 200 for s in before)
    assert len(failed) <= len(threads), "no failed request beyond the ones in flight"
    assert all(s == 200 for s in after[len(threads) * 2 :]), "the balancer carries on with the other instance"
    assert get(one.base, "partijen", pageSize=1)
