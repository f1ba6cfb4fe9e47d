"""The OpenAPI document the façade serves: the contract it really implements.

Built from Open Klant's 0.9.0 document (kept in `facade/contract/`, the contract we implement):
only the operations we serve (the GETs, the API root, and the writes this deployment's sources
take), the query parameters from our own filter tables, our error responses and headers, and a
description of where we deliberately differ.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources as package_resources
from typing import Any

import yaml

from facade.config import Settings
from mapping.contract import API_PREFIX, API_VERSION, PAGE_SIZE_MAX, RESOURCES, FilterDef

DIFFERENCES = """
This is the Klantinteracties façade: it answers Open Klant 2's read contract (API 0.9.0) live from
existing applications and stores nothing. Where it deliberately differs from Open Klant:

* Writes go to the application that holds the data: only the writes some configured source takes
  are served (others answer 405), a field that source cannot hold is a 400, and a reference into
  another application is a 400 naming the field (a partij known elsewhere by a BSN, KvK number or
  vestigingsnummer is first created there). A POST with an `Idempotency-Key` header creates its
  object once. `DELETE /onderwerpobjecten/{uuid}?cascade=true` is not offered.
* Stricter parameters: an unknown, empty or conflicting repeated parameter, a malformed boolean,
  date or UUID, and a non-integer `page` are a 400 (Open Klant ignores some of these or answers 404).
* Filters on one identificator (`partijIdentificator__*`, `…onderwerpobjectidentificator*`)
  must all hold for one and the same identificator (Open Klant matches each part separately).
* The old identificator codes `inp`, `nnp`, `kvk`, `vtn` are accepted as aliases of the current ones.
* Actors and zaak onderwerpobjecten are shown in the identificator codes of the calling client's
  profile (KISS `mdw/msei/email` and `zgw-Zaak/openzaak/uuid`, ZAC `zaak/open-zaak/uuid`, ...), and
  `actoridentificator*` and `…onderwerpobjectidentificator*` filters find them in the codes of any
  known profile (a medewerker by e-mail or id, a zaak by UUID or identificatie).
* Every klantcontact has a `nummer`; where the application has none that fits, one is derived.
* `expand` with a dotted value also expands its parents.
* URL-valued filters must point at this API.
* A partij known in several applications by the same BSN, KvK number or vestigingsnummer is one
  partij (see the README).
* When a source fails, an ordinary list is answered without it and says so in the
  `Facade-Incomplete` header; a lookup by identificator or a detail GET is then a 503.
""".strip()


_ADDRESS_SCHEMAS = ("PartijBezoekadres", "PartijCorrespondentieadres", "Bezoekadres", "BetrokkeneCorrespondentieadres")
EMPTY_STRING_FIELDS: dict[str, tuple[str, ...]] = {
    **{name: ("postcode", "nummeraanduidingId", "land") for name in _ADDRESS_SCHEMAS},
    "DigitaalAdres": ("referentie",),
    "Klantcontact": ("hoofdOnderwerpType",),
    "Medewerker": ("telefoonnummer", "emailadres"),
    "OrganisatorischeEenheid": ("telefoonnummer", "emailadres"),
}
"""Optional strings answered as "" although their pattern/format forbids it, as Open Klant does (ADR 3)."""


def as_really_implemented(document: dict[str, Any]) -> dict[str, Any]:
    """The contract's schemas as we (and Open Klant) really answer, for validators to check:
    "" where ADR 3 says so; `oneOf`+discriminator as `anyOf` (the kinds' schemas overlap, so a
    validator that ignores the discriminator would reject every valid partij); and an OAS 3.0
    `{allOf: [$ref], nullable: true}` as "the object or null"."""
    schemas = document["components"]["schemas"]
    for name, fields in EMPTY_STRING_FIELDS.items():
        for field in fields:
            original = schemas[name]["properties"][field]
            schemas[name]["properties"][field] = {"anyOf": [original, {"type": "string", "maxLength": 0}]}
    for schema in schemas.values():
        if "oneOf" in schema:
            schema["anyOf"] = schema.pop("oneOf")
            schema.pop("discriminator", None)
    _nullable_refs(document)
    return document


def _nullable_refs(node: Any) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _nullable_refs(value)
        if node.get("nullable") and "allOf" in node:
            all_of = node.pop("allOf")
            node["anyOf"] = [{"allOf": all_of}, {"enum": [None], "nullable": True}]
    elif isinstance(node, list):
        for value in node:
            _nullable_refs(value)


@cache
def contract_document() -> dict[str, Any]:
    """Open Klant's 0.9.0 document as packaged (read-only: copy before changing it)."""
    text = package_resources.files("facade.contract").joinpath("openklant-0.9.0.openapi.yaml").read_text()
    return yaml.safe_load(text)


def _parameter(definition: FilterDef, upstream: dict[str, dict]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "boolean" if definition.type == "boolean" else "string"}
    if definition.type != "boolean":
        schema["minLength"] = 1  # an empty filter value is refused (ADR 5)
    if definition.type in ("uuid", "uri", "date", "date-time"):
        schema["format"] = definition.type
    if definition.enum:
        schema["enum"] = list(definition.enum)
    original = upstream.get(definition.name, {})
    return {
        "in": "query",
        "name": definition.name,
        "schema": schema,
        "description": original.get("description", definition.description) or definition.name,
    }


