"""Untrusted upstreams (issue 13, items 6, 7, 10): a huge or lying answer, a bad record, a partial
or stale answer. Each harms only itself, and an answer that is not whole says so.

The façade runs over the CRM demo and a Klantinteracties register on loopback
(`tests/support/hostile_upstream.py`) that misbehaves as each test asks.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from adapters.zgw.local_server import demo_seed, serve_in_thread
from facade.api.app import build_engine, create_app
from tests.conftest import AUTH, TOKEN, client_for, settings
from tests.support.fault_server import serving
from tests.support.hostile_upstream import API, HostileUpstream, klantcontact, persoon, register_source

HENK_BSN = "999993653"
MIB = 1024 * 1024


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


@pytest.fixture
def register(monkeypatch):
    monkeypatch.setenv("T_REGISTER_TOKEN", "register-token-0123456789")
    upstream = HostileUpstream()
    upstream.records = {
        "klantcontacten": [
            klantcontact(_uuid(1), "2031-01-02T10:00:00Z", "Van het register"),
            klantcontact(_uuid(2), "2031-01-01T10:00:00Z", "Ook van het register"),
        ]
    }
    with serving(upstream.app()) as base:
        upstream.base = base
        yield upstream


def facade(register: HostileUpstream, **source):
    config = settings([{"name": "crm", "kind": "crm_stub"}, register_source(register.base, **source)])
    return create_app(config, build_engine(config))


# --- 6. an upstream answer has a size limit -----------------------------------------------------------


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class LoopProbe:
    """The façade's ASGI app, noting the event loop it runs on (to count its tasks)."""

    def __init__(self, app):
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope, receive, send):
        self.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)

    def tasks(self) -> int:
        async def count() -> int:
            return len(asyncio.all_tasks())

        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(count(), self.loop).result(timeout=30)


@contextmanager
def peak_memory():
    """Samples the process's RSS while the block runs; yields a list that ends up holding the peak."""
    peak = [rss()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


async def test_a_huge_answer_fails_only_its_source_and_costs_no_memory(register):
    attack, concurrent = 64 * MIB, 4
    probe = LoopProbe(facade(register, timeout=120))
    with serving(probe) as base:
        async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=300) as client:
            assert (await client.get(f"{API}/klantcontacten")).status_code == 200  # warmed up
            gc.collect()
            before_rss, before_tasks = rss(), probe.tasks()
            register.huge = attack
            with peak_memory() as peak:
                attacks = [
                    asyncio.ensure_future(client.get(f"{API}/klantcontacten", headers={"Cache-Control": "no-cache"}))
                    for _ in range(concurrent)
                ]
                slowest_health = 0.0
                async with httpx.AsyncClient(base_url=base, timeout=300) as health:
                    while not all(a.done() for a in attacks):
                        started = time.monotonic()
                        assert (await health.get("/healthz")).status_code == 200
                        slowest_health = max(slowest_health, time.monotonic() - started)
                        await asyncio.sleep(0.05)
                answers = await asyncio.gather(*attacks)
            register.huge = None
            for answer in answers:
                assert answer.status_code == 200
                assert answer.headers["Facade-Incomplete"] == "register;reason=invalid-response"
                assert answer.json()["count"] > 0, "the healthy source still answers"
            gc.collect()
            await asyncio.sleep(0.5)
            after_rss, after_tasks = rss(), probe.tasks()
    assert slowest_health < 2.0, f"/healthz took {slowest_health:.2f}s during the attack"
    assert peak[0] - before_rss < concurrent * attack / 2, f"peak +{(peak[0] - before_rss) / MIB:.0f} MiB"
    assert after_rss - before_rss < 32 * MIB, f"+{(after_rss - before_rss) / MIB:.0f} MiB held after the attack"
    assert after_tasks <= before_tasks, f"{after_tasks} tasks after, {before_tasks} before"


