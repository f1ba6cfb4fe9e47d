"""Every list filter the contract declares, against the demo data, driven from the spec file.

For each filter: take a record that has a value for it, ask with that value, and check that the
record is found and that every answer has the value (read independently, over HTTP); ask with a
value nothing has and get nothing. A filter the façade lacks answers 400; a filter it ignores
returns records without the value: both fail here.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import yaml

from adapters.crm_stub.adapter import CrmStubSettings, from_settings
from facade.api.app import create_app
from tests.conftest import SHARED, client_for, engine_over, requires_shared, settings
from tests.contract.filter_paths import FILTER_PATHS
from tests.support.jsonpaths import API_HOST, Follower
from tests.support.supplement import supplement

pytestmark = requires_shared()

SPEC = SHARED / "spec" / "klantinteracties-openklant-0.9.0.openapi.yaml"
CHECKED_RESULTS = 25  # per filter, the answers whose value is re-read over HTTP


def _spec_parameters() -> dict[tuple[str, str], dict]:
    if not SPEC.exists():
        return {}
    spec = yaml.safe_load(SPEC.read_text())
    found = {}
    for path, operations in spec["paths"].items():
        if "{" in path or "get" not in operations:
            continue
        for parameter in operations["get"].get("parameters", []):
            if parameter["name"] not in ("page", "pageSize", "expand"):
                found[(path.strip("/"), parameter["name"])] = parameter["schema"]
    return found


SPEC_PARAMETERS = _spec_parameters()


def spec_filters() -> list[tuple[str, str]]:
    return list(SPEC_PARAMETERS)


def _matches(op: str, value, wanted: str) -> bool:
    if op == "exact":
        return _text(value) == wanted
    if op == "icontains":
        return isinstance(value, str) and wanted.casefold() in value.casefold()
    if op in ("not_null", "non_empty"):
        present = bool(value) if op == "non_empty" else value is not None
        return present == (wanted == "true")
    if op in ("gt", "gte", "lt", "lte"):
        if value is None:
            return False
        left, right = dt.date.fromisoformat(value), dt.date.fromisoformat(wanted)
        return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]
    raise AssertionError(op)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _positive(op: str, values: list) -> str | None:
    """A filter value this record matches, or None when it has nothing to match on."""
    present = [v for v in values if v not in (None, "", [])]
    if op == "exact":
        return _text(present[0]) if present else None
    if op == "icontains":
        text = next((v for v in present if isinstance(v, str) and len(v) >= 3), None)
        return text[1:4].swapcase() if text else None
    if op == "not_null":
        return "true" if values and any(v is not None for v in values) else None
    if op == "non_empty":
        return "true" if present else None
    if op in ("gt", "gte", "lt", "lte"):
        if not present:
            return None
        day = dt.date.fromisoformat(present[0])
        shift = {"gt": -1, "gte": 0, "lt": 1, "lte": 0}[op]
        return (day + dt.timedelta(days=shift)).isoformat()
    raise AssertionError(op)


def _negative(op: str, name: str, resource_of_value: str, schema: dict) -> str | None:
    """A well-formed value that no record has (None where the type has no such value)."""
    if schema.get("enum") or schema.get("type") == "boolean":
        return None
    if schema.get("format") == "date":
        return "2999-01-01" if op in ("gt", "gte") else "1900-01-01"
    if schema.get("format") == "date-time":
        return "1900-01-01T00:00:00Z"
    if name.endswith("__uuid") or name == "uuid":
        return str(uuid.uuid4())
    if name.endswith("__url"):
        return f"{API_HOST}/klantinteracties/api/v1/{resource_of_value}/{uuid.uuid4()}"
    if op in ("exact", "icontains") and not name.startswith(("indicatie", "is", "vertrouwelijk")):
        return "zz-geen-overeenkomst-zz"
    if op in ("gt", "gte"):
        return "2999-01-01"
    if op in ("lt", "lte"):
        return "1900-01-01"
    return None


def test_every_spec_filter_has_a_test_side_meaning():
    missing = [(resource, name) for resource, name in spec_filters() if name not in FILTER_PATHS[resource]]
    assert not missing


@pytest.fixture
async def filter_client():
    """The CRM demo, plus a few hand-made records for what its model cannot hold."""
    sources = [("crm", from_settings(CrmStubSettings())), ("aanvulling", supplement())]
    config = settings([{"name": n, "kind": "crm_stub"} for n, _ in sources])
    async with client_for(create_app(config, engine_over(sources))) as client:
        yield client


@pytest.mark.parametrize(("resource", "name"), spec_filters())
async def test_filter(filter_client, resource, name):
    demo_client = filter_client
    path, op = FILTER_PATHS[resource][name]
    follow = Follower(demo_client)
    records = await follow.all_pages(f"/klantinteracties/api/v1/{resource}", {"pageSize": "500"})
    assert records, f"the demo data has no {resource}"
    chosen, wanted = None, None
    for record in records:
        wanted = _positive(op, await follow.values(record, path))
        if wanted is not None:
            chosen = record
            break
    assert chosen is not None, f"no demo record of {resource} has a value for {name}"
    if name.endswith("__url") and not wanted.startswith("http"):
        wanted = next(v for v in await follow.values(chosen, path.replace(".uuid", ".url")) if v)

    found = await follow.all_pages(f"/klantinteracties/api/v1/{resource}", {name: wanted, "pageSize": "500"})
    assert chosen["uuid"] in {r["uuid"] for r in found}, f"{name}={wanted} does not find its own record"
    for record in found[:CHECKED_RESULTS]:
        values = await follow.values(record, path)
        assert any(_matches(op, v, wanted) for v in values), f"{name}={wanted} answered {record['url']}: {values}"
    if len(found) == len(records) and op not in ("not_null", "non_empty"):
        pytest.fail(f"{name} matched every {resource}: the test data cannot show that it filters")

    target = path.split("->")[-1].split(".")[0].split(":")[0].removeprefix("<-").removesuffix("[]")
    negative = _negative(op, name, _resource_named(resource, target), SPEC_PARAMETERS[(resource, name)])
    if negative is not None:
        response = await demo_client.get(f"/klantinteracties/api/v1/{resource}", params={name: negative})
        assert response.status_code == 200, response.text
        assert response.json()["count"] == 0, f"{name}={negative} should match nothing"


_FIELD_RESOURCES = {
    "hadBetrokkenen": "betrokkenen",
    "wasPartij": "partijen",
    "gingOverOnderwerpobjecten": "onderwerpobjecten",
    "onderwerpobjecten": "onderwerpobjecten",
    "vertegenwoordigingen": "partijen",
    "verstrektDoorBetrokkene": "betrokkenen",
    "verstrektDoorPartij": "partijen",
    "vertegenwoordigendePartij": "partijen",
    "vertegenwoordigdePartij": "partijen",
    "hadKlantcontact": "klantcontacten",
    "digitaleAdressen": "digitaleadressen",
    "klantcontact": "klantcontacten",
    "wasKlantcontact": "klantcontacten",
    "actor": "actoren",
    "toegewezenAanActoren": "actoren",
    "aanleidinggevendKlantcontact": "klantcontacten",
    "partij": "partijen",
    "categorie": "categorieen",
}


def _resource_named(resource: str, field: str) -> str:
    return _FIELD_RESOURCES.get(field, resource)
