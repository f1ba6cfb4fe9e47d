"""Logs as JSON lines or text, each with the request id; the request id taken from a trusted
proxy only, answered, and sent to every upstream call. No query string and no BSN in either
format, from a real server process."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from facade.api.app import create_app
from tests.conftest import IDENTITY_SECRET, TOKEN, client_for, settings
from tests.support.fault_server import FaultyUpstream, serving
from tests.support.server import running_facade

API = "/klantinteracties/api/v1"
BSN = "999993653"
REGISTER_TOKEN = "register-token-0123456789"


@pytest.fixture
def upstream():
    faulty = FaultyUpstream()
    with serving(faulty.app()) as base:
        faulty.base = base
        yield faulty


def register_source(base: str) -> dict:
    return {
        "name": "register",
        "kind": "klantinteracties",
        "settings": {"base_url": f"{base}{API}", "token": {"env": "T_REGISTER_TOKEN"}, "dialect": "current"},
        "cache_ttl": 0,
    }


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_server_logs_request_ids_and_never_a_query_or_a_bsn(log_format, upstream, tmp_path):
    config = {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "portaal", "token": {"env": "T_TOKEN"}, "permissions": {"bsn": True}}],
        "processing_log": {"sink": "file", "path": str(tmp_path / "verwerkingen.jsonl"), "key": {"env": "T_IDENTITY"}},
        "sources": [{"name": "crm", "kind": "crm_stub"}, register_source(upstream.base)],
    }
    env = {
        "T_IDENTITY": IDENTITY_SECRET,
        "T_TOKEN": TOKEN,
        "T_REGISTER_TOKEN": REGISTER_TOKEN,
        "FACADE_LOG_FORMAT": log_format,
        "FACADE_LOG_LEVEL": "DEBUG",
    }
    log_file = tmp_path / "facade.log"
    ids = []
    with (
        running_facade(config, env, tmp_path, log_file) as base,
        httpx.Client(base_url=base, headers={"Authorization": f"Token {TOKEN}"}, timeout=30) as client,
    ):
        for params in (
            {"hadBetrokkene__wasPartij__partijIdentificator__objectId": BSN},
            {"onderwerp": "query-value-in-the-log"},
        ):
            response = client.get(f"{API}/klantcontacten", params=params)
            assert response.status_code == 200
            ids.append(response.headers["X-Request-ID"])
        upstream.mode = "error"
        client.get(f"{API}/partijen/{BSN}")
        client.get(f"{API}/klantcontacten", params={"onderwerp": BSN})
    output = log_file.read_text()
    for forbidden in (BSN, "query-value-in-the-log", "?", TOKEN, REGISTER_TOKEN):
        assert forbidden not in output
    for request_id in ids:
        assert request_id in output
    if log_format == "json":
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        assert lines and len(lines) == len([line for line in output.splitlines() if line.strip()])
        access = [line for line in lines if line["logger"] == "facade.access" and line.get("request_id") == ids[0]]
        assert len(access) == 1
        assert access[0] | {"time": "", "duration_ms": 0} == {
            "time": "",
            "level": "INFO",
            "logger": "facade.access",
            "message": access[0]["message"],
            "request_id": ids[0],
            "method": "GET",
            "route": f"{API}/klantcontacten",
            "status": 200,
            "duration_ms": 0,
            "client": "portaal",
        }
        warnings = [line for line in lines if line["level"] == "WARNING" and line["logger"].startswith("facade")]
        assert warnings and all("request_id" in line for line in warnings), "the source failure names its request"
    else:
        assert re.search(rf"GET {API}/klantcontacten 200 [0-9.]+ms client=portaal request_id={ids[0]}", output)


@pytest.mark.parametrize(
    ("trusted_proxies", "offered", "adopted"),
    [
        # httpx's ASGI transport calls from 127.0.0.1
        (["10.0.0.0/8"], "nginx-4c1b2a0f9e8d7c6b", False),
        ([], "proxy-request-0001", False),
        (["127.0.0.1/32"], "4c1b2a0f9e8d7c6b4c1b2a0f9e8d7c6b", True),
        (["127.0.0.1/32"], "not an id; DROP TABLE", False),
        (["127.0.0.1/32"], "x" * 200, False),
    ],
)
async def test_a_request_id_is_taken_from_a_trusted_proxy_only_and_sent_upstream(
    upstream, monkeypatch, trusted_proxies, offered, adopted
):
    monkeypatch.setenv("T_REGISTER_TOKEN", REGISTER_TOKEN)
    config = settings([register_source(upstream.base)], trusted_proxies=trusted_proxies)
    async with client_for(create_app(config)) as client:
        response = await client.get(f"{API}/klantcontacten", headers={"X-Request-ID": offered})
    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    assert (request_id == offered) is adopted
    if not adopted:
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", request_id)
    assert upstream.headers_seen, "the register was asked"
    assert {seen.get("x-request-id") for seen in upstream.headers_seen} == {request_id}


async def test_every_upstream_call_of_one_request_carries_its_id_and_another_request_another(upstream, monkeypatch):
    monkeypatch.setenv("T_REGISTER_TOKEN", REGISTER_TOKEN)
    config = settings([register_source(upstream.base)])
    async with client_for(create_app(config)) as client:
        first = await client.get(f"{API}/klantcontacten")
        second = await client.get(f"{API}/klantcontacten/8f0b4a6e-2d59-4c1e-9a7b-3e2f1d0c9b8a")
    assert first.status_code == 200
    sent = [seen.get("x-request-id") for seen in upstream.headers_seen]
    assert first.headers["X-Request-ID"] in sent and second.headers["X-Request-ID"] in sent
    assert set(sent) == {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
