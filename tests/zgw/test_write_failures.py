"""When a write into the ZGW source fails halfway, or an upstream refuses it: done, undone, or
reported exactly; a refusal names the Klantinteracties field, or the source; never a BSN or a
secret in an answer or the log. Over real HTTP, per flavour where the flavour matters."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.zgw.local_server import serve_in_thread
from tests.writes.support import client, fresh_bsn, ref
from tests.zgw.support import CLIENT_ID, HENK_BSN, SECRET, ZAAK_VERGUNNING
from tests.zgw.writing import bsn_identificator, now, zgw_facade

HENK = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN}
UNKNOWN_ZAAK = "00000000-0000-4000-8000-00000000abcd"
READ_SCOPES = {"klanten.lezen", "contactmomenten.lezen", "zaken.lezen"}


def _klantcontact(text: str) -> dict[str, Any]:
    return {
        "kanaal": "telefoon",
        "onderwerp": "Melding",
        "inhoud": text,
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": now(),
    }


def _counts(server) -> dict[str, int]:
    return {c: len(server.records(c)) for c in ("contactmomenten", "klantcontactmomenten", "objectcontactmomenten")}


def _writes(server, since: int) -> list[tuple[str, str, int]]:
    return [
        (r.method, r.path.split("/api/v1/")[1].split("/")[0], r.status)
        for r in server.requests[since:]
        if r.method != "GET"
    ]


async def _henk(c: httpx.AsyncClient) -> dict[str, Any]:
    return (await c.get("partijen", params=HENK)).json()["results"][0]


def _maak(henk: dict[str, Any], zaak: str, text: str) -> dict[str, Any]:
    return {
        "klantcontact": _klantcontact(text),
        "betrokkene": {"rol": "klant", "initiator": True, "organisatienaam": "", "wasPartij": ref(henk)},
        "onderwerpobject": {
            "onderwerpobjectidentificator": {
                "objectId": zaak,
                "codeObjecttype": "zaak",
                "codeRegister": "open-zaak",
                "codeSoortObjectId": "uuid",
            }
        },
    }


# --- a failing link step leaves no orphaned contactmoment ---------------------------------------------------


async def test_maak_klantcontact_about_an_unknown_zaak_is_undone(zgw_writer):
    base, server, _ = zgw_writer
    before, seen = _counts(server), len(server.requests)
    async with client(base) as c:
        answer = await c.post(
            "maak-klantcontact", json=_maak(await _henk(c), UNKNOWN_ZAAK, "Over een zaak die er niet is.")
        )
    assert answer.status_code == 400, answer.text
    assert _counts(server) == before  # nothing stays behind
    if server.flavour == "esuite":
        # e-Suite deletes nothing: the façade refuses before the first step, as it could not undo one
        assert answer.json()["invalidParams"][0]["code"] == "not_writable"
        assert _writes(server, seen) == []
        return
    problem = answer.json()["invalidParams"][0]
    assert (problem["name"], problem["code"]) == (
        "onderwerpobject.onderwerpobjectidentificator.objectId",
        "does_not_exist",
    )
    assert [(method, collection) for method, collection, _ in _writes(server, seen)] == [
        ("POST", "contactmomenten"),
        ("POST", "klantcontactmomenten"),
        ("PATCH", "contactmomenten"),  # the betrokkene is the initiator
        ("POST", "objectcontactmomenten"),  # refused: that zaak does not exist
        ("DELETE", "klantcontactmomenten"),
        ("DELETE", "contactmomenten"),
    ]


async def test_maak_klantcontact_whose_link_step_fails_is_undone(zgw_writer):
    base, server, _ = zgw_writer
    if server.flavour == "esuite":
        pytest.skip("e-Suite takes no maak-klantcontact with parts (it cannot undo one)")
    before = _counts(server)
    server.fail_next("POST", "objectcontactmomenten", status=500)
    async with client(base) as c:
        answer = await c.post("maak-klantcontact", json=_maak(await _henk(c), ZAAK_VERGUNNING, "Koppelen mislukt."))
        assert answer.status_code == 503, answer.text
        assert "zgw" in answer.json()["detail"]
        assert _counts(server) == before
        done = await c.post("maak-klantcontact", json=_maak(await _henk(c), ZAAK_VERGUNNING, "Nu wel."))
    assert done.status_code == 201, done.text
    assert {k: v - before[k] for k, v in _counts(server).items()} == dict.fromkeys(before, 1)


async def test_a_betrokkene_whose_second_call_fails_is_undone_or_reported(zgw_writer):
    base, server, log = zgw_writer
    if server.flavour == "esuite":
        pytest.skip("e-Suite keeps no initiatiefnemer: a betrokkene is one call")
    async with client(base) as c:
        henk = await _henk(c)
        contact = (await c.post("klantcontacten", json=_klantcontact("Twee stappen."))).json()
        body = {"rol": "klant", "initiator": True, "hadKlantcontact": ref(contact), "wasPartij": ref(henk)}
        links = len(server.records("klantcontactmomenten"))
        server.fail_next("PATCH", "contactmomenten", status=503)
        undone = await c.post("betrokkenen", json=body)
        assert undone.status_code == 503, undone.text
        assert len(server.records("klantcontactmomenten")) == links  # the klantcontactmoment was deleted again
        server.fail_next("PATCH", "contactmomenten", status=503)
        server.fail_next("DELETE", "klantcontactmomenten", status=500)
        reported = await c.post("betrokkenen", json=body)
        assert reported.status_code == 502, reported.text
        problem = reported.json()
        assert problem["code"] == "incomplete_write"
        (left,) = problem["remaining"]
        assert (left["resource"], left["source"]) == ("betrokkenen", "zgw")
        assert (await c.get(f"betrokkenen/{left['uuid']}")).status_code == 200  # exactly what remains
        assert (await c.delete(f"betrokkenen/{left['uuid']}")).status_code == 204
    assert HENK_BSN not in log.read_text()


# --- upstream refusals --------------------------------------------------------------------------------------


async def test_an_upstream_400_names_the_field_the_client_wrote(zgw_writer):
    base, server, log = zgw_writer
    if server.flavour == "esuite":
        pytest.skip("e-Suite keeps no address and no klantnummer of the façade's")
    bsn = fresh_bsn()
    partij = {
        "soortPartij": "persoon",
        "indicatieActief": True,
        "nummer": "123456789",  # a KI nummer may have 10 characters, a klantnummer 8
        "partijIdentificatie": {"contactnaam": {"voornaam": "Piet", "achternaam": "Klaassen"}},
        "bezoekadres": {"straatnaam": "Laan", "huisnummer": 1, "huisnummertoevoeging": "bis-a"},
        "partijIdentificatoren": [bsn_identificator(bsn)],
    }
    async with client(base) as c:
        answer = await c.post("partijen", json=partij)
    assert answer.status_code == 400, answer.text
    assert sorted((p["name"], p["code"]) for p in answer.json()["invalidParams"]) == [
        ("bezoekadres.huisnummertoevoeging", "max_length"),
        ("nummer", "max_length"),
    ]
    assert bsn not in answer.text and bsn not in log.read_text()


@pytest.mark.parametrize("status", [412, 400])
async def test_a_refusal_that_is_not_the_clients_is_a_502_naming_the_source(zgw_writer, status):
    base, server, _ = zgw_writer
    before = _counts(server)
    server.fail_next(
        "POST", "contactmomenten", status=status
    )  # a missing header; a 400 naming no field of the client's
    async with client(base) as c:
        answer = await c.post("klantcontacten", json=_klantcontact("Geweigerd."))
    assert answer.status_code == 502, answer.text
    assert answer.json()["code"] == "source_refused" and "'zgw'" in answer.json()["detail"]
    assert _counts(server) == before


async def test_without_the_scope_the_source_refuses_and_nothing_is_written(tmp_path):
    with serve_in_thread(clients={CLIENT_ID: SECRET}, scopes={CLIENT_ID: READ_SCOPES}) as server:
        with zgw_facade(tmp_path, server, tmp_path / "facade.log") as base:
            async with client(base) as c:
                answer = await c.post("klantcontacten", json=_klantcontact("Zonder rechten."))
                assert (await c.get("partijen", params=HENK)).json()["count"] == 1  # reading still works
        log = (tmp_path / "facade.log").read_text()
        assert [r.status for r in server.requests if r.method == "POST"] == [403]
    assert answer.status_code == 502, answer.text
    assert answer.json()["code"] == "source_refused" and "'zgw'" in answer.json()["detail"]
    assert len(server.records("contactmomenten")) == 6
    assert SECRET not in log and SECRET not in answer.text and "Bearer" not in log
    assert "permission_denied" in log  # the log says why, by the upstream's error code


async def test_what_the_zgw_apis_cannot_hold_is_refused_saying_why(zgw_writer):
    base, _, _ = zgw_writer
    async with client(base) as c:
        contact = (await c.post("klantcontacten", json=_klantcontact("Wat niet kan."))).json()
        confidential = await c.post("klantcontacten", json=_klantcontact("Geheim.") | {"vertrouwelijk": True})
        assert (confidential.status_code, confidential.json()["invalidParams"][0]["name"]) == (400, "vertrouwelijk")
        formulier = await c.post(
            "onderwerpobjecten",
            json={
                "klantcontact": ref(contact),
                "onderwerpobjectidentificator": {
                    "objectId": "OF-123",
                    "codeObjecttype": "formulierinzending",
                    "codeRegister": "Open Formulieren",
                    "codeSoortObjectId": "public_registration_reference",
                },
            },
        )
        assert formulier.status_code == 400
        assert "zaak" in formulier.json()["invalidParams"][0]["reason"]
        anonymous = await c.post(
            "betrokkenen",
            json={"rol": "klant", "initiator": True, "hadKlantcontact": ref(contact), "wasPartij": None},
        )
        assert (anonymous.status_code, anonymous.json()["invalidParams"][0]["name"]) == (400, "wasPartij")
        categorie = await c.post("categorieen", json={"naam": "Afval"})
        assert categorie.status_code == 201  # no owner: it goes to its write target, the CRM
