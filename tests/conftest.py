"""Shared fixtures: build a façade over given adapters and talk to it over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from adapters.protocol import Adapter
from facade.api.app import build_engine, create_app
from facade.config import Settings, settings_from
from facade.conformance import engine as kit_engine
from facade.engine.core import Engine

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


def engine_over(adapters: Sequence[tuple[str, Adapter]], merge_partijen: bool = True) -> Engine:
    return kit_engine.engine_over(adapters, secret=IDENTITY_SECRET.encode(), merge_partijen=merge_partijen)


def app_over(adapters: Sequence[tuple[str, Adapter]], merge_partijen: bool = True, **overrides):
    config = settings(
        [{"name": name, "kind": "crm_stub"} for name, _ in adapters], merge_partijen=merge_partijen, **overrides
    )
    return create_app(config, engine_over(adapters, merge_partijen))


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=AUTH)


@asynccontextmanager
async def clients_with_tokens(app, tokens: Mapping[str, str]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One client per name, each sending its own token."""
    opened = {name: client_for(app) for name in tokens}
    for name, client in opened.items():
        client.headers["Authorization"] = f"Token {tokens[name]}"
    try:
        yield opened
    finally:
        for client in opened.values():
            await client.aclose()


@pytest.fixture
def processing_log_path(tmp_path):
    return tmp_path / "verwerkingen.jsonl"


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
