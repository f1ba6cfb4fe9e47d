"""The ZGW source next to the CRM: a nummer for every klantcontact, findable by it at a bounded
cost, and zaken by UUID or by identificatie, in every flavour of the local ZGW server."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from adapters.api import SourceRejected, ki
from adapters.crm_stub.adapter import CrmStubSettings
from adapters.crm_stub.adapter import from_settings as crm_stub
from adapters.zgw.zaaknummers import Zaaknummers
from facade.api.app import create_app
from mapping import nummers
from tests.conftest import API, client_for, engine_over, settings
from tests.zgw.support import ZAAK_VERGUNNING, zgw_adapter

ZAAK_ID = "ZAAK-2025-0000123"
TOKENS = {"open-inwoner": "oip-token-0123456789", "kiss": "kiss-token-0123456789"}


@pytest.fixture
async def http(local_zgw):
    zgw = zgw_adapter(local_zgw.base, local_zgw.flavour)
    clients = [
        {"name": name, "token": SecretStr(token), "permissions": {"bsn": True}, "profile": name}
        for name, token in TOKENS.items()
    ]
    config = settings([{"name": "crm", "kind": "crm_stub"}, {"name": "zgw", "kind": "crm_stub"}], clients=clients)
    app = create_app(config, engine_over([("crm", crm_stub(CrmStubSettings())), ("zgw", zgw)]))
    async with client_for(app) as client:
        client.headers["Authorization"] = f"Token {TOKENS['open-inwoner']}"
        yield client
    await zgw.aclose()


async def test_every_klantcontact_has_a_nummer_that_finds_it_alone(http, local_zgw):
    body = (await http.get(f"{API}/klantcontacten", params={"pageSize": "500"})).json()
    contacts = body["results"]
    assert len(contacts) == body["count"] > 260
    numbers = [c["nummer"] for c in contacts]
    assert all(isinstance(n, str) and 0 < len(n) <= 10 for n in numbers)
    assert len(set(numbers)) == len(numbers)
    zgw = [c for c in contacts if nummers.is_derived(c["nummer"]) or c["nummer"] in ("BA321", "KC-0001")]
    assert len(zgw) == 7  # the six contactmomenten and the Zaken API's klantcontact
    for contact in zgw:
        local_zgw.requests.clear()
        found = (await http.get(f"{API}/klantcontacten", params={"nummer": contact["nummer"]})).json()
        assert [c["uuid"] for c in found["results"]] == [contact["uuid"]], contact["nummer"]
        if local_zgw.flavour != "esuite" and nummers.is_derived(contact["nummer"]):
            # one second of registrations is asked for, never every contactmoment
            lists = [r for r in local_zgw.requests if r.path.endswith("/contactmomenten")]
            assert lists and all(any(k == "registratiedatum__gte" for k, _ in r.query) for r in lists)
        if contact["referentienummer"] is not None:
            found = (
                await http.get(f"{API}/klantcontacten", params={"referentienummer": contact["referentienummer"]})
            ).json()
            assert [c["uuid"] for c in found["results"]] == [contact["uuid"]]
    henk = (await http.get(f"{API}/klantcontacten", params={"nummer": "KC-00001"})).json()
    assert henk["count"] == 1  # a CRM nummer is the CRM's reference


async def test_a_zaak_by_its_identificatie_through_the_configured_zaken_api(http, local_zgw):
    local_zgw.requests.clear()
    params = {"onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_ID, "expand": "gingOverOnderwerpobjecten"}
    body = (await http.get(f"{API}/klantcontacten", params=params)).json()
    assert body["count"] == 4  # two in the CRM; a contactmoment and a Zaken API klantcontact in ZGW
    for contact in body["results"]:
        identificatoren = [o["onderwerpobjectidentificator"] for o in contact["_expand"]["gingOverOnderwerpobjecten"]]
        (zaak,) = [i for i in identificatoren if i["codeObjecttype"] == "zaak"]  # a follow-up has an empty one
        assert (zaak["codeSoortObjectId"], zaak["objectId"]) == ("zaaknummer", ZAAK_ID)  # Open Inwoner's codes
    asked = [(r.path, dict(r.query)) for r in local_zgw.requests if r.path.startswith("/zaken/api/v1/zaken")]
    assert ("/zaken/api/v1/zaken", {"identificatie": ZAAK_ID}) in asked
    assert all(path.startswith("/zaken/api/v1/zaken") for path, _ in asked)  # the configured API, nothing else
    by_uuid = (
        await http.get(
            f"{API}/klantcontacten", params={"onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_VERGUNNING}
        )
    ).json()
    assert {c["uuid"] for c in by_uuid["results"]} == {c["uuid"] for c in body["results"]}
    unknown = (
        await http.get(f"{API}/onderwerpobjecten", params={"onderwerpobjectidentificatorObjectId": "ZAAK-0000"})
    ).json()
    assert unknown["count"] == 0


async def test_the_zaaknummer_is_read_once_per_zaak(http, local_zgw):
    params = {
        "onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_VERGUNNING,
        "expand": "gingOverOnderwerpobjecten",
    }
    await http.get(f"{API}/klantcontacten", params=params)
    local_zgw.requests.clear()
    await http.get(f"{API}/klantcontacten", params={**params, "pageSize": "3"}, headers={"Cache-Control": "no-cache"})
    assert not [r for r in local_zgw.requests if r.path.startswith(f"/zaken/api/v1/zaken/{ZAAK_VERGUNNING}")]


class _Refusing:
    api = "zaken"

    def __init__(self):
        self.calls = 0

    async def many(self, collection, uuids, params=None):
        self.calls += 1
        raise SourceRejected("zgw zaken: GET zaken/{uuid} answered 403")


async def test_a_zaken_api_that_refuses_zaken_leaves_them_by_uuid():
    api = _Refusing()
    numbers = Zaaknummers(api)  # type: ignore[arg-type]
    onderwerp = ki.Onderwerpobject(key="o", zaak=ki.ZaakFacts(uuid=ZAAK_VERGUNNING))
    assert await numbers.complete([onderwerp]) == [onderwerp]
    assert await numbers.complete([onderwerp]) == [onderwerp]
    assert api.calls == 1  # not asked again
