"""What a write request may be: bodies as Open Klant checks them, Idempotency-Key, permissions, logs."""

from __future__ import annotations

import asyncio
import json
import logging
import re

import pytest
from pydantic import SecretStr

from adapters.crm_stub import dataset
from adapters.crm_stub.adapter import CrmStubAdapter
from adapters.crm_stub.crm import Crm
from facade.api.privacy import ProcessingLog
from tests.conftest import PROCESSING_LOG_KEY, TOKEN, app_over, client_for

API = "/klantinteracties/api/v1"
HENK_BSN = "999993653"
READER = "reader-token-0123456789"
NO_BSN = "no-bsn-token-0123456789"
CONTACTS_ONLY = "contacts-token-0123456789"
KLANTCONTACT = {"kanaal": "telefoon", "onderwerp": "Vraag", "taal": "nld", "vertrouwelijk": False}


def clients() -> list[dict]:
    return [
        {"name": "tests", "token": SecretStr(TOKEN), "permissions": {"bsn": True, "write": "*"}},
        {"name": "reader", "token": SecretStr(READER), "permissions": {"bsn": True}},
        {"name": "no-bsn", "token": SecretStr(NO_BSN), "permissions": {"write": "*"}},
        {"name": "contacts", "token": SecretStr(CONTACTS_ONLY), "permissions": {"write": ["klantcontacten"]}},
    ]


@pytest.fixture
def crm() -> CrmStubAdapter:
    return CrmStubAdapter(Crm(dataset.load()))


@pytest.fixture
async def c(crm):
    async with client_for(app_over([("crm", crm)], clients=clients())) as client:
        yield client


def as_(token: str) -> dict:
    return {"Authorization": f"Token {token}"}


def problems(response) -> list[tuple[str, str]]:
    return [(p["name"], p["code"]) for p in response.json()["invalidParams"]]


def written(crm: CrmStubAdapter) -> int:
    """How many native writes the CRM received."""
    return sum(n for name, n in crm.crm.calls.items() if name.startswith(("add_", "put_", "remove_")))


# --- bodies --------------------------------------------------------------------------------------


async def test_every_problem_of_a_body_is_named_as_open_klant_names_it(c):
    empty = await c.post(f"{API}/partijen", json={})
    assert empty.status_code == 400
    assert set(problems(empty)) == {("soortPartij", "required"), ("indicatieActief", "required")}
    bad = await c.post(
        f"{API}/klantcontacten",
        json={
            "kanaal": 3,
            "onderwerp": "x" * 201,
            "taal": "nld",
            "vertrouwelijk": "ja",
            "plaatsgevondenOp": "gisteren",
        },
    )
    assert set(problems(bad)) == {
        ("kanaal", "invalid"),
        ("onderwerp", "max_length"),
        ("vertrouwelijk", "invalid"),
        ("plaatsgevondenOp", "invalid"),
    }
    body = bad.json()
    assert {"type", "code", "title", "status", "detail", "instance"} <= body.keys() and body["code"] == "invalid"
    nested = await c.post(
        f"{API}/partijen",
        json={
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatoren": [
                {
                    "partijIdentificator": {
                        "codeObjecttype": "natuurlijk_persoon",
                        "codeSoortObjectId": "bsn",
                        "codeRegister": "brp",
                        "objectId": "123456789",
                    }
                }
            ],
        },
    )
    assert problems(nested) == [("partijIdentificatoren.0.partijIdentificator.objectId", "invalid")]
    assert "123456789" not in nested.text  # an error never quotes a value: it may be a BSN
    choice = await c.post(f"{API}/betrokkenen", json={"hadKlantcontact": None, "rol": "baas", "initiator": True})
    assert set(problems(choice)) == {("hadKlantcontact", "null"), ("rol", "invalid_choice")}


