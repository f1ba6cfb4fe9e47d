"""What the read side gained for writes: an onderwerp kept in `onderwerpLinks`, and e-Suite's
second phone number (`telefoonnummerAlternatief`) as a digitaal adres of its own."""

from __future__ import annotations

import httpx
import pytest

from adapters.zgw.jwt import ZgwJwt
from adapters.zgw.local_server import BRONORGANISATIE, serve_in_thread
from tests.conftest import app_over, client_for
from tests.zgw.support import CLIENT_ID, HENK_BSN, SECRET, zgw_adapter

API = "/klantinteracties/api/v1"
LINKS = "https://www.example.nl/onderwerp/"


async def _send(method: str, url: str, body: dict) -> dict:
    async with httpx.AsyncClient(timeout=10) as upstream:
        answer = await upstream.request(method, url, json=body, headers=ZgwJwt(CLIENT_ID, SECRET)())
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


@pytest.mark.parametrize("base", [LINKS, ""])
async def test_an_onderwerp_link_under_the_configured_base_is_the_onderwerp(base):
    with serve_in_thread(clients={CLIENT_ID: SECRET}) as server:
        await _send(
            "POST",
            f"{server.base}/contactmomenten/api/v1/contactmomenten",
            {
                "bronorganisatie": BRONORGANISATIE,
                "kanaal": "onderwerp-test",
                "onderwerpLinks": ["https://producten.example.nl/afval", LINKS + "Afvalpas%20kwijt"],
            },
        )
        zgw = zgw_adapter(server.base, onderwerp_link_base=base) if base else zgw_adapter(server.base)
        async with client_for(app_over([("zgw", zgw)])) as client:
            body = (await client.get(f"{API}/klantcontacten", params={"kanaal": "onderwerp-test"})).json()
        await zgw.aclose()
    assert [r["onderwerp"] for r in body["results"]] == ["Afvalpas kwijt" if base else "Contactmoment"]


async def test_esuite_second_phone_number_is_a_digitaal_adres():
    with serve_in_thread(clients={CLIENT_ID: SECRET}, flavour="esuite") as server:
        henk = next(k for k in server.records("klanten") if k["subjectIdentificatie"]["inpBsn"] == HENK_BSN)
        await _send("PATCH", henk["url"], {"telefoonnummerAlternatief": "0687654321"})
        zgw = zgw_adapter(server.base, "esuite")
        async with client_for(app_over([("zgw", zgw)])) as client:
            params = {"verstrektDoorPartij__partijIdentificator__objectId": HENK_BSN}
            body = (await client.get(f"{API}/digitaleadressen", params=params)).json()
            one = await client.get(f"{API}/digitaleadressen/{body['results'][-1]['uuid']}")
        await zgw.aclose()
    phones = [
        (a["adres"], a["isStandaardAdres"]) for a in body["results"] if a["soortDigitaalAdres"] == "telefoonnummer"
    ]
    assert sorted(phones) == [("0201234567", True), ("0687654321", False)]
    assert one.status_code == 200
