"""Object URLs start with the external base URL; forwarded headers count only from trusted proxies."""

from __future__ import annotations

import httpx

from facade.api.app import build_engine, create_app
from tests.conftest import AUTH, settings

API = "/klantinteracties/api/v1"


def client(app, client_address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(client_address, 1234))
    return httpx.AsyncClient(transport=transport, base_url="http://intern:8000", headers=AUTH)


async def first_url(app, headers=None, client_address="127.0.0.1") -> str:
    async with client(app, client_address) as c:
        response = await c.get(f"{API}/actoren", headers=headers or {})
        return response.json()["results"][0]["url"]


async def test_configured_base_url_wins():
    config = settings(public_base_url="https://klantinteracties.gemeente.example/facade/")
    app = create_app(config, build_engine(config))
    url = await first_url(app, {"X-Forwarded-Host": "evil.example"})
    assert url.startswith("https://klantinteracties.gemeente.example/facade/klantinteracties/api/v1/actoren/")
    async with client(app) as c:
        body = (await c.get(f"{API}/actoren", params={"pageSize": 1})).json()
    assert body["next"].startswith("https://klantinteracties.gemeente.example/facade/klantinteracties/api/v1/actoren")


async def test_forwarded_headers_only_from_trusted_proxies():
    config = settings(trusted_proxies=["10.0.0.0/8"])
    app = create_app(config, build_engine(config))
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kcc.gemeente.example"}
    assert (await first_url(app, forwarded, "10.1.2.3")).startswith("https://kcc.gemeente.example/klantinteracties/")
    assert (await first_url(app, forwarded, "192.0.2.7")).startswith("http://intern:8000/klantinteracties/")


async def test_url_filters_must_point_at_this_api():
    config = settings(public_base_url="https://kcc.gemeente.example")
    app = create_app(config, build_engine(config))
    async with client(app) as c:
        partij = (await c.get(f"{API}/partijen", params={"pageSize": 1})).json()["results"][0]
        ok = await c.get(f"{API}/betrokkenen", params={"wasPartij__url": partij["url"]})
        assert ok.status_code == 200
        assert ok.json()["count"] == len(partij["betrokkenen"])
        foreign = partij["url"].replace("https://kcc.gemeente.example", "http://169.254.169.254")
        refused = await c.get(f"{API}/betrokkenen", params={"wasPartij__url": foreign})
        assert refused.status_code == 400
        assert refused.json()["invalidParams"][0]["name"] == "wasPartij__url"
        wrong_kind = partij["url"].replace("/partijen/", "/actoren/")
        assert (await c.get(f"{API}/betrokkenen", params={"wasPartij__url": wrong_kind})).status_code == 400