async def test_read_only_and_unknown_fields_are_ignored_as_open_klant_does(c):
    made = await c.post(
        f"{API}/klantcontacten",
        json={
            **KLANTCONTACT,
            "uuid": "00000000-0000-4000-8000-000000000000",
            "url": "http://elders.example/x",
            "hadBetrokkenen": [{"uuid": "00000000-0000-4000-8000-000000000001"}],
            "klantnaam": None,  # ITA
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["uuid"] != "00000000-0000-4000-8000-000000000000" and made.json()["hadBetrokkenen"] == []
    actor = await c.post(
        f"{API}/actoren",
        json={"naam": "Anna", "soortActor": "medewerker", "indicatieActief": True, "medewerkerIdentificatie": {"x": 1}},
    )
    assert actor.status_code == 201, actor.text  # KISS
    gzac = await c.post(
        f"{API}/partijen",
        json={"soortPartij": "persoon", "indicatieActief": True, "nummer": "", "correspondentieAdres": {"stad": "X"}},
    )
    assert gzac.status_code == 201, gzac.text  # GZAC's misspelled key is dropped, an empty nummer is no nummer
    typo = await c.post(f"{API}/maak-klantcontact", json={"klantcontact": KLANTCONTACT, "onderwerobject": {}})
    assert typo.status_code == 201 and typo.json()["onderwerpobject"] is None


async def test_open_klants_rules_beyond_the_schema(c):
    contact = (await c.post(f"{API}/klantcontacten", json=KLANTCONTACT)).json()
    actor = (await c.get(f"{API}/actoren", params={"soortActor": "medewerker"})).json()["results"][0]
    taak = {
        "aanleidinggevendKlantcontact": {"uuid": contact["uuid"]},
        "gevraagdeHandeling": "Bellen",
        "status": "te_verwerken",
    }
    both = await c.post(
        f"{API}/internetaken",
        json={**taak, "toegewezenAanActor": {"uuid": actor["uuid"]}, "toegewezenAanActoren": [{"uuid": actor["uuid"]}]},
    )
    neither = await c.post(f"{API}/internetaken", json=taak)
    assert problems(both) == problems(neither) == [("nonFieldErrors", "invalid")]
    early = await c.post(
        f"{API}/internetaken",
        json={**taak, "toegewezenAanActoren": [{"uuid": actor["uuid"]}], "afgehandeldOp": "2026-01-01T10:00:00Z"},
    )
    assert problems(early) == [("afgehandeldOp", "invalid")]
    loose = await c.post(
        f"{API}/digitaleadressen", json={"adres": "a@b.nl", "soortDigitaalAdres": "email", "isStandaardAdres": True}
    )
    assert problems(loose) == [("isStandaardAdres", "invalid")]
    not_email = await c.post(f"{API}/digitaleadressen", json={"adres": "geen adres", "soortDigitaalAdres": "email"})
    assert problems(not_email) == [("adres", "invalid")]
    partij = (await c.post(f"{API}/partijen", json={"soortPartij": "persoon", "indicatieActief": True})).json()
    itself = await c.post(
        f"{API}/vertegenwoordigingen",
        json={
            "vertegenwoordigendePartij": {"uuid": partij["uuid"]},
            "vertegenwoordigdePartij": {"uuid": partij["uuid"]},
        },
    )
    assert problems(itself) == [("nonFieldErrors", "invalid")]
    put = await c.put(contact["url"], json={"onderwerp": "Alleen dit"})
    assert set(problems(put)) == {("kanaal", "required"), ("taal", "required"), ("vertrouwelijk", "required")}
    assert (await c.patch(contact["url"], json={"onderwerp": "Alleen dit"})).json()["onderwerp"] == "Alleen dit"


async def test_what_is_not_json_or_too_large_or_unexpected(c):
    text = await c.post(f"{API}/klantcontacten", content=b"kanaal=telefoon", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415
    broken = await c.post(f"{API}/klantcontacten", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["code"] == "parse_error"

    async def chunks():
        for _ in range(70):
            yield b" " * 1024

    huge = await c.post(f"{API}/klantcontacten", content=chunks(), headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    query = await c.post(f"{API}/klantcontacten", params={"expand": "hadBetrokkenen"}, json=KLANTCONTACT)
    assert problems(query) == [("nonFieldErrors", "unknown-parameters")]
    link = (
        await c.post(
            f"{API}/onderwerpobjecten",
            json={"klantcontact": {"uuid": (await c.post(f"{API}/klantcontacten", json=KLANTCONTACT)).json()["uuid"]}},
        )
    ).json()
    cascade = await c.delete(link["url"], params={"cascade": "true"})
    assert problems(cascade) == [("cascade", "not_supported")]
    assert (await c.delete(link["url"], params={"cascade": "false"})).status_code == 204


# --- Idempotency-Key -----------------------------------------------------------------------------


async def test_a_retried_post_with_the_same_key_creates_one_object(c, crm):
    before = len(crm.crm._contacts)
    key = {"Idempotency-Key": "kiss-4f2c-0001"}
    first = await c.post(f"{API}/klantcontacten", json=KLANTCONTACT, headers=key)
    retry = await c.post(f"{API}/klantcontacten", json=KLANTCONTACT, headers=key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert len(crm.crm._contacts) == before + 1
    other = await c.post(f"{API}/klantcontacten", json={**KLANTCONTACT, "onderwerp": "Iets anders"}, headers=key)
    assert other.status_code == 422 and len(crm.crm._contacts) == before + 1
    without = [await c.post(f"{API}/klantcontacten", json=KLANTCONTACT) for _ in range(2)]
    assert without[0].json()["uuid"] != without[1].json()["uuid"]  # as Open Klant: no key, no protection


async def test_concurrent_retries_with_one_key_create_one_object(c, crm):
    before = len(crm.crm._contacts)
    key = {"Idempotency-Key": "retry-storm"}
    answers = await asyncio.gather(
        *(c.post(f"{API}/maak-klantcontact", json={"klantcontact": KLANTCONTACT}, headers=key) for _ in range(5))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["klantcontact"]["uuid"] for a in answers}) == 1
    assert len(crm.crm._contacts) == before + 1


async def test_a_failed_first_attempt_is_not_remembered(c, crm):
    key = {"Idempotency-Key": "second-chance"}
    failed = await c.post(
        f"{API}/betrokkenen",
        json={"hadKlantcontact": {"uuid": "00000000-0000-4000-8000-000000000000"}, "rol": "klant", "initiator": True},
        headers=key,
    )
    assert failed.status_code == 400
    contact = (await c.post(f"{API}/klantcontacten", json=KLANTCONTACT)).json()
    body = {"hadKlantcontact": {"uuid": contact["uuid"]}, "rol": "klant", "initiator": True}
    assert (await c.post(f"{API}/betrokkenen", json=body, headers=key)).status_code == 201
    refused = await c.post(f"{API}/klantcontacten", json=KLANTCONTACT, headers={"Idempotency-Key": "x" * 256})
    assert problems(refused) == [("Idempotency-Key", "invalid")]


# --- permissions and logs ------------------------------------------------------------------------


async def test_a_client_without_write_permission_gets_403_and_nothing_is_written(c, crm):
    contact = (await c.post(f"{API}/klantcontacten", json=KLANTCONTACT)).json()
    crm.crm.reset_calls()
    reader = as_(READER)
    attempts = [
        await c.post(f"{API}/klantcontacten", json=KLANTCONTACT, headers=reader),
        await c.put(contact["url"], json=KLANTCONTACT, headers=reader),
        await c.patch(contact["url"], json={"onderwerp": "Nee"}, headers=reader),
        await c.delete(contact["url"], headers=reader),
        await c.post(f"{API}/maak-klantcontact", json={"klantcontact": KLANTCONTACT}, headers=reader),
        # may write klantcontacten, not betrokkenen
        await c.post(
            f"{API}/betrokkenen",
            json={"hadKlantcontact": {"uuid": contact["uuid"]}, "rol": "klant", "initiator": True},
            headers=as_(CONTACTS_ONLY),
        ),
        await c.post(
            f"{API}/maak-klantcontact",
            json={"klantcontact": KLANTCONTACT, "betrokkene": {"rol": "klant", "initiator": True}},
            headers=as_(CONTACTS_ONLY),
        ),
    ]
    assert [a.status_code for a in attempts] == [403] * len(attempts)
    assert all(a.json()["code"] == "permission_denied" for a in attempts)
    assert written(crm) == 0
    assert (await c.get(contact["url"])).json()["onderwerp"] == "Vraag"


async def test_writing_a_bsn_needs_the_bsn_permission(c, crm):
    crm.crm.reset_calls()
    group = {
        "codeObjecttype": "natuurlijk_persoon",
        "codeSoortObjectId": "bsn",
        "codeRegister": "brp",
        "objectId": "111222333",
    }
    refused = await c.post(
        f"{API}/partijen",
        json={
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatoren": [{"partijIdentificator": group}],
        },
        headers=as_(NO_BSN),
    )
    assert refused.status_code == 403 and written(crm) == 0
    assert "111222333" not in refused.text


async def test_every_write_that_carries_or_touches_a_bsn_is_in_the_processing_log(tmp_path, caplog, crm):
    path = tmp_path / "verwerkingen.jsonl"
    processing_log = {"sink": "file", "path": path, "key": SecretStr(PROCESSING_LOG_KEY)}
    async with client_for(app_over([("crm", crm)], clients=clients(), processing_log=processing_log)) as c:
        await _writes_with_bsns(c, caplog, path)


async def _writes_with_bsns(c, caplog, path) -> None:
    pseudonym = ProcessingLog(PROCESSING_LOG_KEY.encode()).pseudonym
    henk = (
        await c.get(
            f"{API}/partijen",
            params={"partijIdentificator__objectId": HENK_BSN, "partijIdentificator__codeSoortObjectId": "bsn"},
        )
    ).json()["results"][0]
    path.write_text("")
    contact = (await c.post(f"{API}/klantcontacten", json=KLANTCONTACT)).json()
    with caplog.at_level(logging.INFO, logger="facade.access"):
        touched = await c.post(
            f"{API}/betrokkenen",
            json={
                "hadKlantcontact": {"uuid": contact["uuid"]},
                "wasPartij": {"uuid": henk["uuid"]},
                "rol": "klant",
                "initiator": True,
            },
            headers={"Doelbinding": "contactregistratie"},
        )
        group = {
            "codeObjecttype": "natuurlijk_persoon",
            "codeSoortObjectId": "bsn",
            "codeRegister": "brp",
            "objectId": "111222333",
        }
        carried = await c.post(
            f"{API}/partijen",
            json={
                "soortPartij": "persoon",
                "indicatieActief": True,
                "partijIdentificatoren": [{"partijIdentificator": group}],
            },
        )
        refused = await c.post(
            f"{API}/partij-identificatoren",
            json={"identificeerdePartij": None, "partijIdentificator": {**group, "objectId": HENK_BSN}},
        )
    assert touched.status_code == carried.status_code == 201 and refused.status_code == 400
    records = [json.loads(line) for line in path.read_text().splitlines()]
    by_operation = {(r["operation"], r["status"]): r for r in records}
    betrokkene = by_operation[(f"POST {API}/betrokkenen", 201)]
    assert betrokkene["purpose"] == "contactregistratie" and betrokkene["sources"] == ["crm"]
    assert {"type": "bsn", "id_hash": pseudonym(HENK_BSN), "role": "written"} in betrokkene["data_subjects"]
    partij = by_operation[(f"POST {API}/partijen", 201)]
    assert {(s["id_hash"], s["role"]) for s in partij["data_subjects"]} == {
        (pseudonym("111222333"), "written"),
        (pseudonym("111222333"), "returned"),
    }
    failed = by_operation[(f"POST {API}/partij-identificatoren", 400)]
    assert failed["data_subjects"] == [{"type": "bsn", "id_hash": pseudonym(HENK_BSN), "role": "written"}]
    assert f"POST {API}/klantcontacten" not in {r["operation"] for r in records}  # no BSN there
    everything = "\n".join(json.dumps(r) for r in records) + "\n".join(r.getMessage() for r in caplog.records)
    assert HENK_BSN not in everything and "111222333" not in everything
    access = [r.getMessage() for r in caplog.records if r.name == "facade.access"]
    shape = re.compile(
        r"^(GET|POST|PUT|PATCH|DELETE) /klantinteracties/api/v1/[a-z-]+(/\{uuid\})? "
        r"\d{3} [\d.]+ms client=\S+ request_id=\S+$"
    )
    assert access and all(shape.match(line) for line in access)  # no body value, no query, no raw path


async def test_a_bsn_in_any_identificator_a_write_refers_to_is_logged_as_written(tmp_path, crm):
    """Not only a partij's identificatoren: linking a klantcontact to an actor known by a BSN
    (an actor's identificator may be of any kind) is a write that touches that BSN."""
    path = tmp_path / "verwerkingen.jsonl"
    processing_log = {"sink": "file", "path": path, "key": SecretStr(PROCESSING_LOG_KEY)}
    pseudonym = ProcessingLog(PROCESSING_LOG_KEY.encode()).pseudonym
    async with client_for(app_over([("crm", crm)], clients=clients(), processing_log=processing_log)) as c:
        contact = (await c.post(f"{API}/klantcontacten", json=KLANTCONTACT)).json()
        actor = await c.post(
            f"{API}/actoren",
            json={
                "naam": "Henk als vertegenwoordiger",
                "soortActor": "medewerker",
                "indicatieActief": True,
                "actoridentificator": {
                    "codeObjecttype": "natuurlijk_persoon",
                    "codeSoortObjectId": "bsn",
                    "codeRegister": "brp",
                    "objectId": HENK_BSN,
                },
            },
        )
        assert actor.status_code == 201, actor.text
        path.write_text("")
        linked = await c.post(
            f"{API}/actorklantcontacten",
            json={"actor": {"uuid": actor.json()["uuid"]}, "klantcontact": {"uuid": contact["uuid"]}},
        )
    assert linked.status_code == 201, linked.text
    (record,) = map(json.loads, path.read_text().splitlines())
    roles = {(s["id_hash"], s["role"]) for s in record["data_subjects"]}
    assert (pseudonym(HENK_BSN), "written") in roles, roles
