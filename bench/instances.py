"""Figure 9: two façade instances sharing Redis, behind nginx, against one instance (issue 18).

Servers: a Klantinteracties upstream (the bundled CRM, `latency` per request), a redis-server,
façade `single` (memory cache, as one instance runs today), façades `pair1` and `pair2`
(`cache: {backend: redis}`), and two nginx balancers on loopback: one over `single`, one over
the pair, so both sides pay the same proxy hop. Every façade runs one worker.

- 9 throughput: requests/s through the pair's balancer / through the single's, warm, over
  every klantcontact and partij detail (426 paths; 40 in quick mode) at 16 connections.
- 9 upstream calls: calls the upstream got while every path was asked once through *each*
  instance of the pair / once through the single instance (1.0: the second instance asked
  nothing, it read what the first had put in Redis).
- 9 Redis per request: requests/s of one instance reading from Redis / of the single
  instance reading from memory (what a shared cache costs per request).

Needs redis-server and nginx (`make bench` installs them); without them the figure is skipped,
saying why.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from bench.lab import API, AUTH, Figure, Lab, Meter, Server, get_json, ki_source, rounds, upstream_count, uuids
from bench.services import Nginx, RedisServer, unavailable

NUMBER = 9


def skipped_reason() -> str | None:
    return unavailable("redis-server") or unavailable("nginx")


def calls_to_ask(upstream: Server, instances: list[Server], paths: list[str]) -> int:
    """Upstream calls while every path is asked once through each instance, one at a time."""
    before = upstream_count(upstream)
    with httpx.Client(headers=AUTH, timeout=60) as client:
        for instance in instances:
            for path in paths:
                client.get(instance.base + path).raise_for_status()
    return upstream_count(upstream) - before


def shared_cache(meter: Meter, runs: int, lab: Lab, folder: Path, progress, quick: bool = False) -> list[Figure]:
    if reason := skipped_reason():
        progress(f"{NUMBER}. two instances sharing Redis: skipped ({reason})")
        return []
    progress(f"{NUMBER}. two instances sharing Redis, behind nginx, against one instance")
    redis = RedisServer(folder)
    redis.start()
    balancers: list[Nginx] = []
    try:
        os.environ["BENCH_REDIS_URL"] = redis.url
        shared = {"backend": "redis", "url": {"env": "BENCH_REDIS_URL"}}
        upstream = lab.ki_upstream("ki-shared")
        lab.start([upstream.name])
        single = lab.facade("single", [ki_source("crm", upstream, 3600)])
        pair = [lab.facade(f"pair{i}", [ki_source("crm", upstream, 3600)], cache=shared) for i in (1, 2)]
        lab.start([single.name, *(p.name for p in pair)])
        for name, servers in (("single", [single]), ("pair", pair)):
            balancer = Nginx(folder / f"nginx-{name}", [f"127.0.0.1:{s.port}" for s in servers])
            balancer.folder.mkdir()
            balancer.start()
            balancers.append(balancer)
        lb_single, lb_pair = balancers

        paths = []
        for collection in ("klantcontacten", "partijen"):
            # listed through both sides alike (a list answer warms what it holds), with the same UUIDs
            listed = uuids(single.base, collection, "pageSize=500")
            assert listed == uuids(pair[0].base, collection, "pageSize=500"), "every instance, the same UUIDs"
            paths += [f"{API}/{collection}/{u}" for u in listed[: 20 if quick else None]]
        single_calls = calls_to_ask(upstream, [single], paths)
        pair_calls = calls_to_ask(upstream, pair, paths)
        for base in (lb_single.base, lb_pair.base):
            meter.warm_up(base, paths)

        throughput = rounds(
            runs, lambda: meter.rps_over(lb_pair.base, paths), lambda: meter.rps_over(lb_single.base, paths)
        )
        per_request = rounds(
            runs, lambda: meter.rps_over(pair[0].base, paths), lambda: meter.rps_over(single.base, paths)
        )
        status = get_json(f"{pair[0].base}/readyz", {})
        assert status.get("cache") == "up", f"the pair's Redis is not in use: {status}"
        calls = {"numerator": pair_calls, "denominator": single_calls, "paths": len(paths)}
        return [
            Figure(
                NUMBER,
                "instances: rps two sharing Redis / one, behind nginx",
                throughput["ratio"],
                "report",
                None,
                throughput,
            ),
            Figure(
                NUMBER,
                "instances: upstream calls to ask every path through each of two / through one",
                pair_calls / single_calls,
                "<= 1.05",
                pair_calls / single_calls <= 1.05,
                calls,
            ),
            Figure(
                NUMBER,
                "instances: rps one reading Redis / one reading memory",
                per_request["ratio"],
                "report",
                None,
                per_request,
            ),
        ]
    finally:
        for balancer in balancers:
            balancer.stop()
        lab.stop()
        redis.stop()