_PAGING = [
    {
        "in": "query",
        "name": "page",
        "schema": {"type": "integer", "minimum": 1},
        "description": "Een pagina binnen de gepagineerde set resultaten.",
    },
    {
        "in": "query",
        "name": "pageSize",
        "schema": {"type": "integer", "minimum": 1},
        "description": f"Het aantal resultaten per pagina (standaard 100, grotere waarden worden {PAGE_SIZE_MAX}).",
    },
]

_PROBLEM = {
    "type": "object",
    "required": ["type", "code", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "code": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "invalidParams": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "code": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}


_INCOMPLETE_HEADERS = {
    "Facade-Incomplete": {
        "description": "Alleen bij een onvolledig antwoord: de bronnen die niet konden antwoorden, met de soort "
        "reden, bijvoorbeeld `zaaksysteem;reason=timeout, crm;reason=breaker-open`. Redenen: timeout, "
        "unavailable, rejected, invalid-response, breaker-open.",
        "schema": {"type": "string"},
    },
    "Warning": {"description": "`299` met dezelfde melding in woorden.", "schema": {"type": "string"}},
}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Fout"}}},
            "headers": {"API-version": {"schema": {"type": "string"}}},
        }
        for status, description in (
            (400, "Ongeldige parameters."),
            (401, "Niet of verkeerd geauthenticeerd."),
            (403, "Geen toestemming."),
            (404, "Niet gevonden."),
            (405, "Methode niet toegestaan."),
            (409, "Het object staat in meerdere bronnen."),
            (413, "De body is te groot."),
            (415, "De body is geen JSON."),
            (422, "De Idempotency-Key hoort bij een ander verzoek."),
            (502, "Een bronapplicatie weigerde of de schrijfopdracht is gedeeltelijk uitgevoerd (zie remaining)."),
            (503, "Een bronapplicatie die het antwoord kan bevatten is niet beschikbaar; zie Retry-After."),
            (504, "Een bronapplicatie antwoordde niet op tijd; of de wijziging is vastgelegd, is onbekend."),
        )
        if status in statuses
    }


_WRITE_ERRORS = (400, 401, 403, 404, 405, 409, 413, 415, 502, 503, 504)
_IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Een zelfgekozen sleutel: een herhaalde POST met dezelfde sleutel en body maakt geen tweede object.",
}


def _write_operations(upstream: dict[str, Any], path: str, methods: list[str]) -> dict[str, Any]:
    """The contract's write operations of one path that this deployment routes."""
    operations = {}
    for method in methods:
        if method == "GET":
            continue
        operation = copy.deepcopy(upstream["paths"][path][method.lower()])
        operation["responses"].update(_errors(*_WRITE_ERRORS, *((422,) if method == "POST" else ())))
        if method == "POST":
            operation["parameters"] = [*operation.get("parameters", []), _IDEMPOTENCY_KEY]
        operations[method.lower()] = operation
    return operations


def build_openapi(settings: Settings, routed: dict[str, tuple[list[str], list[str]]] | None = None) -> dict[str, Any]:
    """The served document; `routed`: per collection, the methods of its list and detail paths."""
    routed = routed or {}
    upstream = as_really_implemented(copy.deepcopy(contract_document()))
    document: dict[str, Any] = {
        "openapi": upstream["openapi"],
        "info": {**upstream["info"], "version": API_VERSION, "description": DIFFERENCES},
        "servers": [{"url": (settings.public_base_url or "") + API_PREFIX}],
        "security": [{"tokenAuth": []}],
        "paths": {},
        "components": upstream["components"],
    }
    document["components"]["schemas"]["Fout"] = _PROBLEM
    document["paths"]["/"] = {
        "get": {
            "operationId": "apiRoot",
            "summary": "De URL's van alle collecties.",
            "security": [],
            "responses": {
                "200": {
                    "description": "",
                    "content": {
                        "application/json": {"schema": {"type": "object", "additionalProperties": {"type": "string"}}}
                    },
                }
            },
        }
    }
    for resource in RESOURCES.values():
        list_path, detail_path = f"/{resource.name}", f"/{resource.name}/{{uuid}}"
        list_op = copy.deepcopy(upstream["paths"][list_path]["get"])
        detail_op = copy.deepcopy(upstream["paths"][detail_path]["get"])
        by_name = {p["name"]: p for p in list_op.get("parameters", [])}
        parameters = [_parameter(definition, by_name) for definition in resource.filters.values()]
        expand = [p for p in list_op.get("parameters", []) if p["name"] == "expand"]
        list_op["parameters"] = parameters + _PAGING + expand
        list_op["responses"].update(_errors(400, 401, 404, 503))
        list_op["responses"]["200"].setdefault("headers", {}).update(_INCOMPLETE_HEADERS)
        detail_op["responses"].update(_errors(400, 401, 404, 503))
        on_list, on_detail = routed.get(resource.name, (["GET"], ["GET"]))
        document["paths"][list_path] = {"get": list_op, **_write_operations(upstream, list_path, on_list)}
        document["paths"][detail_path] = {"get": detail_op, **_write_operations(upstream, detail_path, on_detail)}
    if "POST" in routed.get("klantcontacten", ([], []))[0]:
        document["paths"]["/maak-klantcontact"] = _write_operations(upstream, "/maak-klantcontact", ["POST"])
    return document
