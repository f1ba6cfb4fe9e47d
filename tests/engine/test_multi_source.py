"""Several CRM sources, each with its own dataset, behind one façade (issue 3)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Collection

import pytest

from adapters.crm_stub.adapter import CrmStubSettings, from_settings
from adapters.crm_stub.dataset import DEMO
from adapters.crm_stub.generate import generate
from adapters.protocol import Adapter, ListPage, ListQuery, SourceUnavailable
from facade.api.app import create_app
from tests.conftest import client_for, engine_over, settings

HENK_BSN = "999993653"
SECOND = DEMO.with_name("second.json")
API = "/klantinteracties/api/v1"


class Recording(Adapter):
    """Delegates to an adapter and records when each call ran (to see overlap, not to time)."""

    def __init__(self, inner: Adapter, log: list):
        self.inner, self.log = inner, log
        self.resources = inner.resources

    async def list(self, query: ListQuery) -> ListPage:
        started = time.monotonic()
        try:
            return await self.inner.list(query)
        finally:
            self.log.append((id(self), "list", started, time.monotonic()))

    async def get_many(self, resource: str, keys: Collection[str]):
        return await self.inner.get_many(resource, keys)

    async def find_partijen(self, identificatoren):
        return await self.inner.find_partijen(identificatoren)


class Broken(Adapter):
    def __init__(self, inner: Adapter):
        self.resources = inner.resources

    async def list(self, query: ListQuery) -> ListPage:
        raise SourceUnavailable("connection refused")

    async def get_many(self, resource: str, keys: Collection[str]):
        raise SourceUnavailable("connection refused")


@pytest.fixture(scope="module")
def third_dataset(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("crm") / "third.json"
    path.write_text(json.dumps(generate(customers=40, contacts=90, seed=3, profile="second")))
    return str(path)


def crm(dataset=None, latency: float = 0.0):
    return from_settings(
        CrmStubSettings.model_validate(
            {"dataset": str(dataset)} if dataset else {} | ({"latency": latency} if latency else {})
        )
    )


def app(sources, merge_partijen=True, secret=None):
    names = [name for name, _ in sources]
    config = settings([{"name": n, "kind": "crm_stub"} for n in names], merge_partijen=merge_partijen)
    engine = engine_over(sources, merge_partijen)
    if secret:
        from facade.engine.sources import Identities
        from facade.identity import IdentityCodec

        engine.identities = Identities(IdentityCodec(secret), engine.sources, merge_partijen)
    return create_app(config, engine)


async def all_results(client, path, **params) -> list[dict]:
    body = (await client.get(path, params=params)).json()
    results = list(body["results"])
    while body["next"]:
        body = (await client.get(body["next"].replace("http://testserver", ""))).json()
        results += body["results"]
    return results


async def test_fan_out_asks_sources_concurrently(third_dataset):
    log: list = []
    sources = [
        ("crm", Recording(from_settings(CrmStubSettings(latency=0.2)), log)),
        ("sociaal", Recording(from_settings(CrmStubSettings(dataset=SECOND, latency=0.2)), log)),
        ("derde", Recording(from_settings(CrmStubSettings(dataset=third_dataset, latency=0.2)), log)),
    ]
    async with client_for(app(sources)) as client:
        response = await client.get(f"{API}/klantcontacten", params={"pageSize": 10})
    assert response.status_code == 200
    first_calls = {}
    for source_id, _, started, ended in log:
        first_calls.setdefault(source_id, (started, ended))
    assert len(first_calls) == 3
    # all three first list calls were in flight at one moment: started before any of them ended
    assert max(s for s, _ in first_calls.values()) < min(e for _, e in first_calls.values())


async def test_klantcontacten_newest_first_across_three_sources_with_exact_count(third_dataset):
    sources = [("crm", crm()), ("sociaal", crm(SECOND)), ("derde", crm(third_dataset))]
    singles = {}
    for name, adapter in sources:
        async with client_for(app([(name, adapter)])) as client:
            singles[name] = await all_results(client, f"{API}/klantcontacten", pageSize=500)
    async with client_for(app(sources)) as client:
        first = (await client.get(f"{API}/klantcontacten")).json()
        merged = await all_results(client, f"{API}/klantcontacten", pageSize=37)
        again = await all_results(client, f"{API}/klantcontacten", pageSize=100)
    assert first["count"] == sum(len(s) for s in singles.values()) == len(merged)
    assert [r["uuid"] for r in merged] == [r["uuid"] for r in again], "paging is stable across page sizes"
    assert {r["uuid"] for r in merged} == {r["uuid"] for s in singles.values() for r in s}
    order = [(r["plaatsgevondenOp"], r["uuid"]) for r in merged]
    for (t1, u1), (t2, u2) in itertools.pairwise(order):
        assert t1 > t2 or (t1 == t2 and u1 < u2), "newest first, ties by UUID"


async def test_other_resources_come_by_source_priority(third_dataset):
    sources = [("crm", crm()), ("sociaal", crm(SECOND))]
    async with client_for(app([sources[0]])) as client:
        crm_only = [r["uuid"] for r in await all_results(client, f"{API}/actoren")]
    async with client_for(app([sources[1]])) as client:
        second_only = [r["uuid"] for r in await all_results(client, f"{API}/actoren")]
    async with client_for(app(sources)) as client:
        both = [r["uuid"] for r in await all_results(client, f"{API}/actoren", pageSize=3)]
    assert both == crm_only + second_only


async def test_one_partij_for_a_bsn_known_in_two_sources():
    async with client_for(app([("crm", crm()), ("sociaal", crm(SECOND))])) as client:
        body = (
            await client.get(
                f"{API}/partijen",
                params={"partijIdentificator__objectId": HENK_BSN, "expand": "digitaleAdressen"},
            )
        ).json()
        assert body["count"] == 1
        (henk,) = body["results"]
        adressen = sorted(a["adres"] for a in henk["_expand"]["digitaleAdressen"])
        # demo.json: customer 100001; second.json: customer 300001 (written out from the datasets)
        assert adressen == sorted(
            ["henk.debruin@example.nl", "0201234567", "0612345678", "h.de.bruin@example.org", "0209876543"]
        )
        assert henk["nummer"] == "100001", "fields come from the highest-priority source"
        detail = (await client.get(henk["url"].replace("http://testserver", ""))).json()
        assert detail["uuid"] == henk["uuid"]
        contacts = (
            await client.get(f"{API}/klantcontacten", params={"hadBetrokkene__wasPartij__uuid": henk["uuid"]})
        ).json()
        alone = []
        for source in (crm(), crm(SECOND)):
            async with client_for(app([("x", source)])) as single:
                alone.append(
                    (
                        await single.get(
                            f"{API}/klantcontacten",
                            params={"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN},
                        )
                    ).json()["count"]
                )
        assert contacts["count"] == sum(alone) > alone[0]


async def test_merge_switched_off_gives_two_partijen():
    async with client_for(app([("crm", crm()), ("sociaal", crm(SECOND))], merge_partijen=False)) as client:
        body = (await client.get(f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})).json()
    assert body["count"] == 2
    assert {p["nummer"] for p in body["results"]} == {"100001", "300001"}


async def test_same_uuids_after_a_restart_and_others_with_another_secret():
    async def henk_uuid(application) -> str:
        async with client_for(application) as client:
            body = (await client.get(f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})).json()
            contacts = (await client.get(f"{API}/klantcontacten", params={"pageSize": 5})).json()
            return body["results"][0]["uuid"], [c["uuid"] for c in contacts["results"]]

    first = await henk_uuid(app([("crm", crm()), ("sociaal", crm(SECOND))]))
    restarted = await henk_uuid(app([("crm", crm()), ("sociaal", crm(SECOND))]))
    other_secret = await henk_uuid(
        app([("crm", crm()), ("sociaal", crm(SECOND))], secret=b"another-secret-of-32-bytes-long!")
    )
    assert first == restarted
    assert first[0] != other_secret[0] and set(first[1]).isdisjoint(other_secret[1])
    assert HENK_BSN not in first[0].replace("-", "")


async def test_a_failing_source_gives_a_partial_answer_that_says_so():
    async with client_for(app([("crm", crm()), ("zaaksysteem", Broken(crm(SECOND)))])) as client:
        alone = (await client.get(f"{API}/klantcontacten", params={"kanaal": "telefoon"})).json()
        response = await client.get(f"{API}/klantcontacten", params={"kanaal": "telefoon"})
    assert response.status_code == 200
    assert response.headers["Facade-Incomplete"] == "zaaksysteem;reason=unavailable"
    assert "zaaksysteem" in response.headers["Warning"]
    assert response.json()["count"] == alone["count"] > 0
    assert "connection refused" not in response.text


async def test_a_lookup_by_bsn_is_never_partial():
    async with client_for(app([("crm", crm()), ("zaaksysteem", Broken(crm(SECOND)))])) as client:
        for path, params in (
            ("partijen", {"partijIdentificator__objectId": HENK_BSN}),
            ("klantcontacten", {"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN}),
            ("digitaleadressen", {"verstrektDoorPartij__partijIdentificator__objectId": HENK_BSN}),
        ):
            response = await client.get(f"{API}/{path}", params=params)
            assert response.status_code == 503, (path, response.text)
            assert response.headers["Retry-After"].isdigit()
            body = response.json()
            assert body["code"] == "source_unavailable" and "zaaksysteem" in body["detail"]
            assert HENK_BSN not in response.text


async def test_upstream_calls_for_page_five_of_three_sources(third_dataset, record_property):
    adapters = [crm(), crm(SECOND), crm(third_dataset)]
    calls = {}
    async with client_for(app(list(zip(["crm", "sociaal", "derde"], adapters, strict=True)))) as client:
        for page in (1, 5):
            for adapter in adapters:
                adapter.crm.reset_calls()
            response = await client.get(f"{API}/klantcontacten", params={"page": page, "pageSize": 20})
            assert response.status_code == 200
            calls[page] = [sum(adapter.crm.calls.values()) for adapter in adapters]
    record_property("upstream_calls_page5", calls[5])
    # a deep page reads a deeper window in the same number of calls: one contact search per
    # source, plus the CRM's own lookups of the tasks and staff of those contacts
    assert calls[5] == calls[1] == [3, 3, 3]


async def test_a_list_of_partijen_over_two_sources_shows_each_person_once():
    """Each source pages its own partijen; a person in both is shown once, merged, at the
    higher-priority source; `count` counts the records of both (an upper bound, ADR 14)."""
    sources = [("crm", crm()), ("sociaal", crm(SECOND))]
    singles = []
    for name, adapter in sources:
        async with client_for(app([(name, adapter)])) as client:
            singles.append(await all_results(client, f"{API}/partijen", pageSize=500))
    async with client_for(app(sources)) as client:
        first = (await client.get(f"{API}/partijen", params={"pageSize": 7})).json()
        listed = await all_results(client, f"{API}/partijen", pageSize=7)
        (henk,) = (await client.get(f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})).json()[
            "results"
        ]
    uuids = [p["uuid"] for p in listed]
    assert len(uuids) == len(set(uuids)), "every partij once over all pages"
    assert set(uuids) == {p["uuid"] for single in singles for p in single}
    assert first["count"] == sum(len(single) for single in singles) > len(uuids), "records of both sources"
    (listed_henk,) = [p for p in listed if p["uuid"] == henk["uuid"]]
    assert listed_henk == henk, "in the list as in a lookup: merged from both sources"


class NamesEachNumberTwice(Adapter):
    """A source whose partijen carry each identificator twice (the same kind and number)."""

    def __init__(self, inner: Adapter):
        self.inner, self.resources = inner, inner.resources

    @staticmethod
    def _doubled(obj):
        if obj.resource != "partijen":
            return obj
        return obj.model_copy(update={"partijIdentificatoren": [*obj.partijIdentificatoren] * 2})

    async def list(self, query: ListQuery) -> ListPage:
        page = await self.inner.list(query)
        return ListPage([self._doubled(r) for r in page.records], page.total, [self._doubled(r) for r in page.related])

    async def get_many(self, resource: str, keys: Collection[str]):
        return {key: self._doubled(obj) for key, obj in (await self.inner.get_many(resource, keys)).items()}


async def test_a_partij_that_names_its_bsn_twice_shows_it_once():
    """A partij merged by its BSN is shown with each identificator once, also when only one
    record holds it (ADR 6): in a list, in a lookup and in its detail."""
    async with client_for(app([("crm", NamesEachNumberTwice(crm()))])) as client:
        (henk,) = (await client.get(f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})).json()[
            "results"
        ]
        listed = await all_results(client, f"{API}/partijen", pageSize=100)
        detail = (await client.get(henk["url"].replace("http://testserver", ""))).json()
    (in_list,) = [p for p in listed if p["uuid"] == henk["uuid"]]
    for shown in (henk, in_list, detail):
        numbers = [i["partijIdentificator"]["objectId"] for i in shown["partijIdentificatoren"]]
        assert numbers.count(HENK_BSN) == 1, numbers
    assert in_list == henk
    assert detail == {name: value for name, value in henk.items() if name != "_expand"}
