"""Privacy at the edges (issue 13, items 1-5): a BSN is a BSN in every identificator, filters obey
read permissions, every BSN a request processes is in its one processing-log line, error bodies
and logs never hold a client's or a source's values.

The façade runs over the CRM demo and a Klantinteracties register on loopback that holds BSNs in
every identificator kind, under many spellings; restricted clients ask.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Collection

import pytest
from pydantic import SecretStr

from adapters.crm_stub.adapter import CrmStubSettings
from adapters.crm_stub.adapter import from_settings as crm_from_settings
from adapters.protocol import Adapter, ListPage, ListQuery
from facade.api.app import build_engine, create_app
from facade.api.privacy import WITHHELD
from mapping.ki import Partij
from tests.conftest import PROCESSING_LOG_KEY, TOKEN, app_over, client_for, clients_with_tokens, settings
from tests.support.hostile_upstream import API, identificator, klantcontact, persoon, register_source, served

HENK_BSN = "999993653"
OTHER_BSN = "999990019"
FULL_WIDTH_BSN = "９９９９９３６５３"
ZAAK = "5d2b8f0e-3c1a-4e9b-8a7f-2c6d1e0f9b3a"
TOKENS = {
    "kcc": TOKEN,
    "portaal": "portaal-token-0123456789",
    "balie": "balie-token-0123456789",
    "lezer": "lezer-token-0123456789",
}


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


# Identificators that hold a BSN, as upstreams write them (Open Klant's own OAS example for an
# actor is BRP / INGESCHREVEN NATUURLIJK PERSOON / Burgerservicenummer).
BSN_IDENTIFICATORS = [
    identificator("bsn", HENK_BSN, "natuurlijk_persoon", "brp"),
    identificator("Burgerservicenummer", OTHER_BSN, "INGESCHREVEN NATUURLIJK PERSOON", "BRP"),
    identificator("ＢＳＮ", HENK_BSN),
    identificator("inp.bsn", OTHER_BSN),
    identificator("", HENK_BSN, "natuurlijk_persoon"),
    identificator("", OTHER_BSN),
    identificator("nummer", HENK_BSN),
    # a kind that no bare number can be shields nothing: nine digits there are no UUID or e-mail
    identificator("uuid", HENK_BSN, "zaak", "open-zaak"),
    identificator("email", OTHER_BSN, "mdw", "msei"),
]
ZAAK_IDENTIFICATOR = identificator("uuid", ZAAK, "zaak", "open-zaak")


def register_records() -> dict[str, list]:
    onderwerpobjecten = [
        {"uuid": _uuid(100 + i), "klantcontact": None, "wasKlantcontact": None, "onderwerpobjectidentificator": ident}
        for i, ident in enumerate([*BSN_IDENTIFICATORS, ZAAK_IDENTIFICATOR])
    ]
    bijlagen = [
        {"uuid": _uuid(200 + i), "wasBijlageVanKlantcontact": None, "bijlageidentificator": ident}
        for i, ident in enumerate([*BSN_IDENTIFICATORS, ZAAK_IDENTIFICATOR])
    ]
    actoren = [
        {"uuid": _uuid(300 + i), "naam": f"Actor {i}", "soortActor": "medewerker", "actoridentificator": ident}
        for i, ident in enumerate(BSN_IDENTIFICATORS)
    ]
    contact = klantcontact(_uuid(400), "2031-01-01T10:00:00Z", "Over een burger", hadBetrokkenActoren=[actoren[1]])
    return {
        "onderwerpobjecten": onderwerpobjecten,
        "bijlagen": bijlagen,
        "actoren": actoren,
        "klantcontacten": [contact],
        "partijen": [persoon(_uuid(500), HENK_BSN, "de Bruin")],
    }


@pytest.fixture
def register():
    with served(register_records()) as upstream:
        yield upstream


@pytest.fixture
def log_path(processing_log_path):
    return processing_log_path


@pytest.fixture
async def clients(register, log_path, monkeypatch):
    monkeypatch.setenv("T_REGISTER_TOKEN", "register-token-0123456789")
    config = settings(
        [{"name": "crm", "kind": "crm_stub"}, register_source(register.base, timeout=5, failure_threshold=100)],
        clients=[
            {"name": "kcc", "token": SecretStr(TOKENS["kcc"]), "permissions": {"bsn": True}},
            {"name": "portaal", "token": SecretStr(TOKENS["portaal"]), "permissions": {"read": ["partijen"]}},
            {"name": "balie", "token": SecretStr(TOKENS["balie"]), "permissions": {"read": ["klantcontacten"]}},
            {"name": "lezer", "token": SecretStr(TOKENS["lezer"]), "permissions": {"read": "*"}},
        ],
        processing_log={"sink": "file", "path": str(log_path), "key": SecretStr(PROCESSING_LOG_KEY)},
    )
    async with clients_with_tokens(create_app(config, build_engine(config)), TOKENS) as opened:
        yield opened


def records(log_path) -> list[dict]:
    return [json.loads(line) for line in log_path.read_text().splitlines()] if log_path.exists() else []


def hashed(bsn: str) -> str:
    return hmac.new(PROCESSING_LOG_KEY.encode(), bsn.encode(), hashlib.sha256).hexdigest()


def record_of(log_path, response) -> dict:
    """The one processing-log line of this request."""
    (found,) = [r for r in records(log_path) if r["trace_id"] == response.headers["X-Request-ID"]]
    return found


# --- 1. a BSN is a BSN wherever it stands ---------------------------------------------------------


@pytest.mark.parametrize(
    ("collection", "group"),
    [
        ("onderwerpobjecten", "onderwerpobjectidentificator"),
        ("bijlagen", "bijlageidentificator"),
        ("actoren", "actoridentificator"),
    ],
)
async def test_every_identificator_kind_withholds_a_bsn_in_any_spelling(clients, collection, group):
    response = await clients["lezer"].get(f"{API}/{collection}", params={"pageSize": 500})
    assert response.status_code == 200
    assert HENK_BSN not in response.text and OTHER_BSN not in response.text
    assert FULL_WIDTH_BSN not in response.text
    values = {r[group]["objectId"] for r in response.json()["results"] if r[group]["codeSoortObjectId"] != "uuid"}
    assert WITHHELD in values
    register_values = [
        r[group] for r in response.json()["results"] if r[group]["objectId"] in (WITHHELD, ZAAK) and r[group]
    ]
    assert len([g for g in register_values if g["objectId"] == WITHHELD]) == len(BSN_IDENTIFICATORS)
    if collection != "actoren":
        assert any(g["objectId"] == ZAAK for g in register_values), "a zaak's identificator stays visible"
    # a client with the permission sees them
    full = await clients["kcc"].get(f"{API}/{collection}", params={"pageSize": 500})
    assert HENK_BSN in full.text and OTHER_BSN in full.text


async def test_an_actor_inside_a_klantcontact_withholds_its_bsn(clients):
    response = await clients["lezer"].get(f"{API}/klantcontacten", params={"onderwerp": "Over een burger"})
    (contact,) = response.json()["results"]
    assert contact["hadBetrokkenActoren"][0]["actoridentificator"]["objectId"] == WITHHELD
    assert OTHER_BSN not in response.text


@pytest.mark.parametrize(
    ("collection", "params"),
    [
        ("onderwerpobjecten", {"onderwerpobjectidentificatorObjectId": HENK_BSN}),
        ("onderwerpobjecten", {"onderwerpobjectidentificatorObjectId": FULL_WIDTH_BSN}),
        ("onderwerpobjecten", {"onderwerpobjectidentificatorObjectId": " 999993653 "}),
        (
            "onderwerpobjecten",
            {"onderwerpobjectidentificatorCodeSoortObjectId": "BSN", "onderwerpobjectidentificatorObjectId": "x1"},
        ),
        ("bijlagen", {"bijlageidentificatorObjectId": HENK_BSN}),
        ("actoren", {"actoridentificatorCodeSoortObjectId": "Burgerservicenummer", "actoridentificatorObjectId": "1"}),
        ("actoren", {"actoridentificatorCodeSoortObjectId": "email", "actoridentificatorObjectId": OTHER_BSN}),
        (
            "onderwerpobjecten",
            {
                "onderwerpobjectidentificatorCodeSoortObjectId": "uuid",
                **{"onderwerpobjectidentificatorObjectId": HENK_BSN},
            },
        ),
        ("klantcontacten", {"onderwerpobject__onderwerpobjectidentificatorObjectId": HENK_BSN}),
        ("klantcontacten", {"wasOnderwerpobject__onderwerpobjectidentificatorObjectId": HENK_BSN}),
        ("partijen", {"partijIdentificator__codeSoortObjectId": "BSN", "partijIdentificator__objectId": HENK_BSN}),
        ("partijen", {"subIdentificatorVan__objectId": HENK_BSN}),
        ("partij-identificatoren", {"partijIdentificatorObjectId": FULL_WIDTH_BSN}),
    ],
)
async def test_a_bsn_search_in_any_identificator_needs_the_permission(clients, collection, params):
    response = await clients["lezer"].get(f"{API}/{collection}", params=params)
    assert response.status_code == 403, response.text
    assert HENK_BSN not in response.text


async def test_searching_another_kind_of_identificator_is_allowed(clients):
    response = await clients["lezer"].get(
        f"{API}/onderwerpobjecten",
        params={"onderwerpobjectidentificatorCodeSoortObjectId": "uuid", "onderwerpobjectidentificatorObjectId": ZAAK},
    )
    assert response.status_code == 200 and response.json()["count"] == 1


async def test_a_bsn_search_in_an_onderwerpobject_is_logged(clients, log_path):
    response = await clients["kcc"].get(
        f"{API}/onderwerpobjecten", params={"onderwerpobjectidentificatorObjectId": HENK_BSN}
    )
    assert response.status_code == 200 and response.json()["count"] >= 1
    subjects = record_of(log_path, response)["data_subjects"]
    assert {"type": "bsn", "id_hash": hashed(HENK_BSN), "role": "searched"} in subjects
    assert HENK_BSN not in log_path.read_text()


# --- 2. filters obey read permissions ----------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"hadBetrokkene__digitaaladres__adres__icontains": "h.de"},
        {"hadBetrokkene__digitaaladres__adres__icontains": "zzzz-nobody"},
        {"hadBetrokkene__wasPartij__partijIdentificator__codeSoortObjectId": "kvk_nummer"},
        {"hadBetrokkene__wasPartij": "true"},
        {"onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK},
    ],
)
async def test_a_filter_into_a_collection_the_client_may_not_read_is_refused(clients, params):
    response = await clients["balie"].get(f"{API}/klantcontacten", params=params)
    assert response.status_code == 403, response.text
    assert "count" not in response.json(), "no oracle: the refusal does not depend on the value"


async def test_filters_on_what_the_client_may_read_still_work(clients):
    balie = clients["balie"]
    assert (await balie.get(f"{API}/klantcontacten", params={"kanaal": "telefoon"})).status_code == 200
    listing = (await balie.get(f"{API}/klantcontacten", params={"pageSize": 500})).json()
    betrokkene = next(r["hadBetrokkenen"][0]["uuid"] for r in listing["results"] if r["hadBetrokkenen"])
    # the klantcontact itself names its betrokkenen: comparing that reference reads nothing more
    response = await balie.get(f"{API}/klantcontacten", params={"hadBetrokkene__uuid": betrokkene})
    assert response.status_code == 200 and response.json()["count"] >= 1


# --- 3. every BSN processed for a request is in its one processing-log line ------------------------


async def henk_url(client) -> str:
    body = (await client.get(f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN})).json()
    (henk,) = body["results"]
    assert len(henk["partijIdentificatoren"]) >= 1
    return henk["url"].replace("http://testserver", "")


async def test_a_filter_by_a_merged_partijs_uuid_logs_the_bsn_searched_upstream(clients, log_path):
    henk = (await henk_url(clients["kcc"])).rsplit("/", 1)[1]
    response = await clients["kcc"].get(f"{API}/klantcontacten", params={"hadBetrokkene__wasPartij__uuid": henk})
    assert response.status_code == 200 and response.json()["count"] >= 1
    record = record_of(log_path, response)
    assert hashed(HENK_BSN) in {s["id_hash"] for s in record["data_subjects"]}
    assert record["status"] == 200


async def test_a_merged_partij_detail_that_ends_in_503_is_logged(clients, register, log_path):
    url = await henk_url(clients["kcc"])
    register.failing = 500
    response = await clients["lezer"].get(url)
    assert response.status_code == 503
    record = record_of(log_path, response)
    assert record["status"] == 503
    assert hashed(HENK_BSN) in {s["id_hash"] for s in record["data_subjects"]}


async def test_the_merge_lookups_of_a_list_are_logged_for_a_client_without_bsn(clients, log_path):
    response = await clients["portaal"].get(f"{API}/partijen", params={"soortPartij": "persoon", "pageSize": 500})
    assert response.status_code == 200 and HENK_BSN not in response.text
    record = record_of(log_path, response)
    processed = {s["id_hash"] for s in record["data_subjects"] if s["role"] == "processed"}
    assert hashed(HENK_BSN) in processed
    assert not [s for s in record["data_subjects"] if s["role"] == "returned"], "withheld: not shown"


async def test_one_line_per_request_each_bsn_once_per_role(clients, log_path):
    response = await clients["kcc"].get(
        f"{API}/partijen", params={"partijIdentificator__objectId": HENK_BSN, "expand": "betrokkenen"}
    )
    record = record_of(log_path, response)
    pairs = [(s["id_hash"], s["role"]) for s in record["data_subjects"]]
    assert len(pairs) == len(set(pairs))
    assert (hashed(HENK_BSN), "searched") in pairs and (hashed(HENK_BSN), "returned") in pairs
    assert (hashed(HENK_BSN), "processed") not in pairs


# --- 4. error bodies never echo a client's value -----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{API}/partijen?partijIdentificator__objectId%3D{HENK_BSN}"),
        ("GET", f"{API}/partijen?{HENK_BSN}=1"),
        ("GET", f"{API}/partijen?bsn{HENK_BSN}=1&x=2"),
        ("GET", f"{API}/partijen?expand={HENK_BSN}"),
        ("GET", f"{API}/klantcontacten?expand=hadBetrokkenen,{HENK_BSN}"),
        ("GET", f"{API}/klantcontacten?plaatsgevondenOp={HENK_BSN}"),
        ("GET", f"{API}/klantcontacten?page={HENK_BSN}x"),
        ("GET", f"{API}/klantcontacten?hadBetrokkene__url=http://elders/{HENK_BSN}"),
        ("GET", f"{API}/partijen/{HENK_BSN}"),
        ("GET", f"{API}/{HENK_BSN}"),
        (HENK_BSN, f"{API}/partijen"),
        ("DELETE", f"{API}/partijen?partijIdentificator__objectId={HENK_BSN}"),
    ],
)
async def test_error_bodies_name_the_parameter_never_the_value(clients, method, path, caplog):
    with caplog.at_level(logging.DEBUG):
        response = await clients["kcc"].request(method, path)
    assert 400 <= response.status_code < 500, response.text
    assert HENK_BSN not in response.text
    assert not any(HENK_BSN in value for value in response.headers.values())
    assert HENK_BSN not in caplog.text, "nor in the log"


async def test_the_unknown_parameter_is_still_named_when_it_is_a_name(clients):
    response = await clients["kcc"].get(f"{API}/partijen?zoek=1&partijIdentificator__objectId%3D{HENK_BSN}")
    reason = response.json()["invalidParams"][0]["reason"]
    assert "zoek" in reason and "1 parameter(s) met een ongeldige naam" in reason


# --- 5. no exception text from an adapter or mapping reaches a log -----------------------------------


class BuggyAdapter(Adapter):
    """An adapter with a bug: its mapping raises pydantic's error, which quotes the record."""

    def __init__(self) -> None:
        self.inner = crm_from_settings(CrmStubSettings())
        self.resources = self.inner.resources

    async def list(self, query: ListQuery) -> ListPage:
        if query.resource == "partijen":
            Partij.model_validate({"key": "1", "soortPartij": "burger", "objectId": OTHER_BSN, "x": OTHER_BSN})
        return await self.inner.list(query)

    async def get_many(self, resource: str, keys: Collection[str]):
        raise KeyError(f"no such record: {OTHER_BSN}")


async def test_an_adapters_exception_text_never_reaches_the_log(caplog):
    app = app_over([("crm", crm_from_settings(CrmStubSettings())), ("buggy", BuggyAdapter())])
    async with client_for(app) as client:
        with caplog.at_level(logging.DEBUG):
            listing = await client.get(f"{API}/partijen")
            detail = await client.get(f"{API}/klantcontacten", params={"expand": "hadBetrokkenen"})
    assert listing.status_code == 200 and listing.headers["Facade-Incomplete"] == "buggy;reason=unavailable"
    assert detail.status_code == 200
    assert OTHER_BSN not in caplog.text
    assert "ValidationError at" in caplog.text, "the type and the failing fields are logged"


def test_asyncios_report_of_an_unretrieved_error_holds_no_value(caplog):
    from facade.api.app import _log_without_values

    try:
        raise ValueError(f"record {OTHER_BSN} is broken")
    except ValueError as exc:
        error = exc
    with caplog.at_level(logging.ERROR):
        _log_without_values(None, {"message": "Task exception was never retrieved", "exception": error})  # type: ignore[arg-type]
    assert "never retrieved" in caplog.text and "ValueError" in caplog.text
    assert OTHER_BSN not in caplog.text
