"""A façade of façades over real HTTP (issue 6).

Façade A serves the CRM demo data as a real server on loopback; façade B answers from A through
the `klantinteracties` adapter. Through B every collection, filter and expand must give the same
objects as through A, with every UUID and URL B's own, and B merged with a second CRM must page
and count right, reading from A only the pages an answer needs.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from adapters.crm_stub.adapter import CrmStubSettings
from adapters.crm_stub.adapter import from_settings as crm_stub
from adapters.crm_stub.dataset import DEMO
from mapping.contract import API_PREFIX, RESOURCES
from tests.conftest import AUTH, IDENTITY_SECRET, TOKEN
from tests.klantinteracties.federation import (
    B_API,
    UPSTREAM_TOKEN_ENV,
    RecordingTransport,
    Translation,
    all_results,
    facade_over,
    upstream_adapter,
    without_contactpersoon_uuid,
)
from tests.support.server import running_facade

HENK_BSN = "999993653"
SECOND = DEMO.with_name("second.json")
SOURCE = "regio"
TIME_ORDERED = {"klantcontacten": "plaatsgevondenOp", "internetaken": "toegewezenOp"}


@pytest.fixture(scope="module")
def facade_a(tmp_path_factory) -> str:
    config = {
        "identity_secret": {"env": "KI_TEST_A_IDENTITY"},
        # façade B searches by BSN on behalf of its own clients
        "clients": [{"name": "regio-b", "token": {"env": "KI_TEST_A_TOKEN"}, "permissions": {"bsn": True}}],
        "processing_log": {"sink": "stdout", "key": {"env": "KI_TEST_A_IDENTITY"}},
        "sources": [{"name": "crm", "kind": "crm_stub"}],
    }
    env = {"KI_TEST_A_IDENTITY": "identity-secret-of-facade-a-0123", "KI_TEST_A_TOKEN": TOKEN}
    with running_facade(config, env, tmp_path_factory.mktemp("facade-a")) as base:
        yield base


@pytest.fixture(autouse=True)
def upstream_token(monkeypatch):
    monkeypatch.setenv(UPSTREAM_TOKEN_ENV, TOKEN)


@pytest.fixture
async def a(facade_a):
    async with httpx.AsyncClient(base_url=facade_a + API_PREFIX, headers=AUTH, timeout=30) as client:
        yield client


@pytest.fixture
def translate(facade_a) -> Translation:
    return Translation(facade_a + API_PREFIX, SOURCE)


@pytest.fixture
async def b(facade_a):
    adapter = upstream_adapter(facade_a)
    async with facade_over([(SOURCE, adapter)]) as client:
        yield client
    await adapter.aclose()


def same(translate: Translation, through_a, through_b) -> None:
    assert without_contactpersoon_uuid(translate(through_a)) == without_contactpersoon_uuid(through_b)


def newest_first(resource: str, results: list[dict]) -> None:
    field = TIME_ORDERED[resource]
    keys = [(-dt.datetime.fromisoformat(r[field]).timestamp(), r["uuid"]) for r in results]
    assert keys == sorted(keys), f"{resource} newest first, ties by uuid"


def same_in_order(translate: Translation, resource: str, through_a: list[dict], through_b: list[dict]) -> None:
    """A's and B's UUIDs differ, so do their tie-breaks: time-ordered lists compare as sets, B's order checked."""
    if resource not in TIME_ORDERED:
        same(translate, through_a, through_b)
        return
    newest_first(resource, through_b)
    same(
        translate,
        sorted(through_a, key=lambda r: translate.uuid(resource, r["uuid"])),
        sorted(through_b, key=lambda r: r["uuid"]),
    )


# --- content -----------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", sorted(RESOURCES))
async def test_every_collection_gives_the_same_objects(a, b, translate, resource):
    count_a, through_a = await all_results(a, resource, {"pageSize": 500})
    count_b, through_b = await all_results(b, f"{B_API}/{resource}", {"pageSize": 100})
    assert count_b == count_a > 0
    same_in_order(translate, resource, through_a, through_b)


