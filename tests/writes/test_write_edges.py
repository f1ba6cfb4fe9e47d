"""Issue 13's rules on the write side: a BSN is a BSN in every identificator a write carries, a
write gives no more sight than the client's read permissions, a write's answer never carries an
upstream's text, and a write to a lying or failing upstream is reported exactly.

The façade runs over the CRM stand-in and a Klantinteracties register on loopback
(`HostileUpstream`) that answers every write as a test says; clients with and without the `bsn`
permission, one with KISS's profile, one that may read only klantcontacten.
"""

from __future__ import annotations

import orjson
import pytest
from pydantic import SecretStr

from facade.api.app import build_engine, create_app
from tests.conftest import API, PROCESSING_LOG_KEY, clients_with_tokens, settings
from tests.support.hostile_upstream import klantcontact, register_source, served

BSN = "999993653"
SPELLINGS = [BSN, "９９９９９３６５３", "999 993 653", "0999993653"]
CONTACT = "00000000-0000-4000-8000-000000000400"
OTHER_CONTACT = "00000000-0000-4000-8000-000000000999"
TOKENS = {
    "kcc": "kcc-token-0123456789",
    "schrijver": "schrijver-token-0123456789",
    "kiss": "kiss-token-0123456789",
    "balie": "balie-token-0123456789",
}
KLANTCONTACT = {
    "kanaal": "telefoon",
    "onderwerp": "Vraag",
    "inhoud": "",
    "indicatieContactGelukt": True,
    "taal": "nld",
    "vertrouwelijk": False,
    "plaatsgevondenOp": "2024-01-01T10:00:00Z",
}


@pytest.fixture
def register():
    with served({"klantcontacten": [klantcontact(CONTACT, "2031-01-01T10:00:00Z", "Van het register")]}) as upstream:
        yield upstream


@pytest.fixture
def log_path(processing_log_path):
    return processing_log_path


@pytest.fixture
async def clients(register, log_path, monkeypatch):
    monkeypatch.setenv("T_REGISTER_TOKEN", "register-token-0123456789")
    writes = {"write": "*"}
    config = settings(
        [{"name": "crm", "kind": "crm_stub"}, register_source(register.base, timeout=5, failure_threshold=3)],
        clients=[
            {"name": "kcc", "token": SecretStr(TOKENS["kcc"]), "permissions": {"bsn": True, **writes}},
            {"name": "schrijver", "token": SecretStr(TOKENS["schrijver"]), "permissions": writes},
            {"name": "kiss", "token": SecretStr(TOKENS["kiss"]), "permissions": writes, "profile": "kiss"},
            {
                "name": "balie",
                "token": SecretStr(TOKENS["balie"]),
                "permissions": {"read": ["klantcontacten"], **writes},
            },
        ],
        processing_log={"sink": "file", "path": str(log_path), "key": SecretStr(PROCESSING_LOG_KEY)},
        write_targets={"klantcontacten": "register"},
    )
    async with clients_with_tokens(create_app(config, build_engine(config)), TOKENS) as opened:
        yield opened


async def the_registers_contact(client) -> str:
    """The façade's URL path of the register's one klantcontact (the façade gives it its own UUID)."""
    listing = await client.get(f"{API}/klantcontacten", params={"onderwerp": "Van het register"})
    (contact,) = listing.json()["results"]
    return f"{API}/klantcontacten/{contact['uuid']}"


async def a_crm_contact(client) -> dict:
    listing = await client.get(f"{API}/klantcontacten", params={"kanaal": "telefoon", "pageSize": 500})
    return next(r for r in listing.json()["results"] if r["onderwerp"] != "Van het register")


# --- a BSN is a BSN in every identificator a write carries ------------------------------------------


@pytest.mark.parametrize("value", SPELLINGS)
@pytest.mark.parametrize("codes", [("uuid", "zaak", "open-zaak"), ("email", "mdw", "msei"), ("url", "", "")])
async def test_a_bsn_under_a_kind_no_number_can_be_is_not_written_without_the_permission(clients, codes, value):
    contact = await a_crm_contact(clients["kcc"])
    soort, objecttype, register = codes
    identificator = {
        "objectId": value,
        "codeSoortObjectId": soort,
        "codeObjecttype": objecttype,
        "codeRegister": register,
    }
    before = (await clients["kcc"].get(f"{API}/onderwerpobjecten", params={"pageSize": 500})).json()["count"]
    refused = await clients["schrijver"].post(
        f"{API}/onderwerpobjecten",
        json={
            "klantcontact": {"uuid": contact["uuid"]},
            "wasKlantcontact": None,
            "onderwerpobjectidentificator": identificator,
        },
    )
    assert refused.status_code == 403, refused.text
    assert value not in refused.text
    after = (await clients["kcc"].get(f"{API}/onderwerpobjecten", params={"pageSize": 500})).json()["count"]
    assert after == before, "nothing written"


async def test_a_profile_client_writes_no_bsn_in_its_own_conventions_codes(clients):
    """KISS spells a medewerker `mdw/msei/email` and a zaak `zgw-Zaak/openzaak/uuid`: nine digits
    there are no e-mail address or UUID."""
    contact = await a_crm_contact(clients["kcc"])
    actor = await clients["kiss"].post(
        f"{API}/actoren",
        json={
            "naam": "Iemand",
            "soortActor": "medewerker",
            "indicatieActief": True,
            "actoridentificator": {
                "objectId": BSN,
                "codeObjecttype": "mdw",
                "codeRegister": "msei",
                "codeSoortObjectId": "email",
            },
        },
    )
    zaak = await clients["kiss"].post(
        "/klantinteracties/api/v1/maak-klantcontact",
        json={
            "klantcontact": KLANTCONTACT,
            "onderwerpobject": {
                "wasKlantcontact": None,
                "onderwerpobjectidentificator": {
                    "objectId": BSN,
                    "codeObjecttype": "zgw-Zaak",
                    "codeRegister": "openzaak",
                    "codeSoortObjectId": "uuid",
                },
            },
        },
    )
    assert (actor.status_code, zaak.status_code) == (403, 403), (actor.text, zaak.text)
    search = await clients["kiss"].get(
        f"{API}/klantcontacten",
        params={"onderwerpobject__onderwerpobjectidentificatorObjectId": BSN, "kanaal": contact["kanaal"]},
    )
    assert search.status_code == 403


