"""Both cache stores keep the rules of ADR 10; the Redis store shares them between instances,
holds nothing readable, and never fails a request when Redis does (against a real redis-server)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest
import redis

from adapters.crm_stub.adapter import CrmStubSettings, from_settings
from adapters.protocol import ListPage, ListQuery
from facade.cache import ABSENT, MemoryStore
from facade.cache.answers import AnswerCache
from facade.cache.redis_store import RedisBackend
from tests.support.services import redis_server, unavailable

SECRET = b"test-identity-secret-0123456789"
HENK_BSN = "999993653"


@pytest.fixture(scope="module")
def redis_service(tmp_path_factory):
    if reason := unavailable("redis-server"):
        pytest.skip(reason)
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


class Instances:
    """Stores of one source as separate façade instances would have them (memory: one process)."""

    def __init__(self, kind: str, request):
        self.kind = kind
        self.request = request
        self.prefix = f"t{time.monotonic_ns()}"
        self.backends: list[RedisBackend] = []
        self.memory = MemoryStore(100, 60)
        self.errors: list[str] = []

    def store(self, retention: float = 60, **backend_options):
        if self.kind == "memory":
            return self.memory
        server = self.request.getfixturevalue("redis_service")
        backend = RedisBackend(server.url, SECRET, prefix=self.prefix, on_error=self.errors.append, **backend_options)
        self.backends.append(backend)
        return backend.store("crm", retention)

    async def close(self):
        for backend in self.backends:
            await backend.aclose()


@pytest.fixture(params=["memory", "redis"])
async def instances(request):
    made = Instances(request.param, request)
    yield made
    await made.close()


async def klantcontacten_page() -> ListPage:
    return await from_settings(CrmStubSettings()).list(ListQuery("klantcontacten", {}, 0, 50))


async def test_an_answer_is_read_back_as_it_was_stored_by_another_instance(instances):
    page = await klantcontacten_page()
    one, other = instances.store(), instances.store()
    before = await one.read("klantcontacten", [b"k1", b"k2"])
    await one.write("klantcontacten", [(b"k1", page), (b"k2", ABSENT)], before.generation)
    read = await other.read("klantcontacten", [b"k1", b"k2", b"k3"])
    first, absent, nothing = read.entries
    assert first is not None and first.value.records == list(page.records) and first.value.total == page.total
    assert absent is not None and absent.value is ABSENT
    assert nothing is None
    assert abs(first.stored_at - other.now()) < 5


async def test_a_write_through_one_instance_invalidates_a_collection_for_every_instance(instances):
    page = await klantcontacten_page()
    one, other = instances.store(), instances.store()
    for resource in ("klantcontacten", "partijen"):
        seen = await one.read(resource, [b"k"])
        await one.write(resource, [(b"k", page)], seen.generation)
    await other.invalidate("klantcontacten")
    assert (await one.read("klantcontacten", [b"k"])).entries == [None]
    assert (await one.read("partijen", [b"k"])).entries[0] is not None
    await other.invalidate()  # the whole source
    assert (await one.read("partijen", [b"k"])).entries == [None]


async def test_an_answer_fetched_before_an_invalidation_is_not_stored_after_it(instances):
    one, other = instances.store(), instances.store()
    seen = await one.read("partijen", [b"k"])  # the guard reads, then asks the source ...
    await other.invalidate("partijen")  # ... meanwhile a write through another instance ...
    await one.write("partijen", [(b"k", ABSENT)], seen.generation)  # ... and the old answer arrives
    assert (await other.read("partijen", [b"k"])).entries == [None]
    fresh = await one.read("partijen", [b"k"])
    await one.write("partijen", [(b"k", ABSENT)], fresh.generation)
    assert (await other.read("partijen", [b"k"])).entries[0] is not None


async def test_fresh_stale_and_expired_answers_follow_the_source_policy(instances):
    store = instances.store()
    cache = AnswerCache("crm", store, ttl=0.2, stale_if_error=0.4, key_secret=SECRET)
    key = cache.key("list", "actoren")
    lookup = await cache.lookup("actoren", [key])
    assert lookup.fresh() is None
    await cache.store_answers("actoren", [(key, ABSENT)], lookup)
    assert (await cache.lookup("actoren", [key])).fresh() is ABSENT
    assert (await cache.lookup("actoren", [key], bypass=True)).fresh() is None
    await asyncio.sleep(0.3)
    expired = await cache.lookup("actoren", [key])
    assert expired.fresh() is None and expired.stale() is ABSENT
    await asyncio.sleep(0.4)
    assert (await cache.lookup("actoren", [key])).stale() is None


def test_keys_are_the_same_in_every_process_whatever_its_hash_seed():
    script = (
        "from facade.cache.answers import AnswerCache; from facade.cache import MemoryStore;"
        f"c = AnswerCache('crm', MemoryStore(1, 1), 1, 1, {SECRET!r});"
        "print(c.key('list', 'klantcontacten', [('x__uuid', frozenset({'a', 'b', 'c', 'd', 'e'}))]).hex())"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(keys) == 1


# --- Redis only ------------------------------------------------------------------------------


@pytest.fixture
async def backends(redis_service):
    made: list[RedisBackend] = []
    prefix = f"t{time.monotonic_ns()}"

    def new(**options) -> RedisBackend:
        backend = RedisBackend(redis_service.url, SECRET, prefix=prefix, **options)
        made.append(backend)
        return backend

    yield new
    for backend in made:
        await backend.aclose()


async def test_redis_holds_no_bsn_and_no_query_value_in_plain_text(redis_service, backends):
    adapter = from_settings(CrmStubSettings())
    partijen = await adapter.find_partijen([("bsn", HENK_BSN)])
    assert partijen and HENK_BSN in partijen[0].model_dump_json()
    cache = AnswerCache("crm", backends().store("crm", 60), 30, 300, SECRET)
    key = cache.key("find", [("bsn", HENK_BSN)])
    lookup = await cache.lookup("partijen", [key])
    await cache.store_answers("partijen", [(key, list(partijen))], lookup)
    assert (await cache.lookup("partijen", [key])).fresh() == list(partijen)
    raw = redis.Redis.from_url(redis_service.url)
    names = raw.keys("*")
    assert names
    for name in names:
        value = raw.get(name) or b""
        for needle in (HENK_BSN.encode(), b"bsn", b"partijIdentificator"):
            assert needle not in name and needle not in value


async def test_a_value_changed_in_redis_is_never_served(redis_service, backends):
    errors: list[str] = []
    cache = AnswerCache("crm", backends(on_error=errors.append).store("crm", 60), 30, 300, SECRET)
    key = cache.key("list", "actoren")
    await cache.store_answers("actoren", [(key, ABSENT)], await cache.lookup("actoren", [key]))
    raw = redis.Redis.from_url(redis_service.url)
    (name,) = raw.keys(f"{cache.store.backend.prefix}:crm:e:*")
    value = raw.get(name)
    raw.set(name, value[:-1] + bytes([value[-1] ^ 1]))
    assert (await cache.lookup("actoren", [key])).stale() is None
    assert errors == ["decode"]


async def test_entries_live_for_the_ttl_plus_stale_if_error(redis_service, backends):
    store = backends().store("crm", 42)
    seen = await store.read("actoren", [b"k"])
    await store.write("actoren", [(b"k", ABSENT)], seen.generation)
    raw = redis.Redis.from_url(redis_service.url)
    (name,) = raw.keys(f"{store.backend.prefix}:crm:e:*")
    assert 40_000 < raw.pttl(name) <= 42_000


async def test_redis_down_means_no_cache_never_a_failure_and_it_comes_back(tmp_path):
    if reason := unavailable("redis-server"):
        pytest.skip(reason)
    with redis_server(tmp_path) as server:
        errors: list[str] = []
        one = RedisBackend(server.url, SECRET, retry_interval=0.2, on_error=errors.append)
        other = RedisBackend(server.url, SECRET, retry_interval=0.2)
        store, other_store = one.store("crm", 60), other.store("crm", 60)
        seen = await store.read("actoren", [b"k"])
        await store.write("actoren", [(b"k", ABSENT)], seen.generation)
        assert one.status == "up"

        server.stop()
        started = time.monotonic()
        read = await store.read("actoren", [b"k"])
        assert read.entries == [None] and one.status == "degraded"
        await store.write("actoren", [(b"k", ABSENT)], read.generation)  # nothing written, nothing raised
        await store.invalidate("actoren")  # kept: written when Redis is back
        assert time.monotonic() - started < 5, "a Redis that is down costs at most its timeout"
        assert errors and set(errors) <= {"read", "write", "invalidate"}

        server.start()  # the same port, empty: as after a restart without persistence
        seen = await other_store.read("actoren", [b"k"])
        await other_store.write("actoren", [(b"k", ABSENT)], seen.generation)  # written by the other instance
        await asyncio.sleep(0.25)  # the retry interval
        assert (await store.read("actoren", [b"k"])).entries == [None], "the pending invalidation went first"
        assert one.status == "up"
        await one.aclose()
        await other.aclose()