async def test_every_detail_gives_the_same_object(a, b, translate):
    for resource in sorted(RESOURCES):
        first = (await a.get(resource, params={"pageSize": 1})).json()["results"][0]
        expected = (await a.get(f"{resource}/{first['uuid']}")).json()
        response = await b.get(translate.url(first["url"]))
        assert response.status_code == 200, resource
        same(translate, expected, response.json())


async def henk(a) -> dict:
    (partij,) = (await a.get("partijen", params={"partijIdentificator__objectId": HENK_BSN})).json()["results"]
    return partij


async def test_filters_give_the_same_objects(a, b, translate):
    partij = await henk(a)
    contact = (await a.get("klantcontacten", params={"pageSize": 1})).json()["results"][0]
    rekening = (await a.get("rekeningnummers", params={"pageSize": 1})).json()["results"][0]
    relatie = (await a.get("categorie-relaties", params={"pageSize": 1})).json()["results"][0]
    henk_b = translate.uuid("partijen", partij["uuid"])
    cases = [
        ("partijen", {"partijIdentificator__objectId": HENK_BSN}, None),
        (
            "partijen",
            {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN},
            None,
        ),
        ("partijen", {"soortPartij": "organisatie", "indicatieActief": "true"}, None),
        ("digitaleadressen", {"verstrektDoorPartij__partijIdentificator__objectId": HENK_BSN}, None),
        ("digitaleadressen", {"soortDigitaalAdres": "email"}, None),
        (
            "klantcontacten",
            {"hadBetrokkene__wasPartij__uuid": partij["uuid"]},
            {"hadBetrokkene__wasPartij__uuid": henk_b},
        ),
        ("klantcontacten", {"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN}, None),
        ("klantcontacten", {"kanaal": contact["kanaal"]}, None),
        ("klantcontacten", {"onderwerp": contact["onderwerp"][:6].upper()}, None),
        ("betrokkenen", {"wasPartij__url": partij["url"]}, {"wasPartij__url": f"{B_API}/partijen/{henk_b}"}),
        ("internetaken", {"status": "te_verwerken"}, None),
        (
            "rekeningnummers",
            {"uuid": rekening["uuid"]},
            {"uuid": translate.uuid("rekeningnummers", rekening["uuid"])},
        ),
        ("categorie-relaties", {"categorie__naam": relatie["categorie"]["naam"]}, None),
        ("actoren", {"soortActor": "medewerker"}, None),
    ]
    for resource, params_a, params_b in cases:
        count_a, through_a = await all_results(a, resource, params_a)
        count_b, through_b = await all_results(b, f"{B_API}/{resource}", {**(params_b or params_a), "pageSize": 7})
        assert count_b == count_a > 0, (resource, params_a)
        same_in_order(translate, resource, through_a, through_b)


EXPANDABLE = {name: definition.expand for name, definition in RESOURCES.items() if definition.expand}


@pytest.mark.parametrize(
    ("resource", "expand"),
    [(resource, value) for resource, values in sorted(EXPANDABLE.items()) for value in (*values, ",".join(values))],
)
async def test_every_expand_value_gives_the_same_objects(a, b, translate, resource, expand):
    params = {"expand": expand, "pageSize": 25}
    if resource == "partijen":
        params["partijIdentificator__objectId"] = HENK_BSN  # a partij with betrokkenen and addresses
    count_a, through_a = await all_results(a, resource, params)
    count_b, through_b = await all_results(b, f"{B_API}/{resource}", params)
    assert count_b == count_a
    same_in_order(translate, resource, through_a, through_b)
    assert any(any(r["_expand"].values()) for r in through_b), "something was expanded"


async def test_contactpersoon_uuid_survives(b):
    body = (await b.get(f"{B_API}/partijen", params={"soortPartij": "contactpersoon", "pageSize": 1})).json()
    assert body["results"][0]["partijIdentificatie"]["uuid"] is not None


# --- merged with another source ----------------------------------------------------------------


async def test_merged_with_a_second_crm_order_and_count_are_right(facade_a, a, translate):
    adapter = upstream_adapter(facade_a)
    second = crm_stub(CrmStubSettings(dataset=SECOND))
    alone_source = crm_stub(CrmStubSettings(dataset=SECOND))
    async with (
        facade_over([(SOURCE, adapter), ("sociaal", second)], merge_partijen=True) as merged,
        facade_over([("sociaal", alone_source)], merge_partijen=True) as alone,
    ):
        # klantcontacten: newest first over both sources, every object once
        count_a, contacts_a = await all_results(a, "klantcontacten", {"pageSize": 500})
        count_2, contacts_2 = await all_results(alone, f"{B_API}/klantcontacten", {"pageSize": 500})
        count, contacts = await all_results(merged, f"{B_API}/klantcontacten", {"pageSize": 30})
        assert count == count_a + count_2
        newest_first("klantcontacten", contacts)
        expected = {r["uuid"] for r in translate(contacts_a)} | {r["uuid"] for r in contacts_2}
        assert {r["uuid"] for r in contacts} == expected
        # other resources come by source priority: all of A's, then the second source's
        _, actoren_a = await all_results(a, "actoren")
        _, actoren_2 = await all_results(alone, f"{B_API}/actoren")
        _, actoren = await all_results(merged, f"{B_API}/actoren", {"pageSize": 4})
        assert [r["uuid"] for r in actoren] == [r["uuid"] for r in translate(actoren_a) + actoren_2]
        # one partij for a BSN both sources know, with the addresses of both
        body = (
            await merged.get(
                f"{B_API}/partijen",
                params={"partijIdentificator__objectId": HENK_BSN, "expand": "digitaleAdressen"},
            )
        ).json()
        assert body["count"] == 1
        adressen = sorted(d["adres"] for d in body["results"][0]["_expand"]["digitaleAdressen"])
        assert adressen == sorted(
            ["henk.debruin@example.nl", "0201234567", "0612345678", "h.de.bruin@example.org", "0209876543"]
        )
    await adapter.aclose()


async def test_same_counts_as_one_facade_over_both_crms(facade_a):
    """B over (A, second) counts merged partijen like a façade over (demo, second) directly."""
    adapter = upstream_adapter(facade_a)
    second, again = crm_stub(CrmStubSettings(dataset=SECOND)), crm_stub(CrmStubSettings(dataset=SECOND))
    async with (
        facade_over([(SOURCE, adapter), ("sociaal", second)], True) as federated,
        facade_over([("crm", crm_stub(CrmStubSettings())), ("sociaal", again)], True) as direct,
    ):
        for resource in ("partijen", "klantcontacten", "digitaleadressen", "betrokkenen"):
            counted = [(await c.get(f"{B_API}/{resource}")).json()["count"] for c in (federated, direct)]
            assert counted[0] == counted[1], resource
    await adapter.aclose()


# --- lazy paging: the upstream request log -----------------------------------------------------


async def test_a_deep_page_fetches_only_the_pages_it_needs(facade_a):
    transport = RecordingTransport()
    adapter = upstream_adapter(facade_a, transport=transport)
    async with facade_over([(SOURCE, adapter), ("sociaal", crm_stub(CrmStubSettings(dataset=SECOND)))]) as client:
        # klantcontacten, newest first over two sources: page 2 of 10 needs A's newest 20 (+1 for ties)
        response = await client.get(f"{B_API}/klantcontacten", params={"page": 2, "pageSize": 10})
        assert response.status_code == 200 and len(response.json()["results"]) == 10
        assert transport.log == [("klantcontacten", {"page": "1", "pageSize": "21"})]
        # in source order, page 3 of 10 of digitaleadressen: A's count, then exactly its window
        transport.log.clear()
        response = await client.get(f"{B_API}/digitaleadressen", params={"page": 3, "pageSize": 10})
        assert response.status_code == 200 and len(response.json()["results"]) == 10
        assert transport.log == [
            ("digitaleadressen", {"page": "1", "pageSize": "1"}),
            ("digitaleadressen", {"page": "3", "pageSize": "10"}),
        ]
        # expanded objects come along with the page: no second round to A for them
        transport.log.clear()
        response = await client.get(f"{B_API}/klantcontacten", params={"pageSize": 5, "expand": "hadBetrokkenen"})
        assert response.status_code == 200
        assert transport.log == [
            ("klantcontacten", {"page": "1", "pageSize": "6", "expand": "hadBetrokkenen"}),
        ]
    await adapter.aclose()


async def test_a_detail_is_one_upstream_request(facade_a, a, translate):
    transport = RecordingTransport()
    adapter = upstream_adapter(facade_a, transport=transport)
    partij = await henk(a)
    async with facade_over([(SOURCE, adapter)]) as client:
        response = await client.get(translate.url(partij["url"]))
    assert response.status_code == 200
    assert transport.log == [(f"partijen/{partij['uuid']}", {})]
    await adapter.aclose()


# --- failures ----------------------------------------------------------------------------------


async def test_a_refused_token_fails_the_request_naming_the_source(facade_a, monkeypatch):
    monkeypatch.setenv(UPSTREAM_TOKEN_ENV, "not-the-token-of-facade-a")
    adapter = upstream_adapter(facade_a)
    async with facade_over([(SOURCE, adapter)]) as client:
        response = await client.get(f"{B_API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})
    await adapter.aclose()
    assert response.status_code == 503, "no answer rather than an incomplete one"
    assert SOURCE in response.json()["detail"]
    assert "not-the-token" not in response.text and HENK_BSN not in response.text
    assert IDENTITY_SECRET not in response.text


def test_a_facade_of_facades_as_two_servers_logs_no_bsn_and_no_token(facade_a, tmp_path):
    config = {
        "identity_secret": {"env": "KI_TEST_B_IDENTITY"},
        "clients": [{"name": "kcc", "token": {"env": "KI_TEST_B_TOKEN"}, "permissions": {"bsn": True}}],
        "processing_log": {"sink": "stdout", "key": {"env": "KI_TEST_B_IDENTITY"}},
        "sources": [
            {
                "name": SOURCE,
                "kind": "klantinteracties",
                "settings": {"base_url": facade_a + API_PREFIX, "token": {"env": UPSTREAM_TOKEN_ENV}},
            }
        ],
    }
    env = {
        "KI_TEST_B_IDENTITY": IDENTITY_SECRET,
        "KI_TEST_B_TOKEN": "token-of-the-kcc-0123",
        UPSTREAM_TOKEN_ENV: TOKEN,
        "FACADE_LOG_LEVEL": "DEBUG",
    }
    log_file = tmp_path / "b.log"
    auth = {"Authorization": "Token token-of-the-kcc-0123"}
    with (
        running_facade(config, env, tmp_path, log_file) as base,
        httpx.Client(base_url=base + API_PREFIX, headers=auth) as b,
    ):
        body = b.get("partijen", params={"partijIdentificator__objectId": HENK_BSN, "expand": "betrokkenen"}).json()
        contacts = b.get("klantcontacten", params={"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN})
    assert body["count"] == 1 and body["results"][0]["url"].startswith(base)
    assert contacts.status_code == 200 and contacts.json()["count"] > 0
    output = log_file.read_text()
    assert "GET /klantinteracties/api/v1/partijen 200" in output
    for secret in (HENK_BSN, TOKEN, IDENTITY_SECRET, facade_a.split(":")[-1] + "/klantinteracties/api/v1/partijen?"):
        assert secret not in output
