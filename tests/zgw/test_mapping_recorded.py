"""The Klanten/Zaken mapping on recorded real responses (shared/fixtures/zgw), served by respx
to the adapter: what Open Klant's migration made of each Klant, with this façade's changes."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
import respx

from adapters.protocol import ListQuery
from mapping import nummers
from mapping import zgw as m
from mapping.ki import ZaakFacts
from tests.conftest import requires_shared
from tests.zgw.support import FIXTURES, recorded, zgw_adapter

pytestmark = requires_shared()

BASE = "http://localhost:8000"


async def partijen_from(cassette: str):
    """The partijen, identificatoren and adressen the adapter maps from one recorded klanten list."""
    uri, status, body = recorded(f"openklant-v1-migration/cassettes/{cassette}")
    with respx.mock() as mock:  # any other request (a subject URL) fails the test
        mock.get(uri).mock(return_value=httpx.Response(status, json=body))
        for klant in body["results"]:  # the detail of each recorded klant is the same record
            mock.get(klant["url"]).mock(return_value=httpx.Response(200, json=klant))
        adapter = zgw_adapter(BASE, apis=("klanten",))
        page = await adapter.list(ListQuery("partijen", {}))
        adressen = await adapter.get_many(
            "digitaleadressen", [f"{p.key}#email" for p in page.records] + [f"{p.key}#tel" for p in page.records]
        )
        await adapter.aclose()
    return page, adressen


def identificator(partij):
    return [i.partijIdentificator.model_dump() for i in partij.partijIdentificatoren]


async def test_natuurlijk_persoon_names_from_the_klant_initials_from_the_subject():
    page, _ = await partijen_from("test_natuurlijk_persoon.yaml")
    (partij,) = page.records
    assert partij.key == "c29538c1-98b8-4773-8ac1-f0af110d92f9"
    assert partij.soortPartij == "persoon"
    naam = partij.partijIdentificatie.contactnaam
    assert (naam.voorletters, naam.voornaam, naam.achternaam) == ("H", "Harry", "Potter")
    assert identificator(partij) == [
        {
            "codeObjecttype": "natuurlijk_persoon",
            "codeSoortObjectId": "bsn",
            "objectId": "024325818",
            "codeRegister": "brp",
        }
    ]
    assert partij.nummer == "0"  # the klantnummer, never the BSN
    assert page.total == 1


async def test_bsn_of_eight_digits_gets_its_leading_zero():
    page, _ = await partijen_from("test_natuurlijk_persoon_bsn_with_leading_zeroes.yaml")
    assert identificator(page.records[0])[0]["objectId"] == "012345672"


async def test_invalid_bsn_keeps_the_partij_without_identificator():
    page, _ = await partijen_from("test_natuurlijk_persoon_invalid_bsn.yaml")
    (partij,) = page.records
    assert partij.partijIdentificatoren == []
    assert partij.partijIdentificatie.contactnaam.achternaam == "Potter"
    assert "1234" not in (partij.nummer or "")


@pytest.mark.parametrize(
    ("cassette", "soort", "number"),
    [("test_niet_natuurlijk_persoon.yaml", "kvk_nummer", "80737144"), ("test_rsin.yaml", "rsin", "296648875")],
)
async def test_organisation_by_length_of_inn_nnp_id(cassette, soort, number):
    page, _ = await partijen_from(cassette)
    (partij,) = page.records
    assert partij.soortPartij == "organisatie"
    assert partij.partijIdentificatie.naam == "Foobar Inc."
    assert identificator(partij) == [
        {
            "codeObjecttype": "niet_natuurlijk_persoon",
            "codeSoortObjectId": soort,
            "objectId": number,
            "codeRegister": "hr",
        }
    ]


async def test_vestiging_keeps_its_vestigingsnummer():
    page, _ = await partijen_from("test_vestiging.yaml")
    (partij,) = page.records
    assert partij.soortPartij == "organisatie"
    assert partij.partijIdentificatie.naam == "Foobar Inc."
    assert identificator(partij) == [
        {
            "codeObjecttype": "vestiging",
            "codeSoortObjectId": "vestigingsnummer",
            "objectId": "123456789",
            "codeRegister": "hr",
        }
    ]


async def test_email_and_phone_become_digitale_adressen():
    page, adressen = await partijen_from("test_telefoonnummer.yaml")
    (partij,) = page.records
    by_soort = {a.soortDigitaalAdres: a for a in adressen.values()}
    assert by_soort["email"].adres == "example@maykin.nl"
    assert by_soort["telefoonnummer"].adres == "0612345678"
    assert {a.referentie for a in adressen.values()} == {"portaalvoorkeur"}
    assert partij.voorkeursDigitaalAdres.key == by_soort["email"].key
    assert sorted(r.key for r in partij.digitaleAdressen) == sorted(a.key for a in adressen.values())


async def test_klant_without_subject_maps_without_identificator():
    page, _ = await partijen_from("test_no_subject_and_no_subject_identificatie.yaml")
    (partij,) = page.records
    assert partij.partijIdentificatoren == []
    assert partij.soortPartij == "persoon"


async def test_subject_url_is_never_fetched():
    # the cassette's second interaction is Open Klant's migration fetching the subject URL;
    # respx is not told about it, so fetching it would fail this test
    page, _ = await partijen_from("test_subject_and_no_subject_identificatie.yaml")
    (partij,) = page.records
    assert partij.partijIdentificatoren == []
    assert partij.partijIdentificatie.contactnaam.achternaam == "Hopkins"


async def test_all_pages_of_a_recorded_paginated_list():
    first_uri, _, first = recorded("openklant-v1-migration/cassettes/test_pagination.yaml", 0)
    _, _, second = recorded("openklant-v1-migration/cassettes/test_pagination.yaml", 1)
    with respx.mock(assert_all_called=True) as mock:
        mock.get(first_uri, params={"page": "2"}).mock(return_value=httpx.Response(200, json=second))
        mock.get(first_uri).mock(return_value=httpx.Response(200, json=first))
        adapter = zgw_adapter(BASE, apis=("klanten",))
        page = await adapter.list(ListQuery("partijen", {}, offset=95, limit=10))
        await adapter.aclose()
    assert page.total == 200
    assert len(page.records) == 10
    assert [p.key for p in page.records] == [m.record_uuid(k) for k in (first["results"][95:] + second["results"][:5])]


def test_recorded_zaak_and_rol_shapes_are_tolerated():
    """Open Zaak's extra fields and a zaak URL map to a zaak onderwerpobject by UUID."""
    _, _, page = recorded("openzaak-via-openarchiefbeheer/zaken_list_two_pages_with_expand.yaml")
    zaak = page["results"][0]
    kc = {
        "url": zaak["url"].replace("zaken/", "klantcontacten/"),
        "uuid": zaak["uuid"],
        "zaak": zaak["url"],
        "identificatie": "KC-2024-000000001",
        "datumtijd": "2024-07-11T10:00:00Z",
        "kanaal": "telefoon",
        "onderwerp": "Vraag",
        "toelichting": "x" * 1200,
        "laatstGemuteerd": zaak["laatstGemuteerd"],
    }
    klantcontact = m.zaak_klantcontact(kc)
    onderwerp = m.zaak_klantcontact_onderwerpobject(kc, "open-zaak")
    moment = dt.datetime(2024, 7, 11, 10, tzinfo=dt.UTC)
    assert onderwerp.onderwerpobjectidentificator.model_dump() == {
        "objectId": zaak["uuid"],
        "codeObjecttype": "zaak",
        "codeRegister": "open-zaak",
        "codeSoortObjectId": "uuid",
    }
    # 17 characters do not fit, and an identifier is never cut: a nummer derived from the moment
    assert klantcontact.nummer == klantcontact.referentienummer == nummers.derived(klantcontact.key, moment)
    assert nummers.moment_window(klantcontact.nummer) == (moment, moment + dt.timedelta(seconds=1))
    assert onderwerp.zaak == ZaakFacts(uuid=zaak["uuid"])  # its identificatie is read by the adapter
    assert len(klantcontact.inhoud) == 1000 and klantcontact.inhoud.endswith("…")