@pytest.mark.parametrize("how", ["announced", "gzip", "deep"])
async def test_an_answer_announced_too_large_compressed_or_too_deep_fails_only_its_source(register, how):
    if how == "announced":
        register.huge, register.announce = 64 * MIB, True
    elif how == "gzip":
        register.gzip_bomb = 256 * MIB  # a few hundred KB on the wire
    else:  # small, but nested deeper than any parser goes
        register.raw = b'{"count":1,"results":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    async with client_for(facade(register, timeout=60)) as client:
        response = await client.get(f"{API}/klantcontacten")
    assert response.status_code == 200
    assert response.headers["Facade-Incomplete"] == "register;reason=invalid-response"


async def test_the_size_limit_is_a_setting_of_the_source(register):
    register.records["klantcontacten"] = [
        klantcontact(_uuid(i), "2031-01-01T10:00:00Z", "x" * 190) for i in range(1, 501)
    ]  # an honest page of about 150 KB
    small = {"settings": {**register_source(register.base)["settings"], "max_response_bytes": 64 * 1024}}
    async with client_for(facade(register)) as client:
        assert "facade-incomplete" not in (await client.get(f"{API}/klantcontacten", params={"pageSize": 500})).headers
    async with client_for(facade(register, **small)) as client:
        response = await client.get(f"{API}/klantcontacten", params={"pageSize": 500})
    assert response.headers["Facade-Incomplete"] == "register;reason=invalid-response"


# --- 7. a bad record never breaks more than itself ---------------------------------------------------


BAD_PARTIJEN = [
    persoon(_uuid(11), "9" * 20, "Twintig"),  # a "BSN" of 20 digits
    persoon(_uuid(12), "٩٩٩٩٩٠٠١٩", "Arabisch"),  # Arabic-Indic digits
    persoon(_uuid(13), "９９９９９００１９", "Breed"),  # full-width digits
    persoon(_uuid(14), "99999001x", "Letter"),
    "not a record",
    42,
    None,
    ["a", "list"],
    {"uuid": _uuid(15)},  # an object without the fields a partij has
    {"uuid": "not-a-uuid", "soortPartij": "persoon", "indicatieActief": True},
]


async def test_bad_partijen_break_only_themselves(register, caplog):
    register.records["partijen"] = [persoon(_uuid(10), HENK_BSN, "de Bruin"), *BAD_PARTIJEN]
    config = settings(
        [{"name": "crm", "kind": "crm_stub"}, register_source(register.base)],
        clients=[
            {"name": "kcc", "token": SecretStr(TOKEN), "permissions": {"bsn": True}},
            {"name": "portaal", "token": SecretStr("portaal-token-0123456789")},
        ],
    )
    app = create_app(config, build_engine(config))
    async with client_for(app) as kcc, client_for(app) as portaal:
        portaal.headers["Authorization"] = "Token portaal-token-0123456789"
        for client in (kcc, portaal):
            response = await client.get(f"{API}/partijen", params={"pageSize": 500})
            assert response.status_code == 200, response.text
            assert "facade-incomplete" not in response.headers, "the source is not dropped"
            names = {r["partijIdentificatie"].get("volledigeNaam") for r in response.json()["results"]}
            assert {"Jan Twintig", "Jan Arabisch", "Jan Breed", "Jan Letter"} <= names, "shown, not merged"
        henk = (await kcc.get(f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})).json()
        assert henk["count"] == 1 and len(henk["results"][0]["partijIdentificatoren"]) >= 1, "Henk still merges"
        detail = await kcc.get(f"{API}/partijen/{henk['results'][0]['uuid']}")
        assert detail.status_code == 200
    assert "9" * 20 not in caplog.text and "٩٩٩٩" not in caplog.text, "logged without its values"


async def test_a_klantcontact_without_an_offset_does_not_break_the_order(register):
    register.records["klantcontacten"].insert(1, klantcontact(_uuid(3), "2031-01-01T12:00:00", "Zonder offset"))
    async with client_for(facade(register)) as client:
        response = await client.get(f"{API}/klantcontacten", params={"pageSize": 3})
    assert response.status_code == 200
    assert [r["onderwerp"] for r in response.json()["results"]] == [
        "Van het register",
        "Zonder offset",
        "Ook van het register",
    ]


