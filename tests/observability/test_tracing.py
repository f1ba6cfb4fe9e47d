"""OpenTelemetry: a span per request and per source call, with the source and the outcome, the
trace context sent upstream, no BSN or UUID in any attribute; and nothing at all when off."""

from __future__ import annotations

import re

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from facade.api.app import create_app
from facade.observability.tracing import Tracing
from tests.conftest import client_for, settings
from tests.support.fault_server import FaultyUpstream, serving

API = "/klantinteracties/api/v1"
BSN = "999993653"
REGISTER_TOKEN = "register-token-0123456789"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}")


@pytest.fixture
def upstream():
    faulty = FaultyUpstream()
    with serving(faulty.app()) as base:
        faulty.base = base
        yield faulty


def traced_app(base: str, monkeypatch, tracing: Tracing | None):
    monkeypatch.setenv("T_REGISTER_TOKEN", REGISTER_TOKEN)
    register = {
        "name": "register",
        "kind": "klantinteracties",
        "settings": {"base_url": f"{base}{API}", "token": {"env": "T_REGISTER_TOKEN"}, "dialect": "current"},
        "cache_ttl": 0,
    }
    return create_app(settings([{"name": "crm", "kind": "crm_stub"}, register]), tracing=tracing)


async def test_spans_of_a_request_and_its_source_calls(upstream, monkeypatch):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    async with client_for(traced_app(upstream.base, monkeypatch, Tracing(provider))) as client:
        params = {"hadBetrokkene__wasPartij__partijIdentificator__objectId": BSN}
        assert (await client.get(f"{API}/klantcontacten", params=params)).status_code == 200
        upstream.mode = "error"
        failed = await client.get(f"{API}/klantcontacten/8f0b4a6e-2d59-4c1e-9a7b-3e2f1d0c9b8a")
        assert failed.status_code == 503
    spans = exporter.get_finished_spans()
    requests = [s for s in spans if s.kind == SpanKind.SERVER]
    calls = [s for s in spans if s.kind == SpanKind.CLIENT and s.name.startswith("source ")]
    exchanges = [s for s in spans if s.kind == SpanKind.CLIENT and s.name.startswith("GET ")]
    assert [s.name for s in requests] == [f"GET {API}/klantcontacten", f"GET {API}/klantcontacten/{{uuid}}"]
    assert requests[0].attributes["http.response.status_code"] == 200
    assert requests[0].attributes["facade.client"] == "tests"
    assert requests[1].attributes["http.response.status_code"] == 503
    first, second = requests
    first_calls = [c for c in calls if c.context.trace_id == first.context.trace_id]
    assert {c.attributes["facade.source"] for c in first_calls} == {"crm", "register"}
    assert {c.attributes["facade.outcome"] for c in first_calls} == {"ok"}
    assert all(c.parent.span_id == first.context.span_id for c in first_calls)
    failed_calls = [c for c in calls if c.context.trace_id == second.context.trace_id]
    assert "unavailable" in {
        c.attributes["facade.outcome"] for c in failed_calls if c.attributes["facade.source"] == "register"
    }
    # each upstream HTTP exchange: a span under the register's call, its status, its trace context sent
    register_calls = {c.context.span_id for c in calls if c.attributes["facade.source"] == "register"}
    assert exchanges and all(e.parent.span_id in register_calls for e in exchanges)
    assert {e.attributes["facade.upstream_api"] for e in exchanges} == {upstream.base + API}
    assert {e.attributes["http.response.status_code"] for e in exchanges} == {200, 500}
    assert "status-5xx" in {e.attributes["facade.outcome"] for e in exchanges}
    sent = [seen["traceparent"] for seen in upstream.headers_seen]
    assert sorted(value.split("-")[2] for value in sent) == sorted(format(e.context.span_id, "016x") for e in exchanges)
    for span in spans:
        for value in span.attributes.values():
            assert BSN not in str(value) and not UUID.search(str(value)), (span.name, value)
        assert BSN not in span.name and not UUID.search(span.name)


async def test_without_a_tracing_setting_nothing_is_traced_or_sent(upstream, monkeypatch):
    async with client_for(traced_app(upstream.base, monkeypatch, None)) as client:
        assert (await client.get(f"{API}/klantcontacten")).status_code == 200
    assert upstream.headers_seen and not [h for h in upstream.headers_seen if "traceparent" in h]
