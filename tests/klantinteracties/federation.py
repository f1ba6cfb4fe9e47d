"""Test helpers for a façade (B) whose source is another façade (A), spoken to over real HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from adapters.klantinteracties.adapter import KlantinteractiesAdapter, KlantinteractiesSettings, from_settings
from adapters.protocol import Adapter
from facade.api.app import create_app
from facade.identity import IdentityCodec, KeySpace
from mapping.contract import API_PREFIX
from mapping.keys import UuidKey
from tests.conftest import IDENTITY_SECRET, client_for, engine_over, settings

B_API = "http://testserver" + API_PREFIX
UPSTREAM_TOKEN_ENV = "KI_TEST_UPSTREAM_TOKEN"


class RecordingTransport(httpx.AsyncBaseTransport):
    """Real HTTP, with a log of every request as (path after the API root, query parameters)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.log: list[tuple[str, dict[str, str]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.split(API_PREFIX, 1)[1].strip("/")
        self.log.append((path, dict(parse_qsl(request.url.query.decode()))))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def upstream_adapter(base: str, transport: httpx.AsyncBaseTransport | None = None, **extra) -> KlantinteractiesAdapter:
    settings = {"base_url": base + API_PREFIX, "token": {"env": UPSTREAM_TOKEN_ENV}, **extra}
    return from_settings(KlantinteractiesSettings.model_validate(settings), transport=transport)


def facade_over(sources: Sequence[tuple[str, Adapter]], merge_partijen: bool = False):
    config = settings([{"name": name, "kind": "crm_stub"} for name, _ in sources], merge_partijen=merge_partijen)
    return client_for(create_app(config, engine_over(sources, merge_partijen)))


class Translation:
    """Turns an answer of A into what B must answer: A's UUIDs and URLs re-encoded as B's."""

    def __init__(self, a_api: str, source: str):
        self.a_api = a_api
        self.source = source
        self.codec = IdentityCodec(IDENTITY_SECRET.encode())

    def uuid(self, resource: str, value: str) -> str:
        encoded = self.codec.encode(KeySpace(self.source, resource, UuidKey()), value)
        assert encoded is not None
        return encoded

    def url(self, value: str) -> str:
        resource, uuid = urlsplit(value).path.rstrip("/").split("/")[-2:]
        return f"{B_API}/{resource}/{self.uuid(resource, uuid)}"

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(element) for element in value]
        if not isinstance(value, dict):
            return value
        url = value.get("url")
        resource = urlsplit(url).path.rstrip("/").split("/")[-2] if isinstance(url, str) else None
        out = {}
        for name, element in value.items():
            if name == "uuid" and resource and isinstance(element, str):
                out[name] = self.uuid(resource, element)
            elif name == "url" and isinstance(element, str) and element.startswith(self.a_api):
                out[name] = self.url(element)
            else:
                out[name] = self(element)
        return out


def without_contactpersoon_uuid(value: Any) -> Any:
    """Drops `partijIdentificatie.uuid` of contactpersonen (see test_contactpersoon_uuid_survives)."""
    if isinstance(value, list):
        return [without_contactpersoon_uuid(element) for element in value]
    if not isinstance(value, dict):
        return value
    drop = "werkteVoorPartij" in value
    return {k: without_contactpersoon_uuid(v) for k, v in value.items() if not (drop and k == "uuid")}


async def all_results(client: httpx.AsyncClient, url: str, params: dict | None = None) -> tuple[int, list[dict]]:
    """(count, every result over all pages), following the answer's own `next` links."""
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    count, results = body["count"], list(body["results"])
    while body["next"]:
        response = await client.get(body["next"])
        assert response.status_code == 200, response.text
        body = response.json()
        results.extend(body["results"])
    assert len(results) == count
    return count, results