def test_esuite_contactmoment_shape():
    raw = json.loads(
        (
            FIXTURES / "openinwoner-apimock/contactmomenten_contactmoment_aaaaaaaa-aaaa-aaaa-aaaa-bbbbbbbbbbb2.json"
        ).read_text()
    )
    moment = m.Contactmoment(raw, m.record_uuid(raw))
    klantcontact = m.klantcontact(moment)
    assert (klantcontact.onderwerp, klantcontact.nummer, klantcontact.kanaal) == (
        "Verbouwing garage",
        "BA321",
        "Contact Formulier",
    )
    assert klantcontact.reactie.startswith("Hier is een vergunning")
    assert klantcontact.taal == "vzt"  # a three-letter code as given (the mock's value is junk)
    assert klantcontact.hadBetrokkenActoren == []  # no medewerker, and an empty `medewerker` URL


def test_duplicate_zaak_links_appear_once():
    cm = {
        "url": "https://cm.example/contactmomenten/api/v1/contactmomenten/3e1f0a9b-8c7d-4e6f-a5b4-c3d2e1f0a911",
        "registratiedatum": "2025-01-16T10:05:00+01:00",
        "kanaal": "telefoon",
    }
    zaak = "https://zaken.example/zaken/api/v1/zaken/0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f"
    ocm = {
        "url": "https://cm.example/contactmomenten/api/v1/objectcontactmomenten/9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b01",
        "contactmoment": cm["url"],
        "object": zaak,
        "objectType": "zaak",
    }
    zcm = {
        "url": "https://zaken.example/zaken/api/v1/zaakcontactmomenten/c4b3a291-8e7d-4c6b-a5f4-e3d2c1b0a901",
        "uuid": "c4b3a291-8e7d-4c6b-a5f4-e3d2c1b0a901",
        "zaak": zaak,
        "contactmoment": cm["url"],
    }
    moment = m.Contactmoment(cm, m.record_uuid(cm), objectcontactmomenten=[ocm], zaakcontactmomenten=[zcm])
    found = m.onderwerpobjecten(moment)
    assert [o.key for o in found] == ["9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b01"]
    assert m.klantcontact(moment).gingOverOnderwerpobjecten[0].key == found[0].key
    alone = m.Contactmoment(cm, m.record_uuid(cm), zaakcontactmomenten=[zcm])
    assert [o.key for o in m.onderwerpobjecten(alone)] == ["c4b3a291-8e7d-4c6b-a5f4-e3d2c1b0a901#zcm"]
