"""Faulty upstreams over real HTTP: slow, 500, reset, invalid JSON, bad records, flapping (issue 7).

The CRM demo is one source (in-process, healthy); the other is a Klantinteracties register on
loopback whose behaviour each test switches.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from facade.api.app import build_engine, create_app
from tests.conftest import client_for, settings
from tests.support.fault_server import FaultyUpstream, resetting_server, serving

API = "/klantinteracties/api/v1"
REGISTER_TOKEN = "register-token-0123456789"


@pytest.fixture
def upstream():
    faulty = FaultyUpstream()
    with serving(faulty.app()) as base:
        faulty.base = base
        yield faulty


def facade_over(base: str, monkeypatch, **source):
    monkeypatch.setenv("T_REGISTER_TOKEN", REGISTER_TOKEN)
    config = settings(
        [
            {"name": "crm", "kind": "crm_stub"},
            {
                "name": "register",
                "kind": "klantinteracties",
                "settings": {
                    "base_url": f"{base}{API}",
                    "token": {"env": "T_REGISTER_TOKEN"},
                    "dialect": "current",
                    "timeout": 5,
                },
                "timeout": 1.5,  # under the slow mode's 2 s, with room for a busy machine
                "cache_ttl": 0,
                **source,
            },
        ]
    )
    return create_app(config, build_engine(config))


async def register_subjects(client) -> tuple[int, set[str], dict]:
    response = await client.get(f"{API}/klantcontacten", params={"pageSize": 500})
    assert response.status_code == 200, response.text
    body = response.json()
    subjects = {r["onderwerp"] for r in body["results"] if "register" in r["onderwerp"]}
    return body["count"], subjects, dict(response.headers)


async def test_healthy_register_is_merged_in(upstream, monkeypatch):
    async with client_for(facade_over(upstream.base, monkeypatch)) as client:
        _, subjects, headers = await register_subjects(client)
    assert subjects == {"Van het register", "Ook van het register"}
    assert "facade-incomplete" not in headers


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("slow", "timeout"), ("error", "unavailable"), ("invalid-json", "invalid-response")],
)
async def test_a_failing_register_gives_a_marked_partial_list(upstream, monkeypatch, mode, reason):
    async with client_for(facade_over(upstream.base, monkeypatch)) as client:
        healthy_count, _, _ = await register_subjects(client)
        upstream.mode = mode
        count, subjects, headers = await register_subjects(client)
    assert subjects == set()
    assert count == healthy_count - 2
    assert headers["facade-incomplete"] == f"register;reason={reason}"


async def test_a_connection_reset_is_a_marked_partial_list(monkeypatch):
    with resetting_server() as base:
        async with client_for(facade_over(base, monkeypatch)) as client:
            count, subjects, headers = await register_subjects(client)
    assert subjects == set() and count > 0
    assert headers["facade-incomplete"] == "register;reason=unavailable"


async def test_strict_lookups_and_details_are_503_while_the_register_fails(upstream, monkeypatch):
    async with client_for(facade_over(upstream.base, monkeypatch)) as client:
        body = (await client.get(f"{API}/klantcontacten", params={"pageSize": 500})).json()
        register_contact = next(r for r in body["results"] if r["onderwerp"] == "Van het register")
        upstream.mode = "error"
        detail = await client.get(register_contact["url"].replace("http://testserver", ""))
        assert detail.status_code == 503 and detail.headers["Retry-After"]
        lookup = await client.get(f"{API}/partijen", params={"partijIdentificator__objectId": "999993653"})
        assert lookup.status_code == 503


async def test_a_record_that_does_not_map_is_skipped_with_a_warning(upstream, monkeypatch, caplog):
    upstream.mode = "bad-record"
    async with client_for(facade_over(upstream.base, monkeypatch)) as client:
        with caplog.at_level(logging.WARNING):
            _, subjects, headers = await register_subjects(client)
    assert subjects == {"Van het register"}
    assert "facade-incomplete" not in headers
    assert any(
        "klantcontacten" in record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING
    )


async def test_a_flapping_register_is_retried(upstream, monkeypatch):
    upstream.mode = "flap"
    async with client_for(facade_over(upstream.base, monkeypatch)) as client:
        before = upstream.requests
        _, subjects, headers = await register_subjects(client)
    assert subjects == {"Van het register", "Ook van het register"}
    assert "facade-incomplete" not in headers
    assert upstream.requests - before >= 2, "the 503 was retried"


async def test_the_breaker_opens_on_a_down_register_and_closes_when_it_is_back(upstream, monkeypatch):
    app = facade_over(upstream.base, monkeypatch, failure_threshold=2, cooldown=0.3)
    async with client_for(app) as client:
        upstream.mode = "error"
        for _ in range(2):
            await register_subjects(client)
        assert (await client.get("/readyz")).json()["sources"]["register"] == "breaker-open"
        asked = upstream.requests
        _, _, headers = await register_subjects(client)
        assert headers["facade-incomplete"] == "register;reason=breaker-open"
        assert upstream.requests == asked, "skipped while the breaker is open"
        upstream.mode = "ok"
        await asyncio.sleep(0.35)
        _, subjects, headers = await register_subjects(client)
        assert subjects and "facade-incomplete" not in headers
        assert (await client.get("/readyz")).json()["sources"]["register"] == "up"


async def test_stale_if_error_over_http(upstream, monkeypatch):
    app = facade_over(upstream.base, monkeypatch, cache_ttl=0.1, stale_if_error=60)
    async with client_for(app) as client:
        _, fresh, _ = await register_subjects(client)
        upstream.mode = "error"
        await asyncio.sleep(0.15)
        _, stale, headers = await register_subjects(client)
    assert stale == fresh and "facade-incomplete" not in headers