async def test_a_non_object_in_a_zgw_list_breaks_only_itself():
    seed = demo_seed()
    seed["klanten"] = [*seed["klanten"][:1], "not a record", 7, *seed["klanten"][1:]]
    with serve_in_thread(seed, clients={"facade-tests": "zgw-test-secret-0123456789-abcdefghij"}) as zgw:
        api = {"client_id": "facade-tests", "secret": {"env": "T_ZGW_SECRET"}}
        config = settings(
            [
                {
                    "name": "zgw",
                    "kind": "zgw",
                    "settings": {"klanten": {"base_url": f"{zgw.base}/klanten/api/v1", **api}},
                    "cache_ttl": 0,
                }
            ]
        )
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("T_ZGW_SECRET", "zgw-test-secret-0123456789-abcdefghij")
            app = create_app(config, build_engine(config))
        async with client_for(app) as client:
            response = await client.get(f"{API}/partijen", params={"pageSize": 500})
    assert response.status_code == 200
    assert "facade-incomplete" not in response.headers
    assert response.json()["count"] == len(seed["klanten"]) - 2


# --- 10. never an unflagged partial answer ---------------------------------------------------------


async def test_a_page_past_the_end_of_a_partial_answer_is_a_503(register):
    register.failing = 500
    async with client_for(facade(register)) as client:
        response = await client.get(f"{API}/klantcontacten", params={"pageSize": 90, "page": 40})
        assert response.status_code == 503 and response.headers["Retry-After"]
        register.failing = None
        whole = await client.get(f"{API}/klantcontacten", params={"pageSize": 90, "page": 40})
    assert whole.status_code == 404, "past the end of a whole answer: 404, as Open Klant"


async def test_a_stale_answer_says_so(register):
    app = facade(register, cache_ttl=0.2, stale_if_error=60)
    async with client_for(app) as client:
        fresh = await client.get(f"{API}/klantcontacten", params={"pageSize": 500})
        assert "warning" not in fresh.headers and "age" not in fresh.headers
        register.failing = 500
        await asyncio.sleep(1.3)
        for headers in ({}, {"Cache-Control": "no-cache"}):
            stale = await client.get(f"{API}/klantcontacten", params={"pageSize": 500}, headers=headers)
            assert stale.status_code == 200
            assert "Van het register" in stale.text, "served from the cache"
            assert "110" in stale.headers["Warning"] and "111" in stale.headers["Warning"]
            assert int(stale.headers["Age"]) >= 1


async def test_a_page_past_the_end_is_a_404_also_when_no_source_can_serve_the_query():
    config = settings()  # the CRM alone: no klantcontact of it has this UUID, so no source is asked
    async with client_for(create_app(config, build_engine(config))) as client:
        nowhere = "6b1d2c3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
        first = await client.get(f"{API}/bijlagen", params={"klantcontact__uuid": nowhere, "pageSize": 2})
        assert first.status_code == 200 and first.json()["count"] == 0
        response = await client.get(f"{API}/bijlagen", params={"klantcontact__uuid": nowhere, "pageSize": 2, "page": 2})
    assert response.status_code == 404


async def test_a_bad_record_does_not_end_its_source_early(register):
    """A page with a record left out is not the last page: the records after it are still read."""
    contacts = [
        klantcontact(_uuid(100 + i), f"2031-02-{1 + i // 24:02}T{i % 24:02}:00:00Z", f"Nr {i}") for i in range(600)
    ]
    del contacts[10]["kanaal"]  # breaks the contract: skipped
    register.records["klantcontacten"] = contacts
    async with client_for(facade(register)) as client:
        seen: set[str] = set()
        for page in (1, 2):
            response = await client.get(
                f"{API}/klantcontacten", params={"pageSize": 500, "page": page, "kanaal": "telefoon"}
            )
            assert response.status_code == 200
            seen |= {r["onderwerp"] for r in response.json()["results"] if r["onderwerp"].startswith("Nr ")}
    assert seen == {f"Nr {i}" for i in range(600) if i != 10}
