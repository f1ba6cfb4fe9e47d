"""HTTP behaviour of the contract that does not depend on the data: errors, auth, paths, headers."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import AUTH, app_over, client_for
from tests.support.worlds import crm_world

PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}


@pytest.fixture
async def client():
    async with client_for(app_over([("crm", crm_world())])) as client:
        yield client


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["API-version"] == "0.9.0"
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["instance"].startswith("urn:uuid:")
    if code:
        assert body["code"] == code
    return body


def invalid_param(body: dict) -> tuple[str, str]:
    (param,) = body["invalidParams"]
    return param["name"], param["code"]


@pytest.mark.parametrize(
    ("query", "name", "code"),
    [
        ({"foo": "1", "bar": "2"}, "nonFieldErrors", "unknown-parameters"),
        ({"hadBetrokkene__uuid": "not-a-uuid"}, "hadBetrokkene__uuid", "invalid"),
        ({"plaatsgevondenOp": "gisteren"}, "plaatsgevondenOp", "invalid"),
        ({"vertrouwelijk": "misschien"}, "vertrouwelijk", "invalid"),
        ({"page": "abc"}, "page", "invalid"),
        ({"page": "0"}, "page", "invalid"),
        ({"pageSize": "veel"}, "pageSize", "invalid"),
        ({"kanaal": ""}, "kanaal", "blank"),
        ({"expand": "hadBetrokkenen,geenRelatie"}, "expand", "invalid_choice"),
        (
            {"hadBetrokkene__url": "https://elders.example/klantinteracties/api/v1/betrokkenen/" + str(uuid.uuid4())},
            "hadBetrokkene__url",
            "invalid",
        ),
    ],
)
async def test_bad_parameters_are_a_400_naming_the_parameter(client, query, name, code):
    body = assert_problem(await client.get("/klantinteracties/api/v1/klantcontacten", params=query), 400, "invalid")
    assert invalid_param(body) == (name, code)


async def test_unknown_parameters_are_listed(client):
    body = assert_problem(await client.get("/klantinteracties/api/v1/partijen?zoek=1&bsn=2"), 400)
    assert body["invalidParams"][0]["reason"] == "Onbekende query parameters: bsn, zoek"


async def test_enum_filter_rejects_other_values(client):
    body = assert_problem(await client.get("/klantinteracties/api/v1/partijen?soortPartij=burger"), 400)
    assert invalid_param(body) == ("soortPartij", "invalid_choice")


async def test_a_filter_repeated_with_another_value_is_refused(client):
    response = await client.get("/klantinteracties/api/v1/klantcontacten?kanaal=balie&kanaal=telefoon")
    assert invalid_param(assert_problem(response, 400)) == ("kanaal", "invalid")


async def test_detail_accepts_only_expand(client):
    listing = (await client.get("/klantinteracties/api/v1/klantcontacten")).json()
    url = listing["results"][0]["url"].replace("http://testserver", "")
    assert_problem(await client.get(url + "?kanaal=balie"), 400, "invalid")
    assert (await client.get(url + "?expand=")).status_code == 200


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "false", "False", "FALSE", "1", "0"])
async def test_booleans_in_any_casing(client, value):
    assert (await client.get(f"/klantinteracties/api/v1/klantcontacten?vertrouwelijk={value}")).status_code == 200


async def test_booleans_filter(client):
    everything = (await client.get("/klantinteracties/api/v1/klantcontacten")).json()["count"]
    assert (await client.get("/klantinteracties/api/v1/klantcontacten?vertrouwelijk=FALSE")).json()[
        "count"
    ] == everything
    assert (await client.get("/klantinteracties/api/v1/klantcontacten?vertrouwelijk=True")).json()["count"] == 0


async def test_without_token_401_and_with_a_wrong_one_401(client):
    body = assert_problem(await client.get("/klantinteracties/api/v1/partijen", headers={"Authorization": ""}), 401)
    assert body["code"] == "not_authenticated"
    body = assert_problem(
        await client.get("/klantinteracties/api/v1/partijen", headers={"Authorization": "Token wrong-token"}), 401
    )
    assert body["code"] == "authentication_failed"
    bearer = {"Authorization": AUTH["Authorization"].replace("Token", "Bearer")}
    assert_problem(await client.get("/klantinteracties/api/v1/partijen", headers=bearer), 401)


async def test_api_root_needs_no_token_and_lists_every_collection(client):
    for path in ("/klantinteracties/api/v1", "/klantinteracties/api/v1/"):
        response = await client.get(path, headers={"Authorization": ""})
        assert response.status_code == 200
        root = response.json()
        assert root["partijen"] == "http://testserver/klantinteracties/api/v1/partijen"
        assert len(root) == 15


async def test_paths_answer_with_and_without_trailing_slash_without_redirect(client):
    plain = await client.get("/klantinteracties/api/v1/partijen")
    slashed = await client.get("/klantinteracties/api/v1/partijen/")
    assert plain.status_code == slashed.status_code == 200
    assert plain.json()["count"] == slashed.json()["count"]
    detail = plain.json()["results"][0]["url"].replace("http://testserver", "")
    assert (await client.get(detail + "/")).status_code == 200


async def test_unknown_object_and_unknown_path_are_404(client):
    assert_problem(await client.get(f"/klantinteracties/api/v1/partijen/{uuid.uuid4()}"), 404, "not_found")
    assert_problem(await client.get("/klantinteracties/api/v1/partijen/123456782"), 404, "not_found")
    assert_problem(await client.get("/klantinteracties/api/v1/bestaatniet"), 404, "not_found")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_writes_are_405(client, method):
    listing = (await client.get("/klantinteracties/api/v1/partijen")).json()
    for path in ("/klantinteracties/api/v1/partijen", listing["results"][0]["url"].replace("http://testserver", "")):
        response = await client.request(method, path, json={})
        assert_problem(response, 405, "method_not_allowed")


async def test_tolerates_crs_headers_and_a_body_on_get(client):
    response = await client.request(
        "GET",
        "/klantinteracties/api/v1/partijen",
        headers={"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326", "Content-Type": "application/json"},
        content=b"",
    )
    assert response.status_code == 200
    response = await client.request("GET", "/klantinteracties/api/v1/partijen", content=b'{"ignored": true}')
    assert response.status_code == 200


async def test_problem_json_media_type_on_request(client):
    response = await client.get("/klantinteracties/api/v1/partijen?x=1", headers={"Accept": "application/problem+json"})
    assert response.headers["content-type"] == "application/problem+json"
