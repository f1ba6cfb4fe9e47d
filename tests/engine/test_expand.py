"""`expand` on the demo and on two sources, with the expected objects written out by hand (issue 4).

The expectations come from the story records in adapters/crm_stub/story.py, read by a person:
contact KC-00002 is Graafmachine Verhuur's e-mail about the omgevingsvergunning, and so on.
"""

from __future__ import annotations

import pytest

from adapters.crm_stub.adapter import CrmStubSettings, from_settings
from adapters.crm_stub.dataset import DEMO
from facade.api.app import create_app
from tests.conftest import client_for, engine_over, settings

API = "/klantinteracties/api/v1"
HENK_BSN = "999993653"
ZAAK_VERGUNNING = "0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f"  # story.py: _ZAAK_VERGUNNING


def app_over_crms(*datasets):
    sources = [(name, from_settings(CrmStubSettings(dataset=path))) for name, path in datasets]
    config = settings([{"name": n, "kind": "crm_stub"} for n, _ in sources])
    return create_app(config, engine_over(sources))


@pytest.fixture
async def client():
    async with client_for(app_over_crms(("crm", DEMO))) as client:
        yield client


async def contact(client, referentienummer: str, expand: str) -> dict:
    body = (
        await client.get(f"{API}/klantcontacten", params={"referentienummer": referentienummer, "expand": expand})
    ).json()
    assert body["count"] == 1
    return body["results"][0]


async def test_klantcontact_expands_every_relation(client):
    kc = await contact(
        client,
        "KC-00002",
        "hadBetrokkenen,hadBetrokkenen.wasPartij,hadBetrokkenen.digitaleAdressen,leiddeTotInterneTaken,"
        "gingOverOnderwerpobjecten,omvatteBijlagen",
    )
    expanded = kc["_expand"]
    # the references stay, the objects are added under _expand in the same order
    assert [b["uuid"] for b in expanded["hadBetrokkenen"]] == [b["uuid"] for b in kc["hadBetrokkenen"]]
    (betrokkene,) = expanded["hadBetrokkenen"]
    assert betrokkene["rol"] == "klant"
    partij = betrokkene["_expand"]["wasPartij"]
    assert partij["soortPartij"] == "contactpersoon"
    assert partij["partijIdentificatie"]["contactnaam"]["achternaam"] == "Bruin"
    assert betrokkene["_expand"]["digitaleAdressen"] == []
    (zaak,) = expanded["gingOverOnderwerpobjecten"]
    assert zaak["onderwerpobjectidentificator"] == {
        "objectId": ZAAK_VERGUNNING,
        "codeObjecttype": "zaak",
        "codeRegister": "open-zaak",
        "codeSoortObjectId": "uuid",
    }
    assert sorted(b["bijlageidentificator"]["objectId"] for b in expanded["omvatteBijlagen"]) == [
        "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
        "2c3d4e5f-6071-4829-93a4-b5c6d7e8f9a0",
    ]
    (taak,) = expanded["leiddeTotInterneTaken"]
    assert taak["gevraagdeHandeling"] == "Vraag over omgevingsvergunning beantwoorden"
    assert taak["status"] == "verwerkt"


async def test_a_dotted_value_implies_its_parent_and_empty_expand_expands_nothing(client):
    kc = await contact(client, "KC-00005", "hadBetrokkenen.digitaleAdressen")
    (betrokkene,) = kc["_expand"]["hadBetrokkenen"]
    assert betrokkene["_expand"]["digitaleAdressen"][0]["adres"] == "0307654321"  # the unknown caller's number
    assert betrokkene["wasPartij"] is None
    plain = (await client.get(kc["url"].replace("http://testserver", ""), params={"expand": ""})).json()
    assert "_expand" not in plain


async def test_expand_as_comma_list_encoded_comma_or_repeated(client):
    kc = await contact(client, "KC-00002", "gingOverOnderwerpobjecten")
    path = kc["url"].replace("http://testserver", "")
    variants = [
        f"{path}?expand=hadBetrokkenen,gingOverOnderwerpobjecten",
        f"{path}?expand=hadBetrokkenen%2CgingOverOnderwerpobjecten",
        f"{path}?expand=hadBetrokkenen&expand=gingOverOnderwerpobjecten",
    ]
    bodies = [(await client.get(v)).json() for v in variants]
    assert all(set(b["_expand"]) == {"hadBetrokkenen", "gingOverOnderwerpobjecten"} for b in bodies)
    assert bodies[0] == bodies[1] == bodies[2]


async def test_an_empty_to_one_is_null_and_an_empty_to_many_a_list(client):
    body = (
        await client.get(
            f"{API}/digitaleadressen",
            params={
                "verstrektDoorPartij__partijIdentificator__objectId": HENK_BSN,
                "expand": "verstrektDoorBetrokkene",
            },
        )
    ).json()
    assert body["count"] == 3  # Henk's e-mail, phone and mobile as a private person
    assert all(a["_expand"] == {"verstrektDoorBetrokkene": None} for a in body["results"])


async def test_digitaal_adres_of_a_betrokkene_expands_to_its_contact_and_tasks(client):
    body = (
        await client.get(
            f"{API}/digitaleadressen",
            params={
                "adres": "0307654321",
                "expand": "verstrektDoorBetrokkene.hadKlantcontact.leiddeTotInterneTaken",
            },
        )
    ).json()
    (adres,) = body["results"]
    betrokkene = adres["_expand"]["verstrektDoorBetrokkene"]
    klantcontact = betrokkene["_expand"]["hadKlantcontact"]
    assert klantcontact["referentienummer"] == "KC-00005"
    (taak,) = klantcontact["_expand"]["leiddeTotInterneTaken"]
    assert taak["gevraagdeHandeling"] == "Terugbellen"


