"""Updates and deletes into the ZGW source as each flavour allows them, over real HTTP: what lands
where upstream, and a clear 405 or 400 for what a flavour cannot do (docs/configuration.md)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.writes.support import client, fresh_bsn, ref
from tests.zgw.writing import bsn_identificator, now


async def created(c: httpx.AsyncClient, collection: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await c.post(collection, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _moment(server, text: str) -> dict[str, Any] | None:
    return next((r for r in server.records("contactmomenten") if r.get("tekst") == text), None)


def _klant(server, bsn: str) -> dict[str, Any] | None:
    return next(
        (k for k in server.records("klanten") if (k.get("subjectIdentificatie") or {}).get("inpBsn") == bsn), None
    )


async def _contact(c: httpx.AsyncClient, text: str) -> dict[str, Any]:
    body = {"kanaal": "balie", "onderwerp": "Melding", "inhoud": text, "taal": "nld", "vertrouwelijk": False}
    body["plaatsgevondenOp"] = now()
    return await created(c, "klantcontacten", body)


async def test_a_klantcontact_is_changed_and_deleted_where_the_flavour_allows(zgw_writer):
    base, server, _ = zgw_writer
    async with client(base) as c:
        contact = await _contact(c, "Eerste versie.")
        patched = await c.patch(f"klantcontacten/{contact['uuid']}", json={"inhoud": "Tweede versie."})
        put = await c.put(
            f"klantcontacten/{contact['uuid']}",
            json={k: v for k, v in contact.items() if k not in ("uuid", "url")} | {"onderwerp": "Anders"},
        )
        deleted = await c.delete(f"klantcontacten/{contact['uuid']}")
        if server.flavour == "esuite":  # e-Suite takes new contactmomenten only
            assert [patched.status_code, put.status_code, deleted.status_code] == [405, 405, 405]
            assert "DELETE" not in patched.headers["Allow"]
            assert _moment(server, "Eerste versie.") is not None
            return
        assert patched.status_code == 200 and patched.json()["inhoud"] == "Tweede versie."
        assert put.status_code == 200 and put.json()["onderwerp"] == "Anders"
        assert put.json()["inhoud"] == "Eerste versie."  # a PUT sets what it sends
        assert deleted.status_code == 204
        assert (await c.get(f"klantcontacten/{contact['uuid']}")).status_code == 404
    assert _moment(server, "Eerste versie.") is None


async def test_a_partij_gets_its_identificator_later_and_is_changed(zgw_writer):
    base, server, _ = zgw_writer
    bsn = fresh_bsn()
    naam = {"contactnaam": {"voorletters": "M", "voornaam": "Mila", "voorvoegselAchternaam": "", "achternaam": "Smit"}}
    async with client(base) as c:
        bare = await c.post(
            "partijen", json={"soortPartij": "persoon", "indicatieActief": True, "partijIdentificatie": naam}
        )
        if server.flavour == "esuite":  # e-Suite makes a klant only with its BSN, KvK or vestigingsnummer
            assert (bare.status_code, bare.json()["invalidParams"][0]["name"]) == (400, "partijIdentificatoren")
            partij = await created(
                c,
                "partijen",
                {"soortPartij": "persoon", "indicatieActief": True, "partijIdentificatie": naam}
                | {"partijIdentificatoren": [bsn_identificator(bsn)]},
            )
            assert _klant(server, bsn) is not None
            assert (await c.delete(f"partijen/{partij['uuid']}")).status_code == 405
            return
        assert bare.status_code == 201, bare.text
        partij = bare.json()
        identificator = await created(
            c, "partij-identificatoren", {"identificeerdePartij": ref(partij)} | bsn_identificator(bsn)
        )
        klant = _klant(server, bsn)
        assert klant is not None and klant["voornaam"] == "Mila"
        second = await c.post(
            "partij-identificatoren", json={"identificeerdePartij": ref(partij)} | bsn_identificator(fresh_bsn())
        )
        assert (second.status_code, second.json()["invalidParams"][0]["name"]) == (400, "identificeerdePartij")
        read = (await c.get(f"partijen/{partij['uuid']}")).json()
        assert [i["uuid"] for i in read["partijIdentificatoren"]] == [identificator["uuid"]]
        changed = await c.patch(
            f"partijen/{partij['uuid']}",
            json={"partijIdentificatie": naam | {"contactnaam": naam["contactnaam"] | {"achternaam": "de Smit"}}},
        )
        assert changed.status_code == 200, changed.text
        assert _klant(server, bsn)["achternaam"] == "de Smit"
        assert (await c.delete(f"partij-identificatoren/{identificator['uuid']}")).status_code == 204
        assert _klant(server, bsn) is None  # the klant is still there, without its BSN
        assert (await c.delete(f"partijen/{partij['uuid']}")).status_code == 204
        assert (await c.get(f"partijen/{partij['uuid']}")).status_code == 404


async def test_links_of_a_contact_are_removed_and_a_follow_up_is_chained(zgw_writer):
    base, server, _ = zgw_writer
    async with client(base) as c:
        vraag = await _contact(c, "De vraag.")
        antwoord = await _contact(c, "Het antwoord.")
        follow_up = await c.post(
            "onderwerpobjecten", json={"klantcontact": ref(antwoord), "wasKlantcontact": ref(vraag)}
        )
        if server.flavour == "esuite":  # no vorigContactmoment, no changes: refused saying why
            assert (follow_up.status_code, follow_up.json()["invalidParams"][0]["name"]) == (400, "wasKlantcontact")
            return
        assert follow_up.status_code == 201, follow_up.text
        assert (await c.get(f"onderwerpobjecten/{follow_up.json()['uuid']}")).json()["wasKlantcontact"][
            "uuid"
        ] == vraag["uuid"]
        assert _moment(server, "Het antwoord.")["vorigContactmoment"] == _moment(server, "De vraag.")["url"]
        henk = (await c.get("partijen", params={"partijIdentificator__objectId": "999993653"})).json()["results"][0]
        betrokkene = await created(
            c,
            "betrokkenen",
            {"rol": "klant", "initiator": False, "hadKlantcontact": ref(vraag), "wasPartij": ref(henk)},
        )
        assert _moment(server, "De vraag.")["initiatiefnemer"] == ""  # not the klant: left as it was
        assert (await c.delete(f"betrokkenen/{betrokkene['uuid']}")).status_code == 204
        assert (await c.delete(f"onderwerpobjecten/{follow_up.json()['uuid']}")).status_code == 204
        assert _moment(server, "Het antwoord.")["vorigContactmoment"] is None
        links = [
            k
            for k in server.records("klantcontactmomenten")
            if k["contactmoment"] == _moment(server, "De vraag.")["url"]
        ]
        assert links == []


async def test_esuite_keeps_a_second_phone_number(zgw_writer):
    base, server, _ = zgw_writer
    bsn = fresh_bsn()
    async with client(base) as c:
        partij = await created(
            c,
            "partijen",
            {"soortPartij": "persoon", "indicatieActief": True, "partijIdentificatie": {"contactnaam": None}}
            | {"partijIdentificatoren": [bsn_identificator(bsn)]},
        )
        for phone in ("0612345678", "0201234567"):
            answer = await c.post(
                "digitaleadressen",
                json={"adres": phone, "soortDigitaalAdres": "telefoonnummer", "verstrektDoorPartij": ref(partij)},
            )
            assert answer.status_code == (201 if server.flavour == "esuite" or phone == "0612345678" else 400)
    klant = _klant(server, bsn)
    assert klant["telefoonnummer"] == "0612345678"
    if server.flavour == "esuite":
        assert klant["telefoonnummerAlternatief"] == "0201234567"
