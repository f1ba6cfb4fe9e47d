"""Our answers have the shape of real Open Klant answers recorded by real clients.

For every recorded successful GET in ../shared/acceptance/cassettes, the same kind of request
(resource, list or detail, same `expand`) against the demo is compared with it: the same
envelope, the recorded fields present (where the 0.9.0 contract still has them), no field the
contract lacks, the same nesting, and an empty value empty in the same way (`""` vs `null` vs
`[]` vs an object).
"""

from __future__ import annotations

import json
import urllib.parse
from functools import cache
from pathlib import Path

import pytest
import yaml

from facade.conformance.contract import patched_contract
from tests.conftest import SHARED, requires_shared

pytestmark = requires_shared()

CASSETTES = SHARED / "acceptance" / "cassettes"


def recorded_gets() -> list[tuple[str, str, dict, object]]:
    """(cassette, path after /api/v1/, query, body) of every recorded 200 JSON GET."""
    if not CASSETTES.exists():
        return []
    found = []
    for file in sorted(CASSETTES.rglob("*.yaml")):
        for interaction in yaml.safe_load(file.read_text())["interactions"]:
            request, response = interaction["request"], interaction["response"]
            content_type = response["headers"].get("Content-Type", [""])[0]
            if request["method"] != "GET" or response["status"]["code"] != 200 or "json" not in content_type:
                continue
            url = urllib.parse.urlsplit(request["uri"])
            path = url.path.split("/api/v1/", 1)[1].strip("/")
            if not path:
                continue
            body = json.loads(response["body"]["string"])
            found.append((str(file.relative_to(CASSETTES)), path, dict(urllib.parse.parse_qsl(url.query)), body))
    return found


def _resolve(schema: dict, document: dict) -> dict:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _resolve(document["components"]["schemas"][name], document)
    return schema


@cache
def contract_fields(schema_name: str) -> frozenset[str]:
    """Property names of a schema, through allOf/anyOf (the polymorphic partij and actor)."""
    document = patched_contract()
    names: set[str] = set()

    def collect(schema: dict) -> None:
        schema = _resolve(schema, document)
        names.update(schema.get("properties", {}))
        for key in ("allOf", "anyOf", "oneOf"):
            for part in schema.get(key, []):
                collect(part)

    collect({"$ref": f"#/components/schemas/{schema_name}"})
    return frozenset(names)


RESOURCE_SCHEMAS = {
    "partijen": "Partij",
    "partij-identificatoren": "PartijIdentificator",
    "digitaleadressen": "DigitaalAdres",
    "klantcontacten": "Klantcontact",
    "betrokkenen": "Betrokkene",
    "onderwerpobjecten": "Onderwerpobject",
    "actoren": "Actor",
    "internetaken": "InterneTaak",
}
EXPANDED_SCHEMAS = {
    "digitaleAdressen": "DigitaalAdres",
    "betrokkenen": "Betrokkene",
    "hadKlantcontact": "Klantcontact",
    "hadBetrokkenen": "Betrokkene",
    "wasPartij": "Partij",
    "leiddeTotInterneTaken": "InterneTaak",
    "gingOverOnderwerpobjecten": "Onderwerpobject",
    "categorieRelaties": "CategorieRelatie",
}


def _kind(value) -> str:
    if value is None:
        return "null"
    if value == "":
        return "empty-string"
    if value == []:
        return "empty-list"
    return type(value).__name__


def compare(recorded, ours, schema: str | None, where: str, problems: list[str]) -> None:
    if isinstance(recorded, dict) and isinstance(ours, dict):
        allowed = contract_fields(schema) | {"_expand"} if schema else None
        other_kind = any(d in recorded and d in ours and recorded[d] != ours[d] for d in ("soortPartij", "soortActor"))
        for key, value in recorded.items():
            if allowed is not None and key not in allowed:
                continue  # a field of an older API version, not in 0.9.0
            if other_kind and key in ("partijIdentificatie", "actorIdentificatie"):
                continue  # polymorphic: compared between objects of the same kind only
            if key not in ours:
                problems.append(f"{where}.{key}: recorded, missing in ours")
                continue
            child = EXPANDED_SCHEMAS.get(key) if key != "_expand" and where.endswith("_expand") else None
            compare(value, ours[key], child, f"{where}.{key}", problems)
        if allowed is not None:
            problems.extend(f"{where}.{key}: not in the contract" for key in ours if key not in allowed)
        return
    if isinstance(recorded, list) and isinstance(ours, list):
        if recorded and ours:
            compare(recorded[0], ours[0], schema, f"{where}[0]", problems)
        return
    kinds = {_kind(recorded), _kind(ours)}
    if (
        kinds & {"null", "empty-string", "empty-list"}
        and len(kinds) == 2
        and not kinds & {"str", "int", "bool", "dict", "list"}
    ) or ("dict" in kinds and len(kinds) == 2 and "null" not in kinds):
        problems.append(f"{where}: recorded {_kind(recorded)}, ours {_kind(ours)}")


@pytest.mark.parametrize(("cassette", "path", "query", "recorded"), recorded_gets(), ids=lambda v: str(v)[:60])
async def test_same_shape_as_recorded(demo_client, cassette, path, query, recorded):
    resource, _, detail = path.partition("/")
    schema = RESOURCE_SCHEMAS.get(resource)
    params = {"expand": query["expand"]} if "expand" in query else {}
    listing = (await demo_client.get(f"/klantinteracties/api/v1/{resource}", params={**params, "pageSize": 500})).json()
    if detail:
        kind = {d: recorded[d] for d in ("soortPartij", "soortActor") if d in recorded}
        candidates = [o for o in listing["results"] if all(o.get(d) == v for d, v in kind.items())][:3]
        our_objects = [
            (await demo_client.get(o["url"].replace("http://testserver", ""), params=params)).json() for o in candidates
        ]
        recorded_objects = [recorded]
    else:
        assert set(listing) == set(recorded) == {"count", "next", "previous", "results"}
        recorded_objects, our_objects = recorded["results"], listing["results"]
    if not detail and recorded_objects:
        assert listing["results"], f"the demo has no {resource}"
    problems: list[str] = []
    if recorded_objects and our_objects:
        for recorded_object in recorded_objects:
            kind = {d: recorded_object[d] for d in ("soortPartij", "soortActor") if d in recorded_object}
            same_kind = [o for o in our_objects if all(o.get(d) == v for d, v in kind.items())]
            assert same_kind, f"the demo has no {resource} of kind {kind} to compare with"
            for ours in same_kind[:5]:
                compare(recorded_object, ours, schema, resource, problems)
    assert not sorted(set(problems)), f"{cassette}: " + "; ".join(sorted(set(problems))[:15])


def test_cassettes_are_there():
    assert len(recorded_gets()) > 20, Path(CASSETTES)
