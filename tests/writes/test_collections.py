"""Every collection's create, update, partial update and delete, over real HTTP, in both sources.

The façade under test has a CRM source and a Klantinteracties source (a second façade, over its
own CRM): objects without an owner go to the source its `write_targets` name, objects under
another one follow their owner. Each write is followed by the reads a client then does: the
detail, the list it belongs to, and after a delete a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from facade.conformance.contract import assert_valid
from tests.writes.support import client, facade_over, fresh_bsn, ref, register

TARGETS = ("crm", "ki")
NO_UPDATE = {"vertegenwoordigingen", "actorklantcontacten"}
"""The CRM takes creates and deletes of these, but no changes (their keys are what they link)."""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("collections")
    with register(tmp) as upstream, facade_over(tmp, upstream, "crm") as crm, facade_over(tmp, upstream, "ki") as ki:
        yield {"upstream": upstream, "crm": crm, "ki": ki}


@dataclass
class Case:
    create: dict
    put: dict
    patch: dict
    changed: Callable[[dict], bool]
    """Holds after the PUT."""
    patched: Callable[[dict], bool]
    """Holds after the PATCH."""
    listing: dict = field(default_factory=dict)
    """Query that lists the created object (with few others); `{uuid}`, `{nummer}` are the object's."""
    proof: str | None = None
    """Text only the created object holds, to find it in the Klantinteracties source's register."""


