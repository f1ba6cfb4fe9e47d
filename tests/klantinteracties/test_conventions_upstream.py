"""A Klantinteracties upstream holds identificators in some client's codes; the façade in front of
it reads them as facts and shows them in each of its own clients' codes (ADR 18).

Façade A (a real server over the CRM demo data) answers its client, façade B, as KISS would be
answered: employees as `mdw/msei/email`, zaken as `zgw-Zaak/openzaak/uuid`. B's clients have
other profiles.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from facade.api.app import create_app
from tests.conftest import API, TOKEN, client_for, engine_over, settings
from tests.klantinteracties.federation import UPSTREAM_TOKEN_ENV, RecordingTransport, upstream_adapter
from tests.support.server import running_facade

ME_EMAIL = "p.dewit@voorbeeldstad.example"
ZAAK_UUID = "0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f"
TOKENS = {"zac": "zac-token-0123456789", "open-inwoner": "oip-token-0123456789"}
ZAC = {"Authorization": f"Token {TOKENS['zac']}"}


@pytest.fixture(scope="module")
def kiss_register(tmp_path_factory) -> str:
    config = {
        "identity_secret": {"env": "KI_TEST_A_IDENTITY"},
        "clients": [
            {"name": "regio-b", "token": {"env": "KI_TEST_A_TOKEN"}, "permissions": {"bsn": True}, "profile": "kiss"}
        ],
        "processing_log": {"sink": "stdout", "key": {"env": "KI_TEST_A_IDENTITY"}},
        "sources": [{"name": "crm", "kind": "crm_stub"}],
    }
    env = {"KI_TEST_A_IDENTITY": "identity-secret-of-facade-a-0123", "KI_TEST_A_TOKEN": TOKEN}
    with running_facade(config, env, tmp_path_factory.mktemp("kiss-register")) as base:
        yield base


@pytest.fixture
async def b(kiss_register, monkeypatch):
    monkeypatch.setenv(UPSTREAM_TOKEN_ENV, TOKEN)
    transport = RecordingTransport()
    adapter = upstream_adapter(kiss_register, transport=transport)
    clients = [
        {"name": name, "token": SecretStr(token), "permissions": {"bsn": True}, "profile": name}
        for name, token in TOKENS.items()
    ]
    config = settings([{"name": "regio", "kind": "crm_stub"}], clients=clients)
    async with client_for(create_app(config, engine_over([("regio", adapter)]))) as client:
        yield client, transport
    await adapter.aclose()


def spelled(identificator: dict) -> tuple[str, str, str, str]:
    return tuple(identificator[k] for k in ("codeObjecttype", "codeRegister", "codeSoortObjectId", "objectId"))  # type: ignore[return-value]


async def test_an_employee_stored_in_kiss_codes_reads_in_each_client_s_codes(b):
    client, transport = b
    query = {
        "actoridentificatorCodeObjecttype": "mdw",
        "actoridentificatorCodeRegister": "handmatig",
        "actoridentificatorCodeSoortObjectId": "email",
        "actoridentificatorObjectId": ME_EMAIL,
    }
    body = (
        await client.get(f"{API}/actoren", params=query, headers={"Authorization": f"Token {TOKENS['zac']}"})
    ).json()
    (actor,) = body["results"]
    # the upstream holds mdw/msei/email; ZAC's profile reads e-mails as mdw/handmatig/email
    assert spelled(actor["actoridentificator"]) == ("mdw", "handmatig", "email", ME_EMAIL)
    # the upstream was asked by the value only, in its own spelling of the filter
    asked = [params for path, params in transport.log if path == "actoren"]
    assert asked and all(set(p) <= {"actoridentificatorObjectId", "page", "pageSize"} for p in asked)


async def test_a_zaak_stored_in_kiss_codes_reads_in_zac_s_codes(b):
    client, _ = b
    params = {
        "onderwerpobject__onderwerpobjectidentificatorCodeObjecttype": "zaak",
        "onderwerpobject__onderwerpobjectidentificatorCodeRegister": "open-zaak",
        "onderwerpobject__onderwerpobjectidentificatorCodeSoortObjectId": "uuid",
        "onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_UUID,
        "expand": "gingOverOnderwerpobjecten",
    }
    body = (
        await client.get(f"{API}/klantcontacten", params=params, headers={"Authorization": f"Token {TOKENS['zac']}"})
    ).json()
    assert body["count"] == 2
    for contact in body["results"]:
        zaken = [o["onderwerpobjectidentificator"] for o in contact["_expand"]["gingOverOnderwerpobjecten"]]
        assert ("zaak", "open-zaak", "uuid", ZAAK_UUID) in {spelled(z) for z in zaken}


async def test_what_the_upstream_cannot_be_asked_by_is_not_promised(b):
    """The upstream shows zaken by UUID only: a search by number finds nothing there, and no
    reader is shown a number."""
    client, _ = b
    oip = {"Authorization": f"Token {TOKENS['open-inwoner']}"}
    by_number = (
        await client.get(
            f"{API}/klantcontacten",
            params={"onderwerpobject__onderwerpobjectidentificatorObjectId": "ZAAK-2025-0000123"},
            headers=oip,
        )
    ).json()
    assert by_number["count"] == 0
    by_uuid = (
        await client.get(
            f"{API}/onderwerpobjecten", params={"onderwerpobjectidentificatorObjectId": ZAAK_UUID}, headers=oip
        )
    ).json()
    assert {spelled(o["onderwerpobjectidentificator"]) for o in by_uuid["results"]} == {
        ("zaak", "open-zaak", "uuid", ZAAK_UUID)
    }
