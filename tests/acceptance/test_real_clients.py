"""Eight real clients against the demo, each with its own profile, over real HTTP (issue 15).

The demo's sources (the CRM stand-in and the local ZGW server) behind a façade process served
by uvicorn on loopback; one configured client per real client, with that client's ready-made
profile. Every read flow of `real_clients.py` must find what its client looks for, in the
types its models require.
"""

from __future__ import annotations

import httpx
import pytest

from adapters.zgw.local_server import serve_in_thread
from facade.cli import DEMO_ZGW_CLIENT
from tests.acceptance.real_clients import CLIENTS, ZAAK_ID, ZAAK_UUID, run_flows
from tests.conftest import IDENTITY_SECRET, PROCESSING_LOG_KEY
from tests.support.demo import demo_config
from tests.support.server import running_facade

ZGW_SECRET = "real-clients-zgw-secret-0123456789"
TOKENS = {client: f"{client}-token-0123456789" for client in CLIENTS}


@pytest.fixture(scope="module")
def demo_api(tmp_path_factory):
    """The demo's configuration with one client per real client, each with its own profile."""
    tmp_path = tmp_path_factory.mktemp("real-clients")
    with serve_in_thread(clients={DEMO_ZGW_CLIENT: ZGW_SECRET}) as zgw:
        config = demo_config(zgw.base)
        config["clients"] = [
            {"name": client, "token": {"env": f"T_TOKEN_{i}"}, "permissions": {"bsn": True}, "profile": client}
            for i, client in enumerate(CLIENTS)
        ]
        env = {f"T_TOKEN_{i}": TOKENS[client] for i, client in enumerate(CLIENTS)}
        env |= {
            "FACADE_IDENTITY_SECRET": IDENTITY_SECRET,
            "FACADE_PROCESSING_LOG_KEY": PROCESSING_LOG_KEY,
            "FACADE_DEMO_ZGW_SECRET": ZGW_SECRET,
        }
        with running_facade(config, env, tmp_path) as base:
            yield f"{base}/klantinteracties/api/v1"


def test_every_client_finds_what_it_looks_for(demo_api):
    results = run_flows(demo_api, TOKENS)
    assert len(results) == sum(1 for _ in results) >= 20
    failed = [f"{r.client} / {r.flow}: {r.problem}" for r in results if r.problem]
    assert not failed, "\n".join(failed)


def _zaak(http: httpx.Client, token: str, **params: str) -> dict:
    page = http.get(
        "klantcontacten",
        params={**params, "expand": "gingOverOnderwerpobjecten"},
        headers={"Authorization": f"Token {token}"},
    ).json()
    return {
        contact["uuid"]: [o["onderwerpobjectidentificator"] for o in contact["_expand"]["gingOverOnderwerpobjecten"]]
        for contact in page["results"]
    }


def test_one_zaak_in_every_spelling_finds_the_same_contacts_each_in_its_reader_s_codes(demo_api):
    """KISS's, ZAC's and Open Inwoner's spelling of one zaak, asked by each of them."""
    spellings = [
        {"onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_UUID},
        {"onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_ID},
        {
            "onderwerpobject__onderwerpobjectidentificatorCodeObjecttype": "zgw-Zaak",
            "onderwerpobject__onderwerpobjectidentificatorCodeRegister": "openzaak",
            "onderwerpobject__onderwerpobjectidentificatorCodeSoortObjectId": "uuid",
            "onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_UUID,
        },
        {
            "onderwerpobject__onderwerpobjectidentificatorCodeObjecttype": "zaak",
            "onderwerpobject__onderwerpobjectidentificatorCodeRegister": "open-zaak",
            "onderwerpobject__onderwerpobjectidentificatorCodeSoortObjectId": "zaaknummer",
            "onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_ID,
        },
    ]
    published = {
        "kiss": ("zgw-Zaak", "openzaak", "uuid", ZAAK_UUID),
        "zac": ("zaak", "open-zaak", "uuid", ZAAK_UUID),
        "open-inwoner": ("zaak", "open-zaak", "zaaknummer", ZAAK_ID),
    }
    with httpx.Client(base_url=demo_api + "/", timeout=60) as http:
        found = {}
        for client, codes in published.items():
            for spelling in spellings:
                answer = _zaak(http, TOKENS[client], **spelling)
                found[(client, tuple(spelling.values()))] = set(answer)
                for identificatoren in answer.values():
                    spelled = [
                        (i["codeObjecttype"], i["codeRegister"], i["codeSoortObjectId"], i["objectId"])
                        for i in identificatoren
                    ]
                    assert codes in spelled, (client, spelling, spelled)
        # a spelling that names no known convention finds nothing
        wrong = {**spellings[2], "onderwerpobject__onderwerpobjectidentificatorCodeSoortObjectId": "zaaknummer"}
        assert _zaak(http, TOKENS["kiss"], **wrong) == {}
    assert len({frozenset(uuids) for uuids in found.values()}) == 1
    assert len(next(iter(found.values()))) == 4
