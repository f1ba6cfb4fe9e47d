"""HTTP at the edges (issue 13, items 11 and 12): HEAD and OPTIONS as Open Klant answers them, an
`Allow` that lists only what is allowed, one spelling per typed value, body limits also for
chunked bodies, and the limits stated in the served OpenAPI document. Over real HTTP: the façade
under uvicorn on loopback.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from facade.api.app import build_engine, create_app
from tests.conftest import AUTH, settings
from tests.support.fault_server import serving

API = "/klantinteracties/api/v1"
READ_ONLY = "GET, HEAD, OPTIONS"
# as Open Klant's own answers say it (the cassettes), for a collection whose source takes writes
ON_LIST = "GET, POST, HEAD, OPTIONS"
ON_DETAIL = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"


@pytest.fixture(scope="module")
def base():
    config = settings()
    with serving(create_app(config, build_engine(config))) as url:
        yield url


@pytest.fixture(scope="module")
def http(base):
    with httpx.Client(base_url=base, headers=AUTH, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def known(http):
    """A partij and a betrokkene that exist, by UUID."""
    partij = http.get(f"{API}/partijen", params={"pageSize": 1}).json()["results"][0]["uuid"]
    betrokkene = http.get(f"{API}/betrokkenen", params={"pageSize": 1}).json()["results"][0]["uuid"]
    return {"partij": partij, "betrokkene": betrokkene}


def paths(known) -> dict[str, str]:
    """Paths of every kind, with the `Allow` each must answer."""
    return {
        "/healthz": READ_ONLY,
        "/readyz": READ_ONLY,
        f"{API}/": READ_ONLY,
        f"{API}/schema/openapi.json": READ_ONLY,
        f"{API}/partijen": ON_LIST,
        f"{API}/partijen/": ON_LIST,
        f"{API}/partijen/{known['partij']}": ON_DETAIL,
    }


# --- 11. HEAD, OPTIONS, Allow ------------------------------------------------------------------------


def test_head_is_get_without_a_body(http, known):
    for path in paths(known):
        get, head = http.get(path), http.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"], path
        assert head.headers["content-length"] == get.headers["content-length"], path
    refused = http.head(f"{API}/partijen", headers={"Authorization": ""})
    assert refused.status_code == 401 and refused.content == b""


def test_options_says_what_is_allowed(http, known):
    for path, allow in paths(known).items():
        response = http.options(path)
        assert response.status_code == 200, path
        assert response.headers["allow"] == allow, path
    described = http.options(f"{API}/partijen").json()
    assert described["name"] == "partijen" and described["renders"] == ["application/json"]
    assert http.options(f"{API}/partijen", headers={"Authorization": ""}).status_code == 401
    assert http.options(f"{API}/bestaatniet").status_code == 404


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS"])
def test_a_405_allows_only_what_is_answered(http, known, method):
    """Every method not in `Allow` is a 405 with that same `Allow`; every safe one in it is answered."""
    for path, allow in paths(known).items():
        allowed = [m.strip() for m in allow.split(",")]
        if method not in allowed:
            response = http.request(method, path)
            assert response.status_code == 405, (method, path)
            assert response.headers["allow"] == allow, (method, path)
        elif method in ("GET", "HEAD", "OPTIONS"):
            assert http.request(method, path).status_code != 405, (method, path)


# --- 12. one spelling per typed value --------------------------------------------------------------


def spellings(value: str) -> list[str]:
    """The other ways Python's `uuid.UUID` reads a UUID: each is refused."""
    return [f"urn:uuid:{value}", f"{{{value}}}", value.replace("-", ""), f" {value}"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page", " 1"),
        ("page", "１"),
        ("page", "1_0"),
        ("page", "+2"),
        ("pageSize", "٥"),
        ("pageSize", "5 "),
        ("indicatieActief", "ｔｒｕｅ"),
        ("indicatieActief", "yes"),
    ],
)
def test_numbers_and_booleans_in_one_spelling(http, name, value):
    response = http.get(f"{API}/partijen", params={name: value})
    assert response.status_code == 400, (name, value)
    assert response.json()["invalidParams"][0]["name"] == name


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("verificatieDatum", "２０２４-01-01"),
        ("verificatieDatum", "20240101"),
        ("verificatieDatum", "2024-W01-1"),
        ("verificatieDatum__gt", "2024-01-01T00:00:00Z"),
    ],
)
def test_dates_in_one_spelling(http, name, value):
    assert http.get(f"{API}/digitaleadressen", params={name: value}).status_code == 400