async def test_partij_expands_betrokkenen_with_their_klantcontacten_and_categories(client):
    body = (
        await client.get(
            f"{API}/partijen",
            params={
                "partijIdentificator__objectId": HENK_BSN,
                "expand": "betrokkenen.hadKlantcontact,digitaleAdressen,categorieRelaties",
            },
        )
    ).json()
    (henk,) = body["results"]
    subjects = {b["_expand"]["hadKlantcontact"]["onderwerp"] for b in henk["_expand"]["betrokkenen"]}
    assert {"Vraag over de afvalpas", "Parkeervergunning tweede auto"} <= subjects
    assert [r["categorie"]["naam"] for r in henk["_expand"]["categorieRelaties"]] == [
        r["categorieNaam"] for r in henk["categorieRelaties"]
    ]
    assert sorted(a["adres"] for a in henk["_expand"]["digitaleAdressen"]) == [
        "0201234567",
        "0612345678",
        "henk.debruin@example.nl",
    ]


async def test_unknown_expand_is_a_400(client):
    response = await client.get(f"{API}/partijen", params={"expand": "digitaleAdressen,hadKlantcontact"})
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "expand"


async def test_upstream_requests_do_not_grow_with_the_page_size(record_property):
    adapter = from_settings(CrmStubSettings())
    config = settings([{"name": "crm", "kind": "crm_stub"}])
    expand = "hadBetrokkenen,hadBetrokkenen.wasPartij,gingOverOnderwerpobjecten,leiddeTotInterneTaken"
    counts = {}
    async with client_for(create_app(config, engine_over([("crm", adapter)]))) as client:
        for size in (10, 100):
            adapter.crm.reset_calls()
            response = await client.get(f"{API}/klantcontacten", params={"pageSize": size, "expand": expand})
            assert response.status_code == 200
            assert len(response.json()["results"]) == size
            counts[size] = sum(adapter.crm.calls.values())
    record_property("upstream_requests", counts)
    assert counts[10] == counts[100]


async def test_a_citizens_contacts_from_both_sources_with_their_partij_merged():
    second = DEMO.with_name("second.json")
    async with client_for(app_over_crms(("crm", DEMO), ("sociaal", second))) as client:
        body = (
            await client.get(
                f"{API}/klantcontacten",
                params={
                    "hadBetrokkene__wasPartij__partijIdentificator__codeSoortObjectId": "bsn",
                    "hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN,
                    "expand": "hadBetrokkenen.wasPartij",
                    "pageSize": 500,
                },
            )
        ).json()
        partijen = {
            b["_expand"]["wasPartij"]["uuid"]
            for kc in body["results"]
            for b in kc["_expand"]["hadBetrokkenen"]
            if b["wasPartij"]
        }
        henk = (await client.get(f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})).json()
        assert henk["results"][0]["uuid"] in partijen
        subjects = {kc["onderwerp"] for kc in body["results"]}
        assert {"Vraag over de afvalpas", "Parkeervergunning tweede auto"} <= subjects  # demo.json
        assert len(body["results"]) == body["count"]
        times = [kc["plaatsgevondenOp"] for kc in body["results"]]
        assert times == sorted(times, reverse=True)


async def test_old_identificator_codes_are_aliases(client):
    new = (
        await client.get(
            f"{API}/partijen",
            params={
                "partijIdentificator__codeObjecttype": "natuurlijk_persoon",
                "partijIdentificator__codeSoortObjectId": "bsn",
                "partijIdentificator__objectId": HENK_BSN,
            },
        )
    ).json()
    old = (
        await client.get(
            f"{API}/partijen",
            params={
                "partijIdentificator__codeObjecttype": "inp",
                "partijIdentificator__codeSoortObjectId": "bsn",
                "partijIdentificator__codeRegister": "brp",
                "partijIdentificator__objectId": HENK_BSN,
                "soortPartij": "persoon",
            },
        )
    ).json()
    assert new["count"] == old["count"] == 1
    assert new["results"][0]["uuid"] == old["results"][0]["uuid"]
    identificatoren = (
        await client.get(f"{API}/partij-identificatoren", params={"partijIdentificatorCodeObjecttype": "inp"})
    ).json()
    assert identificatoren["count"] > 0
    assert {i["partijIdentificator"]["codeObjecttype"] for i in identificatoren["results"]} == {"natuurlijk_persoon"}


async def test_identificator_parts_must_match_one_identificator(client):
    # Graafmachine Verhuur (100002) has KvK number 68750110 and a vestigingsnummer identificator. Open
    # Klant would match "a vestigingsnummer identificator" and "an identificator 68750110" separately;
    # both parts must hold for one identificator, so this finds nothing:
    body = (
        await client.get(
            f"{API}/partijen",
            params={
                "partijIdentificator__codeSoortObjectId": "vestigingsnummer",
                "partijIdentificator__objectId": "68750110",
            },
        )
    ).json()
    assert body["count"] == 0
    body = (
        await client.get(
            f"{API}/partijen",
            params={
                "partijIdentificator__codeSoortObjectId": "kvk_nummer",
                "partijIdentificator__objectId": "68750110",
            },
        )
    ).json()
    assert body["count"] == 1
