"""The ZGW source over real HTTP against the local ZGW server, next to the CRM source.

Henk de Bruin (BSN 999993653) is in both: one partij, his contacts from both applications in
one answer, newest first. The local server is as strict as a real ZGW API (JWT, Accept-Crs,
unknown parameters), and records every request it got.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from adapters.crm_stub.adapter import CrmStubSettings
from adapters.crm_stub.adapter import from_settings as crm_stub
from facade.cli import DEMO_CLIENT_TOKENS, demo_config_path
from tests.conftest import app_over, client_for
from tests.support.server import running_facade
from tests.zgw.support import CLIENT_ID, HENK_BSN, SECRET, SECRET_ENV, ZAAK_VERGUNNING, zgw_adapter, zgw_settings

API = "/klantinteracties/api/v1"
BSN_QUERY = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN}
ZGW_KANALEN = ["balie", "e-mail", "telefoon"]  # Henk's three contactmomenten in the seed, newest first


@pytest.fixture
async def facade(local_zgw):
    zgw = zgw_adapter(local_zgw.base, local_zgw.flavour)
    async with client_for(app_over([("crm", crm_stub(CrmStubSettings())), ("zgw", zgw)])) as client:
        yield client, zgw
    await zgw.aclose()


async def test_one_partij_for_a_bsn_in_both_sources(facade):
    client, _ = facade
    body = (await client.get(f"{API}/partijen", params={**BSN_QUERY, "expand": "digitaleAdressen"})).json()
    assert body["count"] == 1
    (partij,) = body["results"]
    adressen = {a["adres"] for a in partij["_expand"]["digitaleAdressen"]}
    assert "h.debruin@example.nl" in adressen  # from the Klanten API
    assert "henk.debruin@example.nl" in adressen  # from the CRM
    detail = (await client.get(partij["url"].replace("http://testserver", ""))).json()
    assert detail["uuid"] == partij["uuid"]


async def test_klantcontacten_of_a_citizen_from_both_sources_newest_first(facade):
    client, _ = facade
    params = {"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN, "expand": "hadBetrokkenen.wasPartij"}
    body = (await client.get(f"{API}/klantcontacten", params=params)).json()
    moments = [r["plaatsgevondenOp"] for r in body["results"]]
    assert moments == sorted(moments, reverse=True)
    assert body["count"] == len(body["results"]) == 7  # 4 in the CRM, 3 contactmomenten
    partijen = {b["_expand"]["wasPartij"]["uuid"] for r in body["results"] for b in r["_expand"]["hadBetrokkenen"]}
    henk = (await client.get(f"{API}/partijen", params=BSN_QUERY)).json()["results"][0]["uuid"]
    assert partijen == {henk}
    zgw = [r for r in body["results"] if r["onderwerp"] != "" and r["taal"] == "nld" and r["kanaal"] in ZGW_KANALEN]
    assert [
        r["kanaal"]
        for r in body["results"]
        if r["plaatsgevondenOp"].startswith(("2025-03-04", "2025-02-12", "2025-01-16"))
    ] == ZGW_KANALEN
    assert zgw


async def test_contacts_about_one_zaak(facade):
    client, _ = facade
    params = {
        "onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_VERGUNNING,
        "expand": "gingOverOnderwerpobjecten",
    }
    body = (await client.get(f"{API}/klantcontacten", params=params)).json()
    onderwerpen = [r["onderwerp"] for r in body["results"]]
    # two in the CRM; from ZGW a contactmoment (linked in both APIs: shown once) and the Zaken API's own klantcontact
    assert body["count"] == 4
    assert "Aanvullende stukken vergunning" in onderwerpen
    for record in body["results"]:
        zaken = [o["onderwerpobjectidentificator"]["objectId"] for o in record["_expand"]["gingOverOnderwerpobjecten"]]
        assert zaken.count(ZAAK_VERGUNNING) == 1


async def test_every_zgw_object_is_found_again_by_its_uuid(local_zgw):
    """Every key the adapter hands out is readable back from a cold start (one get_many)."""
    zgw = zgw_adapter(local_zgw.base, local_zgw.flavour)
    async with client_for(app_over([("zgw", zgw)])) as client:
        await _round_trip(client)
    await zgw.aclose()


async def _round_trip(client):
    for resource in (
        "partijen",
        "digitaleadressen",
        "partij-identificatoren",
        "klantcontacten",
        "betrokkenen",
        "onderwerpobjecten",
        "actoren",
        "actorklantcontacten",
    ):
        body = (await client.get(f"{API}/{resource}", params={"pageSize": "500"})).json()
        assert body["count"] == len(body["results"])
        assert body["count"] > 0, resource
        for record in body["results"]:
            detail = await client.get(record["url"].replace("http://testserver", ""))
            assert detail.status_code == 200, (resource, record["url"])
            assert detail.json() == {k: v for k, v in record.items() if k != "_expand"}


async def test_upstream_requests_are_valid(facade, local_zgw):
    client, _ = facade
    local_zgw.requests.clear()
    await client.get(f"{API}/partijen", params=BSN_QUERY)
    await client.get(f"{API}/klantcontacten", params={"expand": "hadBetrokkenen,gingOverOnderwerpobjecten"})
    await client.get(
        f"{API}/klantcontacten", params={"onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_VERGUNNING}
    )
    assert local_zgw.requests
    assert {r.status for r in local_zgw.requests} <= {200}  # no unknown parameter (400), no bad token (403)
    assert {r.client_id for r in local_zgw.requests} == {CLIENT_ID}
    assert all(r.accept_crs == "EPSG:4326" for r in local_zgw.requests if r.path.startswith("/zaken/"))
    assert not [r for r in local_zgw.requests if "subject" in r.path]


def test_real_facade_process_with_crm_and_zgw(local_vng, tmp_path):
    """The whole chain over real HTTP: client -> façade (uvicorn) -> local ZGW server."""
    demo = yaml.safe_load(Path(demo_config_path()).read_text())  # its clients and logging, our sources
    demo["sources"] = [
        {"name": "crm", "kind": "crm_stub"},
        {"name": "zgw", "kind": "zgw", "settings": zgw_settings(local_vng.base)},
    ]
    demo.pop("write_targets", None)  # this zgw source is read-only
    for client in demo["clients"]:
        client.pop("write_targets", None)
    env = {
        **DEMO_CLIENT_TOKENS,
        "FACADE_DEMO_TOKEN": "zgw-demo-token-0123456789",
        "FACADE_IDENTITY_SECRET": "zgw-identity-secret-0123456789",
        "FACADE_PROCESSING_LOG_KEY": "zgw-processing-log-key-0123456789",
        SECRET_ENV: SECRET,
    }
    log_file = tmp_path / "facade.log"
    with running_facade(demo, env, tmp_path, log_file) as base:
        auth = {"Authorization": f"Token {env['FACADE_DEMO_TOKEN']}"}
        with httpx.Client(base_url=f"{base}{API}", headers=auth, timeout=30) as http:
            assert http.get("/partijen", params=BSN_QUERY).json()["count"] == 1
            body = http.get(
                "/klantcontacten", params={"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN}
            ).json()
            assert body["count"] == 7
    assert {r.status for r in local_vng.requests} == {200}
    assert HENK_BSN not in log_file.read_text()  # not in a logged upstream URL either