@pytest.mark.parametrize(
    "value", ["2031-01-01T10:00:00", "2031-01-01T10:00Z", "2031-01-01 10:00:00+01:00", "2031-01-01T10:00:00+0100"]
)
def test_a_date_time_is_rfc_3339_or_a_date(http, value):
    assert http.get(f"{API}/klantcontacten", params={"plaatsgevondenOp": value}).status_code == 400
    for accepted in ("2031-01-01T10:00:00Z", "2031-01-01t10:00:00.5+01:00", "2031-01-01"):
        assert http.get(f"{API}/klantcontacten", params={"plaatsgevondenOp": accepted}).status_code == 200


def test_uuids_in_filters_and_url_filters_in_one_spelling(http, base, known):
    betrokkene = known["betrokkene"]
    prefix = f"{base}{API}/betrokkenen/"
    assert http.get(f"{API}/klantcontacten", params={"hadBetrokkene__uuid": betrokkene.upper()}).json()["count"] >= 1
    assert http.get(f"{API}/klantcontacten", params={"hadBetrokkene__url": prefix + betrokkene}).json()["count"] >= 1
    for spelling in spellings(betrokkene):
        response = http.get(f"{API}/klantcontacten", params={"hadBetrokkene__uuid": spelling})
        assert response.status_code == 400, spelling
        response = http.get(f"{API}/klantcontacten", params={"hadBetrokkene__url": prefix + spelling})
        assert response.status_code == 400, spelling


def test_uuids_in_paths_in_one_spelling(http, known):
    partij = known["partij"]
    assert http.get(f"{API}/partijen/{partij.upper()}").status_code == 200
    for spelling in spellings(partij)[:3]:
        assert http.get(f"{API}/partijen/{spelling}").status_code == 404, spelling


def test_a_body_over_the_limit_is_a_413_also_when_chunked(http):
    def chunks(size: int):
        for _ in range(size // 4096):
            yield b"x" * 4096

    assert http.request("GET", f"{API}/partijen", content=chunks(70 * 1024)).status_code == 413
    assert http.request("GET", f"{API}/partijen", content=b"x" * (70 * 1024)).status_code == 413
    small = http.request("GET", f"{API}/partijen", content=chunks(8 * 1024))
    assert small.status_code == 200, "a small chunked body is read and ignored, as before"


def test_the_served_document_states_the_limits(http, base):
    document = http.get(f"{API}/schema/openapi.json").json()
    assert document["servers"] == [{"url": f"{base}{API}"}]
    operation = document["paths"]["/klantcontacten"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["expand"]["maxItems"] == 20 and "" in parameters["expand"]["items"]["enum"]
    assert parameters["hadBetrokkene__url"]["pattern"].startswith("^" + base.replace(".", "\\."))
    assert parameters["vertrouwelijk"]["pattern"]
    assert "expand=," in document["info"]["description"]
    # and the façade holds to them: `expand=,` means nothing, 21 values are too many
    assert http.get(f"{API}/klantcontacten", params={"expand": ","}).status_code == 200
    too_many = ",".join(["hadBetrokkenen"] * 21)
    assert http.get(f"{API}/klantcontacten", params={"expand": too_many}).status_code == 400
    assert http.get(f"{API}/klantcontacten", params={"expand": " hadBetrokkenen"}).status_code == 400


def test_an_unknown_uuid_is_still_404(http):
    assert http.get(f"{API}/partijen/{uuid.uuid4()}").status_code == 404
