"""What a request read is freed when the request ends, not when the cyclic garbage collector runs.

A request's loader calls back into the request; when it held it strongly, the two made a cycle
and every object the request read (2,662 for a page of 100 klantcontacten with expansions) waited
for the collector, which then spent about a millisecond per request walking them. With the
collector off, nothing of a finished request may be left.
"""

from __future__ import annotations

import gc

import httpx

from facade.api.app import build_engine, create_app
from facade.engine.core import Request
from facade.engine.graph import Item, Loader
from mapping.ki import KIObject
from tests.conftest import client_for, settings
from tests.support.fault_server import API as API_PATH
from tests.support.fault_server import FaultyUpstream, serving

PATHS = [
    "/klantinteracties/api/v1/klantcontacten?expand=hadBetrokkenen,gingOverOnderwerpobjecten,hadBetrokkenen.wasPartij",
    "/klantinteracties/api/v1/partijen?expand=digitaleAdressen,betrokkenen",
    "/klantinteracties/api/v1/partijen?partijIdentificator__codeSoortObjectId=bsn&partijIdentificator__objectId=999993653",
]


def _alive(kind: type) -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, kind))


async def test_a_finished_request_leaves_nothing_for_the_cyclic_collector(demo_client):
    for path in PATHS:  # warm: caches and memos of the process filled once
        assert (await demo_client.get(path)).status_code == 200
    gc.collect()
    models_before = _alive(KIObject)
    gc.disable()
    try:
        for path in PATHS:
            response = await demo_client.get(path)
            assert response.status_code == 200
            assert response.json()["results"]
        assert _alive(Request) == 0
        assert _alive(Loader) == 0
        assert _alive(Item) == 0
        assert _alive(KIObject) <= models_before  # the pages' models are gone with their requests
    finally:
        gc.enable()


async def test_an_upstream_call_leaves_nothing_for_the_cyclic_collector(monkeypatch):
    """httpx's response stream refers back to its response: each upstream call left a cycle of
    some 40 objects (request, URL, headers); the client lets the spent stream go."""
    faulty = FaultyUpstream()
    with serving(faulty.app()) as base:
        faulty.base = base
        monkeypatch.setenv("T_REGISTER_TOKEN", "register-token-0123456789")
        source = {
            "name": "register",
            "kind": "klantinteracties",
            "settings": {"base_url": f"{base}{API_PATH}", "token": {"env": "T_REGISTER_TOKEN"}, "dialect": "current"},
            "cache_ttl": 0,
        }
        config = settings([source])
        app = create_app(config, build_engine(config))
        async with app.router.lifespan_context(app), client_for(app) as client:
            assert (await client.get(f"{API_PATH}/klantcontacten")).status_code == 200
            gc.collect()
            gc.disable()
            try:
                for _ in range(3):
                    response = await client.get(f"{API_PATH}/klantcontacten")
                    assert response.status_code == 200
                    assert len(response.json()["results"]) == 2
                port = httpx.URL(base).port
                upstream_responses = [
                    obj for obj in gc.get_objects() if isinstance(obj, httpx.Response) and obj.request.url.port == port
                ]
                assert upstream_responses == []
                assert _alive(Request) == 0
            finally:
                gc.enable()
