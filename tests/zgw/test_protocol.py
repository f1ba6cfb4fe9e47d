"""Settings, the ZGW JWT, and the local server's strictness (what a real ZGW API refuses)."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from adapters.registry import InvalidAdapterSettings, create_adapter
from adapters.zgw import jwt as jwt_module
from adapters.zgw.jwt import ZgwJwt
from adapters.zgw.settings import ZgwSettings
from tests.zgw.support import CLIENT_ID, SECRET, SECRET_ENV, api_settings, zgw_settings


def test_jwt_claims_and_signature():
    token = ZgwJwt(CLIENT_ID, SECRET, user_id="u1", user_representation="KCC").token(now=1_700_000_000)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims == {
        "iss": CLIENT_ID,
        "iat": 1_700_000_000,
        "client_id": CLIENT_ID,
        "user_id": "u1",
        "user_representation": "KCC",
    }
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-0123456789-abcdefghijkl", algorithms=["HS256"])


def test_jwt_is_minted_fresh():
    auth = ZgwJwt(CLIENT_ID, SECRET)
    claims = jwt.decode(auth()["Authorization"].removeprefix("Bearer "), SECRET, algorithms=["HS256"])
    assert abs(claims["iat"] - time.time()) < 5
    assert SECRET not in repr(auth)


def test_jwt_is_kept_for_at_most_its_reuse_window(monkeypatch):
    """One token serves the calls of a short window (signing per call cost a page of the ZGW
    chain 26 signatures); after it a new one is minted, so `iat` is never older than the window."""
    clock = {"wall": 1_700_000_000.0, "monotonic": 500.0}
    monkeypatch.setattr(jwt_module.time, "time", lambda: clock["wall"])
    monkeypatch.setattr(jwt_module.time, "monotonic", lambda: clock["monotonic"])
    auth = ZgwJwt(CLIENT_ID, SECRET)

    def iat() -> int:
        return jwt.decode(auth()["Authorization"].removeprefix("Bearer "), SECRET, algorithms=["HS256"])["iat"]

    first = auth()
    assert iat() == 1_700_000_000
    for elapsed in (1, jwt_module.REUSE_SECONDS - 1):
        clock["wall"], clock["monotonic"] = 1_700_000_000 + elapsed, 500 + elapsed
        assert auth() == first
    clock["wall"], clock["monotonic"] = 1_700_000_000 + jwt_module.REUSE_SECONDS, 500 + jwt_module.REUSE_SECONDS
    assert auth() != first
    assert iat() == 1_700_000_000 + jwt_module.REUSE_SECONDS
    assert jwt_module.REUSE_SECONDS <= 300  # zgw-upstreams §5: a few minutes at most, against a one-hour expiry


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (zgw_settings("http://x") | {"colour": "blue"}, "^colour: Extra inputs are not permitted"),
        (
            {"klanten": api_settings("http://x", "klanten") | {"secret": "literal"}},
            "^klanten.secret: Value error, secrets are not written",
        ),
        (
            {"klanten": {k: v for k, v in api_settings("http://x", "klanten").items() if k != "base_url"}},
            "^klanten.base_url: Field required",
        ),
        ({"klanten": api_settings("http://x", "klanten") | {"base_url": "http://x/?a=1"}}, "^klanten.base_url: "),
        ({"klanten": api_settings("http://x", "klanten", flavour="openzaak")}, "^klanten.flavour: Input should be"),
        ({"zaken": api_settings("http://x", "zaken") | {"flavour": "esuite"}}, "^zaken.flavour: Input should be 'vng'"),
        (
            {"klanten": api_settings("http://x", "klanten") | {"verify": False}},
            "^klanten.verify: Extra inputs are not permitted",
        ),
        ({"klanten": api_settings("http://x", "klanten") | {"timeout": "soon"}}, "^klanten.timeout: Input should be"),
        (
            {"klanten": api_settings("http://x", "klanten") | {"token": {"env": SECRET_ENV}}},
            "^klanten: Value error, give either token or client_id with secret",
        ),
        ({}, "^Value error, configure at least one of"),
        (zgw_settings("http://x") | {"writes": True}, "^Value error, writes to the vng and openklant flavours need"),
        (
            zgw_settings("http://x") | {"writes": True, "bronorganisatie": "002220647"},
            "^Value error, writes to a vng Klanten API need a klant_website_url",
        ),
        (zgw_settings("http://x") | {"bronorganisatie": "123456789"}, "^Value error, bronorganisatie must be an RSIN"),
        (zgw_settings("http://x") | {"onderwerp_link_base": "urn:x:"}, "^onderwerp_link_base: String should match"),
    ],
)
def test_settings_refused_naming_the_setting(monkeypatch, settings, message):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with pytest.raises(InvalidAdapterSettings, match=message) as refused:
        create_adapter("zgw", settings)
    assert SECRET not in str(refused.value)


def test_settings_secret_from_env_never_in_repr(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    parsed = ZgwSettings.model_validate(zgw_settings("http://zgw.example"))
    assert parsed.zaak_url_base == "http://zgw.example/zaken/api/v1"
    assert SECRET not in repr(parsed)


def _get(server, path, token=True, **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = ZgwJwt(CLIENT_ID, SECRET)()["Authorization"]
    return httpx.get(f"{server.base}{path}", headers=headers, timeout=10, **kwargs)


def test_local_server_is_strict(local_vng):
    assert _get(local_vng, "/klanten/api/v1/klanten", token=False).json()["code"] == "not_authenticated"
    forged = ZgwJwt(CLIENT_ID, "wrong-secret-0123456789-abcdefghijkl")()
    assert (
        httpx.get(f"{local_vng.base}/klanten/api/v1/klanten", headers=forged).json()["code"] == "invalid-jwt-signature"
    )
    old = {"Authorization": f"Bearer {ZgwJwt(CLIENT_ID, SECRET).token(now=time.time() - 7200)}"}
    assert httpx.get(f"{local_vng.base}/klanten/api/v1/klanten", headers=old).status_code == 403
    unknown = _get(local_vng, "/klanten/api/v1/klanten", params={"bsn": "1"})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown-parameters")
    assert _get(local_vng, "/contactmomenten/api/v1/contactmomenten", params={"expand": "x"}).status_code == 400
    assert _get(local_vng, "/zaken/api/v1/zaken").status_code == 412
    assert _get(local_vng, "/zaken/api/v1/zaken", headers={"Accept-Crs": "EPSG:28992"}).status_code == 406
    assert _get(local_vng, "/zaken/api/v1/zaken", headers={"Accept-Crs": "EPSG:4326"}).json()["count"] == 2
    assert _get(local_vng, "/klanten/api/v1/klanten", params={"page": "99"}).status_code == 404
    assert _get(local_vng, "/klanten/api/v1/klanten").json()["next"].endswith("/klanten/api/v1/klanten?page=2")
