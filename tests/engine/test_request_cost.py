"""What one request may cost, and what ends with it (issue 12; issue 13, items 8 and 9).

Over real HTTP: a Klantinteracties register (this façade over the CRM demo, wrapped to count its
requests, claim counts or hang) and the façade under test each serve on loopback, uvicorn in a
thread, so a test can count what the register was asked and the tasks left on the façade's
event loop, and see the façade's breaker and `/readyz` as an operator would.
"""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from contextlib import contextmanager

import httpx
import pytest

from facade.api.app import build_engine, create_app
from facade.identity import IdentityCodec, KeySpace
from mapping.keys import TextKey
from tests.conftest import AUTH, IDENTITY_SECRET, TOKEN, settings
from tests.support.counting_upstream import CountingUpstream, LoopWatch, demo_register
from tests.support.fault_server import serving

API = "/klantinteracties/api/v1"
HENK_BSN = "999993653"
TOKEN_ENV = "T_COST_REGISTER_TOKEN"


@pytest.fixture
def register(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    upstream = CountingUpstream(demo_register())
    with serving(upstream) as base:
        upstream.base = base
        yield upstream
        upstream.hang = False  # answers what is still waiting, so the server can stop


def register_source(register: CountingUpstream, **extra) -> dict:
    settings_ = {"base_url": f"{register.base}{API}", "token": {"env": TOKEN_ENV}, "dialect": "current"}
    return {
        "name": "register",
        "kind": "klantinteracties",
        "cache_ttl": 0,
        **extra,
        "settings": {**settings_, **extra.pop("settings", {})},
    }


@contextmanager
def facade(sources: list[dict], **config):
    """The façade as `serve` runs it, on loopback; yields (base URL, app, loop watch)."""
    built = settings(sources, **config)
    app = create_app(built, build_engine(built))
    watch = LoopWatch(app)
    with serving(watch) as base:
        with httpx.Client(base_url=base, headers=AUTH, timeout=60) as client:
            assert client.get("/healthz").status_code == 200  # the loop is known from here on
        yield base, app, watch


def settled_tasks(watch: LoopWatch) -> int:
    """The façade's task count once the requests' work has wound down (bounded wait, not a timing)."""
    deadline = time.monotonic() + 10
    count = watch.tasks()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if (now := watch.tasks()) == count:
            return count
        count = now
    return count


def tasks_once_ended(watch: LoopWatch, baseline: int, within: float) -> int:
    """The façade's task count once it is back at `baseline`, or after `within` seconds (bounded wait)."""
    deadline = time.monotonic() + within
    while (count := watch.tasks()) > baseline and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


def guard_of(app, name: str):
    return next(source.guard for source in app.state.engine.sources if source.name == name)


# --- the budget ---------------------------------------------------------------------------------


def test_a_request_over_its_budget_is_cut_short_flagged_and_charges_no_breaker(register):
    register.endless, register.claimed_count = True, 50_000_000  # full pages, for ever
    source = register_source(register, settings={"max_page_size": 10})
    with facade([source], request_budget={"upstream_requests": 6}) as (base, app, watch):
        with httpx.Client(base_url=base + API, headers=AUTH, timeout=60) as client:
            baseline = settled_tasks(watch)
            before = register.requests
            # an icontains filter through a relation is applied loosely upstream: the answer is read whole
            response = client.get("klantcontacten", params={"hadBetrokkene__digitaaladres__adres__icontains": "@"})
            asked = register.requests - before
            assert response.status_code == 200
            assert response.headers["Facade-Incomplete"] == "register;reason=budget"
            assert response.json()["count"] == 0
            assert asked <= 6, f"{asked} upstream requests for a budget of 6"
            assert settled_tasks(watch) <= baseline, "no work of the request outlives it"
            assert register.requests - before == asked, "nothing more was asked after the answer"
            # a lookup is never partial: over its budget it is a 503, and nobody's breaker counts it
            lookup = client.get(
                "klantcontacten", params={"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN}
            )
            assert lookup.status_code == 503 and lookup.json()["code"] == "request_budget"
        guard = guard_of(app, "register")
        assert guard.breaker.failures == 0 and guard.breaker.state == "closed"
        assert httpx.get(base + "/readyz").json()["sources"] == {"register": "up"}


def test_an_upstream_claiming_fifty_million_costs_no_more_than_an_honest_one(register):
    """Pages of ten records: a reader that believed the claim would ask for five million pages.
    It asks for the pages that exist, and at most a few more (the readers running when the end
    shows): the same as for an honest upstream, give or take those."""
    requests = (
        ("partijen", {"pageSize": 1}),  # the source pages itself: one upstream request
        ("partijen", {"partijIdentificator__objectId": HENK_BSN}),  # a lookup reads every match
        ("klantcontacten", {"hadBetrokkene__digitaaladres__adres__icontains": "@"}),  # read whole, re-checked
    )
    cost: dict[str, list[int]] = {}
    grown: dict[str, int] = {}
    with (
        facade([register_source(register, settings={"max_page_size": 10})]) as (base, _, watch),
        httpx.Client(base_url=base + API, headers=AUTH, timeout=60) as client,
    ):
        for path, params in requests:  # warm: what the first request loads is no cost of a claim
            assert client.get(path, params=params).status_code == 200
        baseline = settled_tasks(watch)
        tracemalloc.start()
        try:
            for name, claim in (("honest", None), ("liar", 50_000_000)):
                register.claimed_count = claim
                gc.collect()
                memory_before = tracemalloc.get_traced_memory()[0]
                cost[name] = []
                for path, params in requests:
                    before = register.requests
                    response = client.get(path, params=params)
                    assert response.status_code == 200, response.text
                    assert "Facade-Incomplete" not in response.headers
                    cost[name].append(register.requests - before)
                gc.collect()
                grown[name] = tracemalloc.get_traced_memory()[0] - memory_before
                assert settled_tasks(watch) <= baseline
        finally:
            tracemalloc.stop()
    assert all(honest <= liar <= honest + 3 for honest, liar in zip(cost["honest"], cost["liar"], strict=True)), cost
    assert cost["liar"][0] == cost["honest"][0] == 1
    assert grown["liar"] < grown["honest"] + 1_000_000, f"memory grew: {grown}"


# --- a deadline, a hanging source (issue 13, items 8 and 9) ---------------------------------------


REGISTER_TIMEOUT = 3
"""The hanging register's own timeout in the deadline test: longer than the request deadline."""


def test_a_request_deadline_charges_no_source_and_leaves_nothing_behind(register):
    """One source hangs, the request deadline is shorter than its timeout: a dozen requests at
    once end at the deadline (503, no source blamed), the healthy CRM's breaker stays closed,
    `/readyz` stays ready, the CRM's objects are still served, `/healthz` answers during the
    attack, and the tasks and memory of the requests are gone afterwards."""
    register.hang = True
    sources = [{"name": "crm", "kind": "crm_stub", "cache_ttl": 0}, register_source(register, timeout=REGISTER_TIMEOUT)]
    with facade(sources, request_deadline=1) as (base, app, watch):
        baseline = settled_tasks(watch)
        tracemalloc.start()
        try:
            gc.collect()
            memory_before = tracemalloc.get_traced_memory()[0]
            answers, health = asyncio.run(_attack(base))
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - memory_before
        finally:
            tracemalloc.stop()
        for response in answers:
            assert response.status_code == 503 and response.json()["code"] == "request_deadline"
            assert "Facade-Incomplete" not in response.headers
        assert health, "/healthz answered while the requests were still waiting for the register"
        crm = guard_of(app, "crm")
        assert crm.breaker.state == "closed" and crm.breaker.failures == 0
        assert guard_of(app, "register").breaker.failures == 0, "cut off by the request's deadline, not its own"
        ready = httpx.get(base + "/readyz")
        assert ready.status_code == 200 and ready.json()["sources"] == {"crm": "up", "register": "up"}
        with httpx.Client(base_url=base + API, headers=AUTH, timeout=60) as client:
            henk = client.get("partijen", params={"partijIdentificator__objectId": HENK_BSN})
            assert henk.status_code == 503, "a lookup waits for every source: the register still hangs"
            actor = IdentityCodec(IDENTITY_SECRET.encode()).encode(KeySpace("crm", "actoren", TextKey()), "E001")
            found = client.get(f"actoren/{actor}")
            assert found.status_code == 200, "the CRM's own object is found while the register hangs"
        # an upstream HTTP exchange cut off by the deadline ends on its own, within the source's
        # timeout (adapters/http.py, `_exchange`): the rest of the requests' work ended with them
        assert tasks_once_ended(watch, baseline, REGISTER_TIMEOUT + 10) <= baseline, "the requests' tasks are gone"
        assert grown < 2_000_000, f"{grown} bytes held after the requests ended"


async def _attack(base: str) -> tuple[list[httpx.Response], bool]:
    async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=60) as client:
        paths = [f"{API}/partijen?page=1", f"{API}/klantcontacten", f"{API}/actoren"] * 4
        attack = [asyncio.ensure_future(client.get(path)) for path in paths]
        await asyncio.sleep(0.2)
        health = (await client.get("/healthz")).status_code == 200 and not any(task.done() for task in attack)
        return list(await asyncio.gather(*attack)), health


def test_a_failing_source_costs_one_timeout_per_request(register):
    """A hanging source is asked once per request: its timeout is paid once, not once for the
    list and again for the partijen merged with it."""
    register.hang = True
    sources = [{"name": "crm", "kind": "crm_stub", "cache_ttl": 0}, register_source(register, timeout=0.5)]
    with facade(sources) as (base, _, _), httpx.Client(base_url=base + API, headers=AUTH, timeout=60) as client:
        for path in ("partijen", "klantcontacten?expand=hadBetrokkenen"):
            before = register.requests
            response = client.get(path)
            assert response.status_code == 200
            assert response.headers["Facade-Incomplete"] == "register;reason=timeout"
            assert response.json()["count"] > 0, "the CRM's answer"
            assert register.requests - before == 1, f"{path}: the hanging register was asked again"
