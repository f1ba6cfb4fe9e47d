"""Who may see what, the processing log, limits (issue 8)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import jwt
import pytest
from pydantic import SecretStr

from facade.api.app import build_engine, create_app
from facade.api.privacy import WITHHELD
from facade.conformance.contract import assert_valid
from tests.conftest import PROCESSING_LOG_KEY, TOKEN, client_for, settings

API = "/klantinteracties/api/v1"
HENK_BSN = "999993653"
PORTAL_TOKEN = "portal-token-0123456789"
KISS_SECRET = "kiss-jwt-secret-0123456789-abcdefgh"


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "verwerkingen.jsonl"


@pytest.fixture
async def clients(log_path):
    config = settings(
        clients=[
            {"name": "kcc", "token": SecretStr(TOKEN), "permissions": {"bsn": True}},
            {
                "name": "portaal",
                "token": SecretStr(PORTAL_TOKEN),
                "permissions": {"read": ["partijen", "digitaleadressen"]},
            },
            {
                "name": "kiss",
                "jwt": {"client_id": "kiss", "secret": SecretStr(KISS_SECRET)},
                "permissions": {"bsn": True},
            },
        ],
        processing_log={"sink": "file", "path": str(log_path), "key": SecretStr(PROCESSING_LOG_KEY)},
    )
    app = create_app(config, build_engine(config))
    async with client_for(app) as kcc, client_for(app) as portaal, client_for(app) as anonymous:
        portaal.headers["Authorization"] = f"Token {PORTAL_TOKEN}"
        anonymous.headers.pop("Authorization")
        yield {"kcc": kcc, "portaal": portaal, "anonymous": anonymous}


def records(log_path) -> list[dict]:
    return [json.loads(line) for line in log_path.read_text().splitlines()] if log_path.exists() else []


def kiss_jwt(secret=KISS_SECRET, iat=None, client_id="kiss") -> str:
    claims = {
        "client_id": client_id,
        "iss": client_id,
        "user_id": "m.devries",
        "user_representation": "M. de Vries",
        "iat": int(iat if iat is not None else time.time()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


async def test_allowed_401_and_403(clients):
    assert (await clients["kcc"].get(f"{API}/klantcontacten")).status_code == 200
    assert (await clients["anonymous"].get(f"{API}/klantcontacten")).status_code == 401
    response = await clients["portaal"].get(f"{API}/klantcontacten")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    # expanding into a collection the client may not read is refused as well
    response = await clients["portaal"].get(f"{API}/digitaleadressen", params={"expand": "verstrektDoorBetrokkene"})
    assert response.status_code == 403


async def test_a_jwt_bearer_client(clients):
    client = clients["anonymous"]
    ok = await client.get(f"{API}/partijen", headers={"Authorization": f"Bearer {kiss_jwt()}"})
    assert ok.status_code == 200
    for token in (
        kiss_jwt(secret="wrong-secret-0123456789-abcdefghijk"),
        kiss_jwt(iat=time.time() - 7200),
        kiss_jwt(client_id="nobody"),
        "not.a.jwt",
    ):
        response = await client.get(f"{API}/partijen", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


async def test_a_client_without_bsn_permission_cannot_search_by_bsn(clients):
    portaal = clients["portaal"]
    for params in (
        {"partijIdentificator__objectId": HENK_BSN},
        {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN},
        {"partijIdentificator__codeObjecttype": "inp", "partijIdentificator__objectId": HENK_BSN},
    ):
        response = await portaal.get(f"{API}/partijen", params=params)
        assert response.status_code == 403, params
        assert HENK_BSN not in response.text
    response = await portaal.get(
        f"{API}/digitaleadressen",
        params={"verstrektDoorPartij__partijIdentificator__objectId": HENK_BSN},
    )
    assert response.status_code == 403
    kvk = await portaal.get(
        f"{API}/partijen",
        params={"partijIdentificator__codeSoortObjectId": "kvk_nummer", "partijIdentificator__objectId": "68750110"},
    )
    assert kvk.status_code == 200 and kvk.json()["count"] == 1


async def test_bsns_are_withheld_in_a_valid_answer(clients):
    body = (await clients["portaal"].get(f"{API}/partijen", params={"soortPartij": "persoon", "pageSize": 500})).json()
    assert HENK_BSN not in json.dumps(body)
    identificators = [
        i
        for p in body["results"]
        for i in p["partijIdentificatoren"]
        if i["partijIdentificator"]["codeSoortObjectId"] == "bsn"
    ]
    assert identificators and {i["partijIdentificator"]["objectId"] for i in identificators} == {WITHHELD}
    assert_valid(body, "/partijen")
    kcc = (await clients["kcc"].get(f"{API}/partijen", params={"soortPartij": "persoon", "pageSize": 500})).json()
    assert HENK_BSN in json.dumps(kcc)


async def test_processing_log_records_search_and_answer_with_hashed_bsns(clients, log_path):
    await clients["kcc"].get(
        f"{API}/klantcontacten",
        params={"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN},
        headers={"Doelbinding": "beantwoorden vraag burger"},
    )
    await clients["kcc"].get(f"{API}/actoren")  # no BSN: no record
    (record,) = records(log_path)
    expected_hash = hmac.new(PROCESSING_LOG_KEY.encode(), HENK_BSN.encode(), hashlib.sha256).hexdigest()
    assert record["client"] == "kcc"
    assert record["operation"] == "GET /klantinteracties/api/v1/klantcontacten"
    assert record["purpose"] == "beantwoorden vraag burger"
    assert record["sources"] == ["crm"]
    assert {"type": "bsn", "id_hash": expected_hash, "role": "searched"} in record["data_subjects"]
    assert record["trace_id"]
    assert HENK_BSN not in log_path.read_text()
    await clients["kcc"].get(f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})
    returned = records(log_path)[-1]["data_subjects"]
    assert {"type": "bsn", "id_hash": expected_hash, "role": "returned"} in returned
    # a search that fails still asked the sources: it is recorded with its status
    response = await clients["kcc"].get(
        f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN, "page": 9}
    )
    assert response.status_code == 404
    failed = records(log_path)[-1]
    assert failed["status"] == 404 and failed["data_subjects"][0]["role"] == "searched"


@pytest.mark.parametrize(
    ("request_args", "status", "code"),
    [
        ({"params": {"kanaal": "x" * 5000}}, 400, "query_too_long"),
        ({"params": {"expand": ",".join(["hadBetrokkenen"] * 21)}}, 400, "too_many_values"),
        ({"params": {"expand": "hadBetrokkenen.wasPartij.betrokkenen.hadKlantcontact"}}, 400, "max_depth"),
        ({"content": b"x" * 70000}, 413, None),
        ({"params": {"pageSize": 100000}}, 200, None),
    ],
)
async def test_limits(clients, request_args, status, code):
    response = await clients["kcc"].request("GET", f"{API}/klantcontacten", **request_args)
    assert response.status_code == status
    if code:
        assert response.json()["invalidParams"][0]["code"] == code
    if status == 200:
        assert len(response.json()["results"]) <= 500


async def test_too_many_comma_values_in_a_filter(clients):
    names = ",".join(f"categorie{i}" for i in range(21))
    response = await clients["kcc"].get(f"{API}/partijen", params={"categorierelatie__categorie__naam": names})
    assert response.status_code == 400
