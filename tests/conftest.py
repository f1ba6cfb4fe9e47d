"""Shared fixtures: build a façade over given adapters and talk to it over ASGI."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from adapters.protocol import Adapter
from facade.api.app import build_engine, create_app
from facade.config import Settings, settings_from
from facade.engine.core import Engine
from facade.engine.guard import GuardedAdapter, SourcePolicy
from facade.engine.sources import Identities, Source
from facade.identity import IdentityCodec

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Token {TOKEN}"}
IDENTITY_SECRET = "test-identity-secret-0123456789"
PROCESSING_LOG_KEY = "test-processing-log-key-0123456789"
SHARED = Path(__file__).resolve().parents[2] / "shared"
API = "http://testserver/klantinteracties/api/v1"


def settings(sources: Sequence[dict] | None = None, **overrides) -> Settings:
    raw = {
        "identity_secret": SecretStr(IDENTITY_SECRET),
        "clients": [{"name": "tests", "token": SecretStr(TOKEN), "permissions": {"bsn": True}}],
        "processing_log": {"sink": "stdout", "key": SecretStr(PROCESSING_LOG_KEY)},
        "sources": list(sources or [{"name": "crm", "kind": "crm_stub", "settings": {}}]),
        **overrides,
    }
    return settings_from(raw)


UNCACHED = SourcePolicy(timeout=300, failure_threshold=1_000_000, cache_ttl=0, stale_if_error=0)
"""The guard with neither cache nor circuit breaker: tests over `engine_over` see every upstream call."""


def engine_over(adapters: Sequence[tuple[str, Adapter]], merge_partijen: bool = True) -> Engine:
    sources = [
        Source(name, priority, GuardedAdapter(name, adapter, UNCACHED, IDENTITY_SECRET.encode()))
        for priority, (name, adapter) in enumerate(adapters)
    ]
    codec = IdentityCodec(IDENTITY_SECRET.encode())
    return Engine(sources, Identities(codec, sources, merge_partijen))


def app_over(adapters: Sequence[tuple[str, Adapter]], merge_partijen: bool = True, **overrides):
    config = settings(
        [{"name": name, "kind": "crm_stub"} for name, _ in adapters], merge_partijen=merge_partijen, **overrides
    )
    return create_app(config, engine_over(adapters, merge_partijen))


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=AUTH)


@pytest.fixture
def demo_settings() -> Settings:
    return settings()


@pytest.fixture
async def demo_client(demo_settings):
    app = create_app(demo_settings, build_engine(demo_settings))
    async with client_for(app) as client:
        yield client


def requires_shared():
    return pytest.mark.skipif(not SHARED.exists(), reason="../shared (reference material) is not next to this clone")
