"""Slow, failing and flapping sources behind the guard: deadlines, breaker, cache, strictness (issue 7)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Collection

import pytest

from adapters.crm_stub.adapter import CrmStubSettings, from_settings
from adapters.crm_stub.dataset import DEMO
from adapters.protocol import Adapter, ListPage, ListQuery, SourceTimeout, SourceUnavailable
from facade.api.app import create_app
from facade.engine.core import Engine
from facade.engine.guard import CallContext, GuardedAdapter, SourcePolicy
from facade.engine.sources import Identities, Source
from facade.identity import IdentityCodec, KeySpace
from mapping.keys import TextKey
from tests.conftest import IDENTITY_SECRET, client_for, settings

API = "/klantinteracties/api/v1"
HENK_BSN = "999993653"
SECOND = DEMO.with_name("second.json")


class Faulty(Adapter):
    """An in-process source whose behaviour a test switches: ok, fail, hang."""

    def __init__(self, inner: Adapter):
        self.inner = inner
        self.resources = inner.resources
        self.mode = "ok"
        self.calls = 0

    async def _behave(self):
        self.calls += 1
        if self.mode == "fail":
            raise SourceUnavailable("down for maintenance")
        if self.mode == "hang":
            await asyncio.sleep(3600)

    async def list(self, query: ListQuery) -> ListPage:
        await self._behave()
        return await self.inner.list(query)

    async def get_many(self, resource: str, keys: Collection[str]):
        await self._behave()
        return await self.inner.get_many(resource, keys)

    async def find_partijen(self, identificatoren):
        await self._behave()
        return await self.inner.find_partijen(identificatoren)


def guarded_app(policy: SourcePolicy, **config):
    crm, second = Faulty(from_settings(CrmStubSettings())), Faulty(from_settings(CrmStubSettings(dataset=SECOND)))
    secret = IDENTITY_SECRET.encode()
    sources = [
        Source("crm", 0, GuardedAdapter("crm", crm, SourcePolicy(), secret)),
        Source("sociaal", 1, GuardedAdapter("sociaal", second, policy, secret)),
    ]
    engine = Engine(sources, Identities(IdentityCodec(secret), sources, True))
    app = create_app(
        settings([{"name": "crm", "kind": "crm_stub"}, {"name": "sociaal", "kind": "crm_stub"}], **config), engine
    )
    return app, second, sources[1].guard


async def test_a_hanging_source_is_cut_off_at_its_deadline():
    app, second, _ = guarded_app(SourcePolicy(timeout=0.3, cache_ttl=0))
    second.mode = "hang"
    async with client_for(app) as client:
        started = time.monotonic()
        response = await client.get(f"{API}/klantcontacten")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.headers["Facade-Incomplete"] == "sociaal;reason=timeout"
    assert elapsed < 3, "answered long before the hanging source would have"


async def test_the_request_deadline_ends_the_request_and_charges_no_source():
    app, second, guard = guarded_app(SourcePolicy(timeout=30, cache_ttl=0), request_deadline=0.3)
    second.mode = "hang"
    async with client_for(app) as client:
        response = await client.get(f"{API}/actoren")
        assert response.status_code == 503 and response.json()["code"] == "request_deadline"
        assert "Facade-Incomplete" not in response.headers, "no source is blamed for the request's own deadline"
        assert guard.breaker.failures == 0
        assert (await client.get("/readyz")).json()["sources"] == {"crm": "up", "sociaal": "up"}


async def test_detail_while_a_source_that_might_hold_it_fails_is_503_not_404():
    app, second, _ = guarded_app(SourcePolicy(cache_ttl=0))
    codec = IdentityCodec(IDENTITY_SECRET.encode())
    # a UUID the second source could hold (a contact number it does not have)
    absent = codec.encode(KeySpace("sociaal", "klantcontacten", TextKey()), "899999")
    async with client_for(app) as client:
        assert (await client.get(f"{API}/klantcontacten/{absent}")).status_code == 404
        assert (await client.get(f"{API}/klantcontacten/{uuid.uuid4()}")).status_code == 404
        second.mode = "fail"
        response = await client.get(f"{API}/klantcontacten/{absent}")
        assert response.status_code == 503 and response.headers["Retry-After"]
        # an object of the healthy source is still found
        listing = (await client.get(f"{API}/actoren", params={"pageSize": 1})).json()
        found = await client.get(listing["results"][0]["url"].replace("http://testserver", ""))
        assert found.status_code == 200


async def test_a_merged_partij_is_never_shown_without_a_failed_source():
    app, second, _ = guarded_app(SourcePolicy(cache_ttl=0))
    async with client_for(app) as client:
        henk = (await client.get(f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})).json()
        url = henk["results"][0]["url"].replace("http://testserver", "")
        second.mode = "fail"
        response = await client.get(url)
        assert response.status_code == 503


async def test_the_strict_setting_makes_every_request_strict():
    app, second, _ = guarded_app(SourcePolicy(cache_ttl=0), partial_answers=False)
    second.mode = "fail"
    async with client_for(app) as client:
        response = await client.get(f"{API}/actoren")
    assert response.status_code == 503


async def test_breaker_opens_skips_the_source_and_closes_after_the_cooldown():
    app, second, guard = guarded_app(SourcePolicy(failure_threshold=2, cooldown=0.3, cache_ttl=0))
    second.mode = "fail"
    async with client_for(app) as client:
        for _ in range(2):
            await client.get(f"{API}/actoren")
        assert guard.breaker.state == "open"
        assert (await client.get("/readyz")).json()["sources"] == {"crm": "up", "sociaal": "breaker-open"}
        calls = second.calls
        response = await client.get(f"{API}/actoren")
        assert response.headers["Facade-Incomplete"] == "sociaal;reason=breaker-open"
        assert second.calls == calls, "skipped while open: a fast answer without asking"
        second.mode = "ok"
        await asyncio.sleep(0.35)
        response = await client.get(f"{API}/actoren")
        assert "Facade-Incomplete" not in response.headers
        assert guard.breaker.state == "closed"
        assert (await client.get("/readyz")).json()["sources"]["sociaal"] == "up"


async def test_identical_concurrent_requests_share_one_upstream_call():
    app, second, guard = guarded_app(SourcePolicy(cache_ttl=30))
    second.inner.crm.latency = 0.2
    async with client_for(app) as client:
        before = guard.upstream_calls
        responses = await asyncio.gather(*(client.get(f"{API}/actoren") for _ in range(100)))
    assert {r.status_code for r in responses} == {200}
    assert guard.upstream_calls - before == 1


async def test_stale_answers_are_served_when_the_source_fails_and_no_cache_bypasses():
    app, second, _ = guarded_app(SourcePolicy(cache_ttl=0.1, stale_if_error=60))
    async with client_for(app) as client:
        fresh = (await client.get(f"{API}/actoren")).json()
        second.mode = "fail"
        await asyncio.sleep(0.15)
        stale = await client.get(f"{API}/actoren")
        assert stale.status_code == 200 and "Facade-Incomplete" not in stale.headers
        assert stale.json() == fresh
        second.mode = "ok"
        calls = second.calls
        await client.get(f"{API}/actoren")  # fresh again: cached
        await client.get(f"{API}/actoren")
        assert second.calls == calls + 1
        await client.get(f"{API}/actoren", headers={"Cache-Control": "no-cache"})
        assert second.calls == calls + 2


async def test_health_endpoints_need_no_token_and_show_no_data():
    app, _, _ = guarded_app(SourcePolicy())
    async with client_for(app) as client:
        health = await client.get("/healthz", headers={"Authorization": ""})
        ready = await client.get("/readyz", headers={"Authorization": ""})
    assert health.json() == {"status": "ok"}
    assert ready.json() == {"status": "ready", "sources": {"crm": "up", "sociaal": "up"}}


@pytest.mark.parametrize("client_strict", [True, False])
async def test_a_strict_client(client_strict):
    crm = Faulty(from_settings(CrmStubSettings()))
    crm.mode = "fail"
    secret = IDENTITY_SECRET.encode()
    sources = [Source("crm", 0, GuardedAdapter("crm", crm, SourcePolicy(cache_ttl=0), secret))]
    engine = Engine(sources, Identities(IdentityCodec(secret), sources, True))
    config = settings([{"name": "crm", "kind": "crm_stub"}])
    config.clients[0].strict = client_strict
    async with client_for(create_app(config, engine)) as client:
        response = await client.get(f"{API}/actoren")
    assert response.status_code == (503 if client_strict else 200)


async def test_the_guard_works_by_each_calls_own_context():
    """Cache bypass and the sources asked travel with each call, per request."""
    crm = Faulty(from_settings(CrmStubSettings()))
    guard = GuardedAdapter("crm", crm, SourcePolicy(cache_ttl=30, timeout=0.2), IDENTITY_SECRET.encode())
    query = ListQuery("actoren", {}, 0, 10)
    first, cached, fresh = CallContext(), CallContext(), CallContext(bypass_cache=True)
    await guard.list(first, query)
    await guard.list(cached, query)
    assert crm.calls == 1
    assert cached.asked == {"crm"}, "an answer from the cache still counts as asking the source"
    await guard.list(fresh, query)
    assert crm.calls == 2
    await guard.list(fresh, query)
    assert crm.calls == 2, "an identical call of the same request is made once, whatever the cache"
    crm.mode = "hang"
    hanging = CallContext()
    with pytest.raises(SourceTimeout):  # another page: no stale answer to fall back on
        await guard.list(hanging, ListQuery("actoren", {}, 10, 10))
    assert guard.breaker.failures == 1, "a call the source let run out its timeout is its failure"
    with pytest.raises(SourceTimeout):
        await guard.list(hanging, ListQuery("actoren", {}, 20, 10))
    assert crm.calls == 3 and guard.breaker.failures == 1, "failed once in this request: not asked again"
