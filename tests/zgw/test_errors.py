"""Upstream failures: a clear outcome for the client, a log line naming the source, never a
secret or a BSN in either."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from tests.conftest import app_over, client_for
from tests.zgw.support import HENK_BSN, SECRET, SECRET_ENV, zgw_adapter

API = "/klantinteracties/api/v1"
BASE = "http://zgw.invalid"
FAILED = (502, 503, 504)  # the engine's answer to a failing source (a 503 since partial answers exist)
BSN_QUERY = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN}


def fout(status: int, code: str) -> httpx.Response:
    # a real server may echo the input in `detail`: the façade must not pass it on
    return httpx.Response(
        status,
        json={
            "type": "",
            "code": code,
            "title": "fout",
            "status": status,
            "detail": f"subjectNatuurlijkPersoon__inpBsn={HENK_BSN}",
            "instance": "",
        },
    )


def assert_clean(text: str) -> None:
    assert HENK_BSN not in text
    assert SECRET not in text


async def test_wrong_secret(local_vng, monkeypatch, caplog):
    monkeypatch.setenv(SECRET_ENV, "not-the-secret-0123456789-abcdefghij")
    zgw = zgw_adapter(local_vng.base)
    caplog.set_level(logging.INFO)
    async with client_for(app_over([("zgw", zgw)])) as client:
        response = await client.get(f"{API}/partijen", params=BSN_QUERY)
    await zgw.aclose()
    assert response.status_code in FAILED  # never a (silently incomplete) 200
    assert "'zgw'" in response.json()["detail"]
    assert "invalid-jwt-signature" in caplog.text  # the upstream's reason, for the operator
    assert "source zgw failed: rejected" in caplog.text
    assert_clean(response.text + caplog.text)
    assert "not-the-secret" not in caplog.text


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (400, "unknown-parameters", "rejected"),
        (403, "permission_denied", "rejected"),
        (404, "not_found", "not-found"),
        (412, "precondition_failed", "rejected"),
        (500, "error", "unavailable"),
    ],
)
async def test_upstream_error_on_a_list(status, code, reason, caplog):
    caplog.set_level(logging.INFO)
    with respx.mock() as mock:
        mock.get(f"{BASE}/klanten/api/v1/klanten").mock(return_value=fout(status, code))
        zgw = zgw_adapter(BASE, apis=("klanten",))
        async with client_for(app_over([("zgw", zgw)])) as client:
            response = await client.get(f"{API}/partijen", params=BSN_QUERY)
        await zgw.aclose()
    assert response.status_code in FAILED
    assert f"De bron 'zgw' kon niet worden bevraagd ({reason})" in response.json()["detail"]
    assert f"source zgw failed: {reason}" in caplog.text
    assert f"zgw klanten: GET klanten answered {status}" in caplog.text or status == 404
    assert_clean(response.text + caplog.text)


async def test_a_klant_that_is_gone_is_a_404():
    with respx.mock() as mock:
        mock.get(url__regex=rf"{BASE}/klanten/api/v1/klanten/.+").mock(return_value=fout(404, "not_found"))
        zgw = zgw_adapter(BASE, apis=("klanten",))
        async with client_for(app_over([("zgw", zgw)])) as client:
            # any UUID: it decodes to some klant UUID in the zgw key space, which the upstream does not know
            response = await client.get(f"{API}/partijen/0a6f8f4e-3c1d-4b6e-9a1b-2c3d4e5f6a7b")
        await zgw.aclose()
    assert response.status_code == 404


async def test_a_timeout_is_a_504(caplog):
    with respx.mock() as mock:
        mock.get(f"{BASE}/klanten/api/v1/klanten").mock(side_effect=httpx.ReadTimeout("slow"))
        zgw = zgw_adapter(BASE, apis=("klanten",))
        async with client_for(app_over([("zgw", zgw)])) as client:
            response = await client.get(f"{API}/partijen", params=BSN_QUERY)
        await zgw.aclose()
    assert response.status_code in FAILED
    assert "(timeout)" in response.json()["detail"]
    assert_clean(response.text + caplog.text)
