"""`/metrics` over HTTP: values move as requests are made, access is as configured, and no label
holds a BSN, a UUID, a query value or anything else a client sent.

One source is the in-process CRM, the other a Klantinteracties register on loopback (real
HTTP) whose behaviour a test switches.
"""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from facade.api.app import create_app
from tests.conftest import client_for, settings
from tests.support.fault_server import FaultyUpstream, serving

API = "/klantinteracties/api/v1"
HENK_BSN = "999993653"
REGISTER_TOKEN = "register-token-0123456789"
METRICS_TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
def upstream():
    faulty = FaultyUpstream()
    with serving(faulty.app()) as base:
        faulty.base = base
        yield faulty


def app_with_register(base: str, monkeypatch, metrics: dict | None = None, **source):
    monkeypatch.setenv("T_REGISTER_TOKEN", REGISTER_TOKEN)
    monkeypatch.setenv("T_METRICS_TOKEN", METRICS_TOKEN)
    register = {
        "name": "register",
        "kind": "klantinteracties",
        "settings": {"base_url": f"{base}{API}", "token": {"env": "T_REGISTER_TOKEN"}, "dialect": "current"},
        "timeout": 2,
        "failure_threshold": 2,
        **source,
    }
    config = settings([{"name": "crm", "kind": "crm_stub"}, register], metrics=metrics or {"access": "open"})
    return create_app(config)


async def scrape(client) -> dict[tuple[str, tuple], float]:
    response = await client.get("/metrics", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    """The sum over the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


async def test_metrics_move_as_requests_are_made(upstream, monkeypatch):
    route = f"{API}/klantcontacten"
    async with client_for(app_with_register(upstream.base, monkeypatch)) as client:
        before = await scrape(client)
        assert (await client.get(f"{API}/klantcontacten")).status_code == 200
        assert (await client.get(f"{API}/klantcontacten")).status_code == 200  # the same: from the cache
        assert (await client.get(f"{API}/klantcontacten", params={"bsn": HENK_BSN})).status_code == 400
        params = {"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN}
        assert (await client.get(f"{API}/klantcontacten", params=params)).status_code == 200
        after = await scrape(client)

        def grew(name: str, **labels) -> float:
            return value(after, name, **labels) - value(before, name, **labels)

        assert grew("facade_http_request_duration_seconds_count", route=route, status="200", method="GET") == 3
        assert grew("facade_http_request_duration_seconds_count", route=route, status="400") == 1
        assert grew("facade_source_call_duration_seconds_count", source="register", outcome="ok") >= 2
        assert grew("facade_cache_lookups_total", source="register", result="hit") >= 1
        assert grew("facade_cache_lookups_total", source="register", result="miss") >= 2
        assert grew("facade_processing_log_records_total") == 1  # the BSN search (`bsn=` is refused before)
        assert value(after, "facade_source_breaker_state", source="register", state="closed") == 1

        upstream.mode = "error"
        for _ in range(2):  # cache_ttl keeps the answer above: ask another page each time
            response = await client.get(
                f"{API}/klantcontacten", params={"pageSize": 7}, headers={"Cache-Control": "no-cache"}
            )
            assert response.headers["Facade-Incomplete"].startswith("register;reason=")
        failed = await scrape(client)
        assert value(failed, "facade_source_call_duration_seconds_count", source="register", outcome="unavailable") >= 1
        assert value(failed, "facade_partial_answers_total", source="register") == 2
        assert value(failed, "facade_source_breaker_state", source="register", state="open") == 1


ALLOWED_LABELS = {
    "method": {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"},
    "source": {"crm", "register"},
    "outcome": {
        "ok",
        "timeout",
        "unavailable",
        "rejected",
        "invalid-response",
        "breaker-open",
        "error",
        "cancelled",
        "not-found",
    },
    "reason": {"timeout", "unavailable", "rejected", "invalid-response", "breaker-open", "error", "unknown"},
    "result": {"hit", "miss", "stale"},
    "state": {"closed", "open", "half-open"},
    "operation": {"read", "write", "invalidate", "decode"},
}
ROUTE = re.compile(r"^(<unmatched>|/[A-Za-z0-9/_.{}-]*)$")


async def test_no_bsn_uuid_query_value_or_client_text_in_any_label(upstream, monkeypatch):
    planted = "ZZ-planted-client-text"
    async with client_for(app_with_register(upstream.base, monkeypatch)) as client:
        for path in (
            f"{API}/partijen?partijIdentificator__objectId={HENK_BSN}",
            f"{API}/partijen/{HENK_BSN}",
            f"{API}/klantcontacten/8f0b4a6e-2d59-4c1e-9a7b-3e2f1d0c9b8a",
            f"{API}/klantcontacten?onderwerp={planted}",
            f"{API}/{planted}/{HENK_BSN}",
            f"/{planted}",
        ):
            await client.get(path, headers={"X-Request-ID": planted, "User-Agent": planted, "Doelbinding": planted})
        await client.request("PROPFIND", f"/{planted}")
        await client.request(planted.upper().replace("-", ""), f"{API}/partijen")
        response = await client.get("/metrics")
    text = response.text
    for forbidden in (HENK_BSN, planted, planted.upper().replace("-", ""), "8f0b4a6e"):
        assert forbidden not in text
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}", text), "no UUID anywhere"
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for label, label_value in sample.labels.items():
                if label == "route":
                    assert ROUTE.match(label_value), label_value
                elif label == "status":
                    assert label_value.isdigit() and len(label_value) == 3
                elif label == "le":
                    continue
                else:
                    assert label_value in ALLOWED_LABELS[label], (sample.name, label, label_value)


@pytest.mark.parametrize(
    ("metrics", "authorization", "status"),
    [
        ({"access": "off"}, None, 404),
        ({"access": "open"}, None, 200),
        ({"access": "token", "token": {"env": "T_METRICS_TOKEN"}}, None, 401),
        ({"access": "token", "token": {"env": "T_METRICS_TOKEN"}}, "Bearer not-the-token-0123456789", 401),
        ({"access": "token", "token": {"env": "T_METRICS_TOKEN"}}, f"Token {METRICS_TOKEN}", 401),
        ({"access": "token", "token": {"env": "T_METRICS_TOKEN"}}, f"Bearer {METRICS_TOKEN}", 200),
    ],
)
async def test_access_to_metrics_is_as_configured(upstream, monkeypatch, metrics, authorization, status):
    async with client_for(app_with_register(upstream.base, monkeypatch, metrics)) as client:
        response = await client.get("/metrics", headers={"Authorization": authorization or ""})
    assert response.status_code == status
    if status == 200:
        assert "facade_http_request_duration_seconds" in response.text
    else:
        assert response.headers["content-type"] == "application/json"
        assert "facade_" not in response.text