# --- a write gives no more sight than the client's read permissions ---------------------------------


async def test_a_client_that_may_not_read_partijen_cannot_read_one_through_a_write(clients):
    partij = (await clients["kcc"].get(f"{API}/partijen", params={"pageSize": 1})).json()["results"][0]
    path = f"{API}/partijen/{partij['uuid']}"
    balie = clients["balie"]
    for answer in (
        await balie.patch(path, json={}),
        await balie.put(path, json={"soortPartij": "persoon", "indicatieActief": True}),
        await balie.delete(path),
    ):
        assert answer.status_code == 403, answer.text
        assert partij["nummer"] not in answer.text and "interneNotitie" not in answer.text
    stored = (await clients["kcc"].get(path)).json()
    assert stored == {k: v for k, v in partij.items() if k != "_expand"}, "nothing changed, nothing deleted"
    # what it may read, it may still change
    contact = await a_crm_contact(clients["kcc"])
    changed = await balie.patch(f"{API}/klantcontacten/{contact['uuid']}", json={"inhoud": "Bijgewerkt."})
    assert changed.status_code == 200 and changed.json()["inhoud"] == "Bijgewerkt."


# --- a write's answer never carries an upstream's text ----------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "onderwerp", "code": "invalid", "reason": "Waarde ９９９９９３６５３ is ongeldig."},
        {"name": "onderwerp", "code": "invalid", "reason": "Waarde 999 993 653 is ongeldig."},
        {"name": "onderwerp", "code": "invalid", "reason": "Waarde 999-99-3653 is ongeldig."},
        {"name": f"onderwerp.{BSN}", "code": "invalid", "reason": "Ongeldig."},
        {"name": "onderwerp", "code": f"invalid {BSN}", "reason": "Ongeldig."},
        {"name": f"waarde {BSN}", "code": "invalid", "reason": "Ongeldig."},
    ],
)
async def test_an_upstream_refusal_reaches_the_client_in_the_facades_words(clients, register, entry):
    register.write_answer = (400, orjson.dumps({"invalidParams": [entry]}))
    answer = await clients["kcc"].post(f"{API}/klantcontacten", json=KLANTCONTACT)
    assert answer.status_code == 400, answer.text
    assert register.writes, "the register was asked"
    text = answer.text
    assert not any(spelling in text for spelling in [*SPELLINGS, "999-99-3653", "99-3653"]), text
    (problem,) = answer.json()["invalidParams"]
    assert problem["name"] in ("onderwerp", "nonFieldErrors") and problem["code"] == "invalid"
    assert problem["reason"] == "ongeldig volgens deze bron"


# --- a write to a lying or failing upstream is reported exactly --------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Opgeslagen</html>",
        orjson.dumps({"uuid": "x" * 20, "onderwerp": 1}),
        b'{"uuid": "' + b"x" * 12_000_000 + b'"}',  # over the answer size limit
    ],
    ids=["no-json", "not-a-klantcontact", "oversize"],
)
async def test_a_write_the_source_took_with_an_unusable_answer_says_it_may_be_written(clients, register, body):
    register.write_answer = (201, body)
    answer = await clients["kcc"].post(f"{API}/klantcontacten", json=KLANTCONTACT)
    assert answer.status_code == 502, answer.text
    problem = answer.json()
    assert problem["code"] == "source_invalid_response"
    assert "weigerde" not in problem["detail"] and "opnieuw" in problem["detail"]


async def test_a_write_answered_with_a_server_error_says_its_outcome_is_unknown(clients, register):
    register.write_answer = (500, b"{}")
    answer = await clients["kcc"].post(f"{API}/klantcontacten", json=KLANTCONTACT)
    assert answer.status_code == 503, answer.text
    assert "onbekend is of de wijziging is vastgelegd" in answer.json()["detail"]
    assert "onvolledig antwoord" not in answer.json()["detail"]


async def test_an_update_answered_with_another_object_is_no_success(clients, register):
    other = klantcontact(OTHER_CONTACT, "2031-01-01T10:00:00Z", "Een ander contact")
    register.write_answer = (200, orjson.dumps(other))
    path = await the_registers_contact(clients["kcc"])
    answer = await clients["kcc"].patch(path, json={"onderwerp": "Nieuw"})
    assert answer.status_code == 502, answer.text
    assert OTHER_CONTACT not in answer.text and "Een ander contact" not in answer.text
    assert answer.json()["code"] == "source_invalid_response"


async def test_refused_writes_never_open_the_breaker_every_clients_reads_depend_on(clients, register):
    register.write_answer = (409, orjson.dumps({"detail": "Conflict."}))
    for _ in range(6):  # twice the register's failure threshold
        refused = await clients["schrijver"].post(f"{API}/klantcontacten", json=KLANTCONTACT)
        assert refused.status_code == 502 and refused.json()["code"] == "source_refused"
    listing = await clients["kcc"].get(f"{API}/klantcontacten", params={"kanaal": "telefoon"})
    assert listing.status_code == 200 and "Facade-Incomplete" not in listing.headers
    assert (await clients["kcc"].get(await the_registers_contact(clients["kcc"]))).status_code == 200