async def created(c: httpx.AsyncClient, collection: str, body: dict) -> dict:
    response = await c.post(collection, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def klantcontact(c: httpx.AsyncClient, marker: str) -> dict:
    body = {
        "kanaal": "telefoon",
        "onderwerp": f"Vraag {marker}",
        "inhoud": "Over de afvalpas",
        "indicatieContactGelukt": True,
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": "2026-03-02T10:00:00+01:00",
    }
    return await created(c, "klantcontacten", body)


async def partij(c: httpx.AsyncClient, marker: str, soort: str = "persoon") -> dict:
    person = {"contactnaam": {"voornaam": "Kim", "achternaam": marker}}
    identificatie = {"naam": f"Bedrijf {marker}"} if soort == "organisatie" else person
    body = {"soortPartij": soort, "indicatieActief": True, "partijIdentificatie": identificatie}
    return await created(c, "partijen", body)


async def actor(c: httpx.AsyncClient, marker: str) -> dict:
    body = {
        "naam": f"Medewerker {marker}",
        "soortActor": "medewerker",
        "indicatieActief": True,
        "actoridentificator": {
            "objectId": f"{marker}@example.nl",
            "codeObjecttype": "mdw",
            "codeRegister": "msei",
            "codeSoortObjectId": "email",
        },
    }
    return await created(c, "actoren", body)


def contactnaam(achternaam: str) -> dict:
    return {"voorletters": "K", "voornaam": "Kim", "voorvoegselAchternaam": "", "achternaam": achternaam}


async def case_partijen(c, marker) -> Case:
    naam = {"contactnaam": contactnaam(marker)}
    return Case(
        create={"soortPartij": "persoon", "indicatieActief": True, "voorkeurstaal": "nld", "partijIdentificatie": naam},
        put={
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatie": {"contactnaam": contactnaam(f"{marker}-put")},
        },
        patch={"interneNotitie": "Belt liever niet"},
        changed=lambda o: o["partijIdentificatie"]["contactnaam"]["achternaam"] == f"{marker}-put",
        patched=lambda o: o["interneNotitie"] == "Belt liever niet" and o["partijIdentificatie"]["volledigeNaam"],
        listing={"nummer": "{nummer}"},
        proof=marker,
    )


async def case_partij_identificatoren(c, marker) -> Case:
    owner = await partij(c, marker)

    def group(bsn: str) -> dict:
        codes = {"codeObjecttype": "natuurlijk_persoon", "codeSoortObjectId": "bsn", "codeRegister": "brp"}
        return {**codes, "objectId": bsn}

    first, second, third = fresh_bsn(), fresh_bsn(), fresh_bsn()
    return Case(
        create={"identificeerdePartij": ref(owner), "partijIdentificator": group(first)},
        put={"identificeerdePartij": ref(owner), "partijIdentificator": group(second)},
        patch={"partijIdentificator": group(third)},
        changed=lambda o: o["partijIdentificator"]["objectId"] == second,
        patched=lambda o: o["partijIdentificator"]["objectId"] == third,
        listing={"partijIdentificatorObjectId": first},
        proof=first,
    )


async def case_vertegenwoordigingen(c, marker) -> Case:
    one, other = await partij(c, marker, "organisatie"), await partij(c, marker)
    body = {"vertegenwoordigendePartij": ref(one), "vertegenwoordigdePartij": ref(other)}
    return Case(body, body, {}, bool, bool, {"vertegenwoordigendePartij__uuid": one["uuid"]})


async def case_digitaleadressen(c, marker) -> Case:
    owner = await partij(c, marker)
    base = {"verstrektDoorPartij": ref(owner), "verstrektDoorBetrokkene": None, "soortDigitaalAdres": "email"}
    return Case(
        create={**base, "adres": f"{marker}@example.nl", "omschrijving": "Privé"},
        put={**base, "adres": f"{marker}.put@example.nl", "omschrijving": "Werk"},
        patch={"isStandaardAdres": True},
        changed=lambda o: o["adres"] == f"{marker}.put@example.nl" and o["omschrijving"] == "Werk",
        patched=lambda o: o["isStandaardAdres"] is True,
        listing={"verstrektDoorPartij__uuid": owner["uuid"]},
        proof=marker,
    )


async def case_rekeningnummers(c, marker) -> Case:
    owner = await partij(c, marker)
    iban = f"NL12TEST{marker}"
    return Case(
        create={"partij": ref(owner), "iban": iban, "bic": "ABNANL2A"},
        put={"partij": ref(owner), "iban": "NL20INGB0001234567", "bic": "INGBNL2A"},
        patch={"bic": "INGBNL2AXXX"},
        changed=lambda o: o["iban"] == "NL20INGB0001234567",
        patched=lambda o: o["bic"] == "INGBNL2AXXX",
        listing={"uuid": "{uuid}"},
        proof=iban,
    )


async def case_klantcontacten(c, marker) -> Case:
    body = {"kanaal": "balie", "onderwerp": f"Bezoek {marker}", "taal": "nld", "vertrouwelijk": False}
    return Case(
        create=body,
        put={**body, "inhoud": "Aanvraag toegelicht", "indicatieContactGelukt": True},
        patch={"reactie": "Formulier meegegeven"},
        changed=lambda o: o["inhoud"] == "Aanvraag toegelicht" and o["indicatieContactGelukt"] is True,
        patched=lambda o: o["reactie"] == "Formulier meegegeven" and o["inhoud"] == "Aanvraag toegelicht",
        listing={"onderwerp": marker},
        proof=marker,
    )


async def case_betrokkenen(c, marker) -> Case:
    contact = await klantcontact(c, marker)
    body = {"hadKlantcontact": ref(contact), "wasPartij": None, "rol": "klant", "initiator": True}
    return Case(
        create={**body, "organisatienaam": "", "contactnaam": contactnaam(marker)},
        put={**body, "rol": "vertegenwoordiger", "contactnaam": contactnaam(f"{marker}-put")},
        patch={"organisatienaam": "Stichting Voorbeeld"},
        changed=lambda o: o["rol"] == "vertegenwoordiger" and o["volledigeNaam"] == f"Kim {marker}-put",
        patched=lambda o: o["organisatienaam"] == "Stichting Voorbeeld",
        listing={"hadKlantcontact__uuid": contact["uuid"]},
        proof=marker,
    )


async def case_onderwerpobjecten(c, marker) -> Case:
    contact = await klantcontact(c, marker)

    def zaak(value: str) -> dict:
        codes = {"codeObjecttype": "zgw-Zaak", "codeRegister": "openzaak", "codeSoortObjectId": "uuid"}
        return {**codes, "objectId": value}

    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    return Case(
        create={"klantcontact": ref(contact), "wasKlantcontact": None, "onderwerpobjectidentificator": zaak(first)},
        put={"klantcontact": ref(contact), "onderwerpobjectidentificator": zaak(second)},
        patch={"onderwerpobjectidentificator": zaak(third)},
        changed=lambda o: o["onderwerpobjectidentificator"]["objectId"] == second,
        patched=lambda o: o["onderwerpobjectidentificator"]["objectId"] == third,
        listing={"klantcontact__uuid": contact["uuid"]},
        proof=first,
    )


async def case_bijlagen(c, marker) -> Case:
    contact = await klantcontact(c, marker)

    def document(value: str) -> dict:
        codes = {"codeObjecttype": "informatieobject", "codeRegister": "open-zaak", "codeSoortObjectId": "uuid"}
        return {"objectId": value, **codes}

    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    return Case(
        create={"wasBijlageVanKlantcontact": ref(contact), "bijlageidentificator": document(first)},
        put={"wasBijlageVanKlantcontact": ref(contact), "bijlageidentificator": document(second)},
        patch={"bijlageidentificator": document(third)},
        changed=lambda o: o["bijlageidentificator"]["objectId"] == second,
        patched=lambda o: o["bijlageidentificator"]["objectId"] == third,
        listing={"klantcontact__uuid": contact["uuid"]},
        proof=first,
    )


async def case_actoren(c, marker) -> Case:
    body = {"soortActor": "organisatorische_eenheid", "indicatieActief": True}
    return Case(
        create={**body, "naam": f"Team {marker}"},
        put={**body, "naam": f"Team {marker} Noord", "actorIdentificatie": {"omschrijving": "Wijkteam"}},
        patch={"naam": f"Team {marker} Zuid"},
        changed=lambda o: o["naam"] == f"Team {marker} Noord" and o["actorIdentificatie"]["omschrijving"] == "Wijkteam",
        patched=lambda o: o["naam"] == f"Team {marker} Zuid",
        listing={"naam": marker},
        proof=marker,
    )


async def case_actorklantcontacten(c, marker) -> Case:
    contact, handler = await klantcontact(c, marker), await actor(c, marker)
    body = {"actor": ref(handler), "klantcontact": ref(contact)}
    return Case(body, body, {}, bool, bool, {"klantcontact__uuid": contact["uuid"]})


async def case_internetaken(c, marker) -> Case:
    contact, handler = await klantcontact(c, marker), await actor(c, marker)
    body = {
        "aanleidinggevendKlantcontact": ref(contact),
        "toegewezenAanActoren": [ref(handler)],
        "gevraagdeHandeling": "Terugbellen",
    }
    return Case(
        create={**body, "toelichting": "Graag voor 12 uur", "status": "te_verwerken"},
        put={**body, "toelichting": "Teruggebeld", "status": "verwerkt"},
        patch={"status": "te_verwerken"},
        changed=lambda o: o["status"] == "verwerkt" and o["afgehandeldOp"] is not None,
        patched=lambda o: o["status"] == "te_verwerken" and o["afgehandeldOp"] is None,
        listing={"aanleidinggevendKlantcontact__uuid": contact["uuid"]},
        proof="Graag voor 12 uur",
    )


async def case_categorieen(c, marker) -> Case:
    return Case(
        create={"naam": f"Cat {marker}"},
        put={"naam": f"Cat {marker} put"},
        patch={"naam": f"Cat {marker} patch"},
        changed=lambda o: o["naam"] == f"Cat {marker} put",
        patched=lambda o: o["naam"] == f"Cat {marker} patch",
        proof=marker,
    )


async def case_categorie_relaties(c, marker) -> Case:
    owner = await partij(c, marker)
    categorie = await created(c, "categorieen", {"naam": f"Cat {marker}"})
    body = {"partij": ref(owner), "categorie": ref(categorie)}
    return Case(
        create={**body, "beginDatum": "2026-01-01"},
        put={**body, "beginDatum": "2026-02-01", "eindDatum": "2026-12-31"},
        patch={"eindDatum": "2027-06-30"},
        changed=lambda o: o["beginDatum"] == "2026-02-01" and o["eindDatum"] == "2026-12-31",
        patched=lambda o: o["eindDatum"] == "2027-06-30",
        listing={"partij__uuid": owner["uuid"]},
    )


CASES: dict[str, Callable[[httpx.AsyncClient, str], Awaitable[Case]]] = {
    "partijen": case_partijen,
    "partij-identificatoren": case_partij_identificatoren,
    "vertegenwoordigingen": case_vertegenwoordigingen,
    "digitaleadressen": case_digitaleadressen,
    "rekeningnummers": case_rekeningnummers,
    "klantcontacten": case_klantcontacten,
    "betrokkenen": case_betrokkenen,
    "onderwerpobjecten": case_onderwerpobjecten,
    "bijlagen": case_bijlagen,
    "actoren": case_actoren,
    "actorklantcontacten": case_actorklantcontacten,
    "internetaken": case_internetaken,
    "categorieen": case_categorieen,
    "categorie-relaties": case_categorie_relaties,
}


async def listed(c: httpx.AsyncClient, collection: str, query: dict, obj: dict) -> bool:
    params = {name: value.format(uuid=obj["uuid"], nummer=obj.get("nummer")) for name, value in query.items()}
    response = await c.get(collection, params={**params, "pageSize": "500"})
    assert response.status_code == 200, response.text
    return obj["uuid"] in {found["uuid"] for found in response.json()["results"]}


async def in_upstream(servers, collection: str, proof: str) -> bool:
    """Does the Klantinteracties source's register hold an object with this text?"""
    async with client(servers["upstream"]) as upstream:
        answer = await upstream.get(collection, params={"pageSize": "500"})
        pages = [answer.text]
        while (following := answer.json()["next"]) is not None:
            answer = await upstream.get(following)
            pages.append(answer.text)
    return any(proof in page for page in pages)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("collection", list(CASES))
async def test_create_read_update_delete(servers, target, collection):
    marker = f"m{uuid.uuid4().hex[:10]}"
    async with client(servers[target]) as c:
        case = await CASES[collection](c, marker)
        response = await c.post(collection, json=case.create)
        assert response.status_code == 201, response.text
        obj = response.json()
        assert_valid(obj, f"/{collection}", "post", "201")  # as the contract answers a create
        assert response.headers["Location"] == obj["url"]
        if case.proof is not None:  # it went to the source the façade routes it to, and only there
            assert await in_upstream(servers, collection, case.proof) == (target == "ki")
        detail = await c.get(obj["url"])
        assert detail.status_code == 200 and detail.json() == obj  # read your write: at once, the same
        if case.listing or collection == "categorieen":
            assert await listed(c, collection, case.listing, obj)

        if collection in NO_UPDATE:
            refused = await c.put(obj["url"], json=case.put)
            if target == "crm":
                assert refused.status_code == 405 and "PUT" not in refused.headers["Allow"]
                assert "DELETE" in refused.headers["Allow"]
            else:  # the register behind the Klantinteracties source refuses, and says so
                assert refused.status_code == 400, refused.text
                assert refused.json()["invalidParams"][0]["code"] == "method_not_allowed"
        else:
            put = await c.put(obj["url"], json=case.put)
            assert put.status_code == 200, put.text
            assert put.json()["uuid"] == obj["uuid"] and case.changed(put.json()), put.text
            assert_valid(put.json(), f"/{collection}/{{uuid}}", "put")
            assert case.changed((await c.get(obj["url"])).json())
            patch = await c.patch(obj["url"], json=case.patch)
            assert patch.status_code == 200, patch.text
            assert case.patched(patch.json()), patch.text
            assert_valid(patch.json(), f"/{collection}/{{uuid}}", "patch")
            assert (await c.get(obj["url"])).json() == patch.json()

        deleted = await c.delete(obj["url"])
        assert deleted.status_code == 204 and deleted.content == b""
        assert (await c.get(obj["url"])).status_code == 404
        if case.listing:
            assert not await listed(c, collection, case.listing, obj)
