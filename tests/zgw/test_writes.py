"""Writes into the ZGW source, per flavour, over real HTTP: the façade as `serve` runs it, the local
ZGW server (as strict as the real APIs) behind it.

Each client flow is written through the façade, read back through the façade (the same content
as the answers to the writes), and read directly from the ZGW server: the contactmoment, its
klantcontactmoment and objectcontactmoment exist with the right links.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.zgw.jwt import ZgwJwt
from tests.writes.support import client, fresh_bsn, ref
from tests.zgw.support import CLIENT_ID, HENK_BSN, SECRET, ZAAK_VERGUNNING
from tests.zgw.writing import LINKS, now, ok, open_forms_partij, upstream

HENK = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN}
MEDEWERKER = "kcc-medewerker-000000042"  # in the seed: the medewerker of Henk's contactmomenten


def _get(url: str) -> dict[str, Any]:
    answer = httpx.get(url, headers=ZgwJwt(CLIENT_ID, SECRET)(), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _uuid(url: str) -> str:
    return url.rstrip("/").rpartition("/")[2]


async def _henk(c: httpx.AsyncClient) -> dict[str, Any]:
    found = await ok(await c.get("partijen", params=HENK))
    assert found["count"] == 1  # one partij: his klant in ZGW and his customer in the CRM, merged
    return found["results"][0]


def _klant_of_henk(server) -> dict[str, Any]:
    (klant,) = upstream(server, "klanten", subjectNatuurlijkPersoon__inpBsn=HENK_BSN)
    return klant


def _contactmoment_of(server, klantcontact: dict[str, Any]) -> dict[str, Any]:
    """The one contactmoment the server holds with this klantcontact's text (façade UUIDs are not
    upstream UUIDs: docs/decisions/0002-identity.md)."""
    (moment,) = [r for r in server.records("contactmomenten") if r.get("tekst") == klantcontact["inhoud"]]
    return _get(moment["url"])


# --- KISS: a contact registered for a known citizen, about a zaak (J7) ---------------------------------


async def test_kiss_registers_a_contact_for_henk_about_his_zaak(zgw_writer):
    base, server, _ = zgw_writer
    async with client(base) as c:
        medewerker = await ok(await c.get("actoren", params={"actoridentificatorObjectId": MEDEWERKER}))
        assert medewerker["count"] >= 1
        contact = await ok(
            await c.post(
                "klantcontacten",
                json={
                    "kanaal": "telefoon",
                    "onderwerp": "Vergunning verbouwing",
                    "inhoud": "Vraagt hoe lang de behandeling van zijn aanvraag nog duurt.",
                    "indicatieContactGelukt": True,
                    "taal": "nld",
                    "vertrouwelijk": False,
                    "plaatsgevondenOp": now(),
                },
            ),
            201,
        )
        assert contact["onderwerp"] == "Vergunning verbouwing"
        assert contact["indicatieContactGelukt"] is None  # no Contactmomenten API holds it: the answer says so
        link = await c.post(
            "actorklantcontacten", json={"actor": ref(medewerker["results"][0]), "klantcontact": ref(contact)}
        )
        if server.flavour == "esuite":
            # e-Suite cannot change a contactmoment after it is made: its medewerker cannot be added
            assert (link.status_code, link.json()["invalidParams"][0]["code"]) == (400, "not_writable")
        else:
            await ok(link, 201)
        henk = await _henk(c)
        betrokkene = await ok(
            await c.post(
                "betrokkenen",
                json={
                    "wasPartij": ref(henk),
                    "hadKlantcontact": ref(contact),
                    "rol": "klant",
                    "initiator": True,
                    "organisatienaam": "",
                    "contactnaam": {"voorletters": "", "voornaam": "", "voorvoegselAchternaam": "", "achternaam": ""},
                },
            ),
            201,
        )
        assert betrokkene["wasPartij"]["uuid"] == henk["uuid"]
        onderwerp = await ok(
            await c.post(
                "onderwerpobjecten",
                json={
                    "klantcontact": ref(contact),
                    "wasKlantcontact": None,
                    "onderwerpobjectidentificator": {
                        "objectId": ZAAK_VERGUNNING,
                        "codeObjecttype": "zgw-Zaak",
                        "codeRegister": "openzaak",
                        "codeSoortObjectId": "uuid",
                    },
                },
            ),
            201,
        )
        # read back through the façade: what the writes answered
        read = await ok(
            await c.get(
                f"klantcontacten/{contact['uuid']}",
                params={"expand": "hadBetrokkenen,gingOverOnderwerpobjecten"},
            )
        )
        assert {
            k: v
            for k, v in read.items()
            if k not in ("_expand", "hadBetrokkenen", "gingOverOnderwerpobjecten", "hadBetrokkenActoren")
        } == {
            k: v
            for k, v in contact.items()
            if k not in ("hadBetrokkenen", "gingOverOnderwerpobjecten", "hadBetrokkenActoren")
        }
        assert read["_expand"]["hadBetrokkenen"] == [betrokkene]
        assert read["_expand"]["gingOverOnderwerpobjecten"] == [onderwerp]
        if server.flavour != "esuite":
            assert [a["actoridentificator"]["objectId"] for a in read["hadBetrokkenActoren"]] == [MEDEWERKER]
        mine = await ok(
            await c.get("klantcontacten", params={"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN})
        )
        assert contact["uuid"] in [r["uuid"] for r in mine["results"]]

    # read directly from the ZGW server: one contactmoment, linked to Henk's klant and to the zaak
    moment = _contactmoment_of(server, contact)
    assert moment["kanaal"] == "telefoon" and moment["tekst"].startswith("Vraagt hoe lang")
    if server.flavour == "esuite":
        assert moment["onderwerp"] == "Vergunning verbouwing"
    else:
        assert moment["onderwerpLinks"] == [LINKS + "Vergunning%20verbouwing"]
        assert moment["initiatiefnemer"] == "klant"
        assert moment["medewerkerIdentificatie"]["identificatie"] == MEDEWERKER
    klant = _klant_of_henk(server)
    links = [
        k for k in upstream(server, "klantcontactmomenten", klant=klant["url"]) if k["contactmoment"] == moment["url"]
    ]
    assert len(links) == 1
    about = upstream(server, "objectcontactmomenten", contactmoment=moment["url"])
    assert [(o["object"], o["objectType"]) for o in about] == [
        (f"{server.base}/zaken/api/v1/zaken/{ZAAK_VERGUNNING}", "zaak")
    ]


# --- Open Inwoner: a question about a zaak (J5) ----------------------------------------------------------


async def test_open_inwoner_asks_a_question_about_a_zaak(zgw_writer):
    base, server, _ = zgw_writer
    kanaal = f"oip-{server.flavour}"
    async with client(base) as c:
        henk = await _henk(c)
        vraag = await ok(
            await c.post(
                "klantcontacten",
                json={
                    "inhoud": "Kan ik de tekening nog aanpassen?",
                    "onderwerp": "Vraag over mijn aanvraag",
                    "taal": "nld",
                    "kanaal": kanaal,
                    "vertrouwelijk": False,
                    "plaatsgevondenOp": now(),
                },
            ),
            201,
        )
        betrokkene = await ok(
            await c.post(
                "betrokkenen",
                json={
                    "rol": "klant",
                    "hadKlantcontact": ref(vraag),
                    "initiator": True,
                    "wasPartij": ref(henk),
                    "organisatienaam": "Open Inwoner Platform",
                },
            ),
            201,
        )
        assert betrokkene["organisatienaam"] == ""  # a klantcontactmoment holds no name: the klant's is shown
        taak = await c.post(
            "internetaken",
            json={
                "aanleidinggevendKlantcontact": ref(vraag),
                "toelichting": "Beantwoorden vraag",
                "gevraagdeHandeling": "Vraag beantwoorden",
                "status": "te_verwerken",
                "toegewezenAanActor": {"uuid": betrokkene["uuid"]},
            },
        )
        # no ZGW API holds an internal task: refused, saying why (docs/configuration.md)
        assert taak.status_code == 400 and taak.json()["invalidParams"][0]["name"] == "aanleidinggevendKlantcontact"
        zaak = await ok(
            await c.post(
                "onderwerpobjecten",
                json={
                    "klantcontact": ref(vraag),
                    "onderwerpobjectidentificator": {
                        "objectId": ZAAK_VERGUNNING,
                        "codeObjecttype": "zaak",
                        "codeRegister": "open-zaak",
                        "codeSoortObjectId": "uuid",
                    },
                },
            ),
            201,
        )
        # Open Inwoner's "Mijn vragen": all pages of its kanaal, filtered on the partij client-side
        params = {
            "kanaal": kanaal,
            "expand": "leiddeTotInterneTaken,gingOverOnderwerpobjecten,hadBetrokkenen,hadBetrokkenen.wasPartij",
        }
        listed = await ok(await c.get("klantcontacten", params=params))
        (mine,) = [r for r in listed["results"] if r["uuid"] == vraag["uuid"]]
        assert mine["inhoud"] == vraag["inhoud"] and mine["onderwerp"] == "Vraag over mijn aanvraag"
        assert [b["_expand"]["wasPartij"]["uuid"] for b in mine["_expand"]["hadBetrokkenen"]] == [henk["uuid"]]
        assert mine["_expand"]["gingOverOnderwerpobjecten"] == [zaak]
        assert mine["_expand"]["leiddeTotInterneTaken"] == []
        about = await ok(
            await c.get(
                "klantcontacten", params={"onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_VERGUNNING}
            )
        )
        assert vraag["uuid"] in [r["uuid"] for r in about["results"]]
    moment = _contactmoment_of(server, vraag)
    klant = _klant_of_henk(server)
    assert [k["klant"] for k in server.records("klantcontactmomenten") if k["contactmoment"] == moment["url"]] == [
        klant["url"]
    ]
    assert [o["object"] for o in server.records("objectcontactmomenten") if o["contactmoment"] == moment["url"]] == [
        f"{server.base}/zaken/api/v1/zaken/{ZAAK_VERGUNNING}"
    ]


# --- a new partij with two digitale adressen (Open Forms J2 + J3) -------------------------------------------


async def test_a_partij_with_two_digitale_adressen(zgw_writer):
    base, server, _ = zgw_writer
    bsn = fresh_bsn()
    async with client(base) as c:
        partij = await ok(await c.post("partijen", json=open_forms_partij(bsn)), 201)
        email = await ok(
            await c.post(
                "digitaleadressen",
                json={
                    "adres": "anna@example.nl",
                    "soortDigitaalAdres": "email",
                    "verstrektDoorPartij": ref(partij),
                    "verstrektDoorBetrokkene": None,
                    "omschrijving": "",
                },
            ),
            201,
        )
        phone = await ok(
            await c.post(
                "digitaleadressen",
                json={
                    "adres": "0612345678",
                    "soortDigitaalAdres": "telefoonnummer",
                    "verstrektDoorPartij": ref(partij),
                },
            ),
            201,
        )
        again = await c.post(
            "digitaleadressen",
            json={"adres": "anna2@example.nl", "soortDigitaalAdres": "email", "verstrektDoorPartij": ref(partij)},
        )
        assert again.status_code == 400 and again.json()["invalidParams"][0]["name"] == "soortDigitaalAdres"
        read = await ok(await c.get(f"partijen/{partij['uuid']}", params={"expand": "digitaleAdressen"}))
        assert read["_expand"]["digitaleAdressen"] == [email, phone]
        assert read["voorkeursDigitaalAdres"] == {"uuid": email["uuid"], "url": email["url"]}
        found = await ok(
            await c.get("digitaleadressen", params={"verstrektDoorPartij__partijIdentificator__objectId": bsn})
        )
        assert sorted(a["adres"] for a in found["results"]) == ["0612345678", "anna@example.nl"]
        # Open Forms' PATCH, then a profile change and a removal
        await ok(await c.patch(f"digitaleadressen/{email['uuid']}", json={"isStandaardAdres": True}))
        changed = await ok(await c.patch(f"digitaleadressen/{phone['uuid']}", json={"adres": "0201234567"}))
        assert changed["uuid"] == phone["uuid"] and changed["adres"] == "0201234567"
    (klant,) = upstream(server, "klanten", subjectNatuurlijkPersoon__inpBsn=bsn)
    assert (klant["emailadres"], klant["telefoonnummer"], klant["subjectType"]) == (
        "anna@example.nl",
        "0201234567",
        "natuurlijk_persoon",
    )
    async with client(base) as c:
        await ok(await c.delete(f"digitaleadressen/{changed['uuid']}"), 204)
        assert (await c.get(f"digitaleadressen/{changed['uuid']}")).status_code == 404
        duplicate = await c.post("partijen", json=open_forms_partij(bsn))
        assert (duplicate.status_code, duplicate.json()["invalidParams"][0]["code"]) == (400, "unique")
    assert upstream(server, "klanten", subjectNatuurlijkPersoon__inpBsn=bsn)[0]["telefoonnummer"] in ("", None)


# --- a citizen only the CRM knows: the klant is made in the ZGW source first (ADR 19) ------------------------


async def test_a_contact_for_a_citizen_only_the_crm_knows(zgw_writer):
    base, server, _ = zgw_writer
    bsn = "999990019"  # in the CRM's dataset, not in the ZGW seed
    async with client(base) as c:
        (partij,) = (await ok(await c.get("partijen", params={"partijIdentificator__objectId": bsn})))["results"]
        contact = await ok(
            await c.post(
                "klantcontacten",
                json={
                    "kanaal": "balie",
                    "onderwerp": "Afspraak paspoort",
                    "inhoud": "Komt een paspoort aanvragen.",
                    "taal": "nld",
                    "vertrouwelijk": False,
                },
            ),
            201,
        )
        answer = await c.post(
            "betrokkenen",
            json={"rol": "klant", "initiator": True, "hadKlantcontact": ref(contact), "wasPartij": ref(partij)},
        )
        if server.flavour == "esuite":  # a klant e-Suite cannot delete again is not made as a step
            assert (answer.status_code, answer.json()["invalidParams"][0]["code"]) == (400, "andere_bron")
            assert upstream(server, "klanten", subjectNatuurlijkPersoon__inpBsn=bsn) == []
            return
        betrokkene = await ok(answer, 201)
        assert betrokkene["wasPartij"]["uuid"] == partij["uuid"]  # one partij: the CRM's and the new klant merged
        (again,) = (await ok(await c.get("partijen", params={"partijIdentificator__objectId": bsn})))["results"]
        assert again["uuid"] == partij["uuid"]
    (klant,) = upstream(server, "klanten", subjectNatuurlijkPersoon__inpBsn=bsn)
    assert klant["subjectType"] == "natuurlijk_persoon" and klant["achternaam"] != ""
    moment = _contactmoment_of(server, contact)
    assert [k["klant"] for k in upstream(server, "klantcontactmomenten", klant=klant["url"])] == [klant["url"]]
    assert moment["initiatiefnemer"] == "klant"
