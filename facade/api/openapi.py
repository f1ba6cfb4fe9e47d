"""The OpenAPI document the façade serves: the contract it really implements.

Built from Open Klant's 0.9.0 document (kept in `facade/contract/`, the contract we implement):
only the operations we serve (the GETs, the API root, and the writes this deployment's sources
take), the query parameters from our own filter tables with every rule we hold them to, our
error responses and headers, and a description of where we deliberately differ.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from importlib import resources as package_resources
from typing import Any

import yaml

from facade.api.limits import MAX_BODY_BYTES, MAX_QUERY_LENGTH
from facade.engine.core import target_of
from facade.engine.params import MAX_EXPAND_DEPTH, MAX_LIST_VALUES, OBJECTTYPE_ALIASES, SOORT_ALIASES
from mapping.contract import API_PREFIX, API_VERSION, PAGE_SIZE_MAX, RESOURCES, FilterDef

DIFFERENCES = f"""
This is the Klantinteracties façade: it answers Open Klant 2's read contract (API 0.9.0) live from
existing applications and stores nothing. Where it deliberately differs from Open Klant:

* Writes go to the application that holds the data: only the writes some configured source takes
  are served (others answer 405, with an `Allow` of what is), a field that source cannot hold is a
  400, and a reference into another application is a 400 naming the field (a partij known
  elsewhere by a BSN, KvK number or vestigingsnummer is first created there). A POST with an
  `Idempotency-Key` header creates its object once. `DELETE /onderwerpobjecten/{{uuid}}?cascade=true`
  is not offered. HEAD and OPTIONS are answered as Open Klant answers them.
* Stricter parameters, each stated in its schema here: an unknown, empty or conflicting repeated
  parameter is a 400, and so is a value in any other spelling than the one declared: a boolean
  is `true`/`false`/`1`/`0` in any case, `page` and `pageSize` are ASCII digits, a UUID is
  written 8-4-4-4-12 (not `urn:uuid:`, braced or undashed; in a path such a spelling is a 404),
  a date is `JJJJ-MM-DD` and a date-time RFC 3339 (or a date). Open Klant ignores some of these.
* URL-valued filters (`…__url`) must name an object of this API: the pattern of each says which.
* `expand`: at most {MAX_LIST_VALUES} comma-separated values (empty ones, as in `expand=,`, mean
  nothing but count), at most {MAX_EXPAND_DEPTH} levels deep; a dotted value also expands its parents.
  A comma-separated filter (`categorierelatie__categorie__naam`) takes at most {MAX_LIST_VALUES} values.
* Limits: the query string is at most {MAX_QUERY_LENGTH} characters (a 400), a body at most
  {MAX_BODY_BYTES} bytes (a 413, also when sent chunked), `pageSize` above {PAGE_SIZE_MAX} is read as {PAGE_SIZE_MAX}.
* Filters on one identificator (`partijIdentificator__*`, `…onderwerpobjectidentificator*`)
  must all hold for one and the same identificator (Open Klant matches each part separately).
* The old identificator codes `inp`, `nnp`, `kvk`, `vtn` are accepted as aliases of the current ones.
* Permissions: a client reads only the collections it is allowed, also through `expand` and
  through filters that walk into another collection (403); BSNs only with BSN permission.
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
  `Facade-Incomplete` header; a lookup by identificator or a detail GET is then a 503. A cached
  answer served because its source failed carries `Warning: 110`/`111` and `Age`.
* What a request may cost the applications behind the façade is bounded: a request that would
  cost more is answered without the sources it could not ask (`reason=budget`) or is a 503
  (`request_budget`); one that takes longer than the request deadline is a 503 (`request_deadline`).
* In a plain list of partijen over several applications, `count` counts the applications'
  records: higher than the partijen listed when someone is in two of them (see the README).
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


_UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_BOOLEAN_PATTERN = "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$"
_ALIASES = {"codeObjecttype": tuple(OBJECTTYPE_ALIASES), "codeSoortObjectId": tuple(SOORT_ALIASES)}


def _literal(text: str) -> str:
    """`text` as a regular expression that matches it literally (ECMA 262 and Python alike)."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text)


def _value_schema(definition: FilterDef, resource: str, base_url: str) -> dict[str, Any]:
    """The values a filter accepts, exactly: a value the schema allows is answered, one it
    forbids is a 400 (a schema fuzzer checks both ways)."""
    if definition.type == "boolean":
        return {"type": "string", "pattern": _BOOLEAN_PATTERN}
    if definition.type == "uuid":
        return {"type": "string", "format": "uuid", "pattern": _UUID_PATTERN}
    if definition.type == "uri":
        target = target_of(resource, definition.attribute)
        prefix = _literal(f"{base_url}{API_PREFIX}/{target}/")
        return {"type": "string", "pattern": f"^{prefix}{_UUID_PATTERN[1:-1]}/?$"}
    if definition.type == "date":
        return {"type": "string", "format": "date"}
    if definition.type == "date-time":
        return {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]}
    schema: dict[str, Any] = {"type": "string", "minLength": 1}  # an empty filter value is refused (ADR 5)
    if definition.enum:
        part = definition.attribute[-1] if definition.attribute else ""
        schema["enum"] = [*definition.enum, *_ALIASES.get(part, ())]
    if definition.op == "any_of":
        schema["pattern"] = f"^[^,]*(,[^,]*){{0,{MAX_LIST_VALUES - 1}}}$"
    return schema


def _parameter(definition: FilterDef, resource: str, upstream: dict[str, dict], base_url: str) -> dict[str, Any]:
    original = upstream.get(definition.name, {})
    return {
        "in": "query",
        "name": definition.name,
        "schema": _value_schema(definition, resource, base_url),
        "description": original.get("description", definition.description) or definition.name,
    }


def _expand(parameter: dict[str, Any]) -> dict[str, Any]:
    """Open Klant's `expand`, with our limits: empty values allowed, at most MAX_LIST_VALUES."""
    stated = copy.deepcopy(parameter)
    stated["schema"]["maxItems"] = MAX_LIST_VALUES
    stated["schema"]["items"]["enum"] = [*stated["schema"]["items"]["enum"], ""]
    stated["description"] = (
        f"{stated.get('description', '').strip()} Hoogstens {MAX_LIST_VALUES} waarden; een waarde met "
        "punten vraagt ook de tussenliggende relaties op."
    ).strip()
    return stated


_PAGING = [
    {
        "in": "query",
        "name": "page",
        "schema": {"type": "integer", "minimum": 1},
        "description": "Een pagina binnen de gepagineerde set resultaten (alleen cijfers 0-9).",
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
        "unavailable, rejected, invalid-response, breaker-open, budget.",
        "schema": {"type": "string"},
    },
}
_STALE_HEADERS = {
    "Warning": {
        "description": "`299` met dezelfde melding in woorden bij een onvolledig antwoord; `110` en `111` bij "
        "een bewaard antwoord dat gegeven wordt omdat de bron faalde.",
        "schema": {"type": "string"},
    },
    "Age": {
        "description": "Bij `Warning: 110`: de leeftijd van het oudste bewaarde deel, in seconden.",
        "schema": {"type": "integer"},
    },
}
_INCOMPLETE_HEADERS.update(_STALE_HEADERS)


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
            (403, "Geen toestemming: een collectie (ook via expand of een filter) of een zoekvraag op BSN."),
            (404, "Niet gevonden."),
            (405, "Methode niet toegestaan."),
            (409, "Het object staat in meerdere bronnen."),
            (413, "De body is te groot."),
            (415, "De body is geen JSON."),
            (422, "De Idempotency-Key hoort bij een ander verzoek."),
            (502, "Een bronapplicatie weigerde of de schrijfopdracht is gedeeltelijk uitgevoerd (zie remaining)."),
            (
                503,
                "Een bronapplicatie die het antwoord kan bevatten is niet beschikbaar (zie Retry-After), "
                "het verzoek zou meer van de bronnen vragen dan het mag, of duurde te lang.",
            ),
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
        operation["parameters"] = [_path_uuid(p) for p in operation.get("parameters", [])]
        operations[method.lower()] = operation
    return operations


def _path_uuid(parameter: dict[str, Any]) -> dict[str, Any]:
    """A path's `uuid` in its one spelling (another is a 404); other parameters as they are."""
    if parameter.get("in") != "path" or parameter.get("name") != "uuid":
        return parameter
    stated = copy.deepcopy(parameter)
    stated["schema"]["pattern"] = _UUID_PATTERN
    return stated


def build_openapi(base_url: str, routed: dict[str, tuple[list[str], list[str]]] | None = None) -> dict[str, Any]:
    """The document as served at `base_url` (the URL filters' patterns name this API's URL);
    `routed`: per collection, the methods of its list and detail paths."""
    routed = routed or {}
    upstream = as_really_implemented(copy.deepcopy(contract_document()))
    document: dict[str, Any] = {
        "openapi": upstream["openapi"],
        "info": {**upstream["info"], "version": API_VERSION, "description": DIFFERENCES},
        "servers": [{"url": base_url + API_PREFIX}],
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
        parameters = [
            _parameter(definition, resource.name, by_name, base_url) for definition in resource.filters.values()
        ]
        expand = [_expand(p) for p in list_op.get("parameters", []) if p["name"] == "expand"]
        list_op["parameters"] = parameters + _PAGING + expand
        list_op["responses"].update(_errors(400, 401, 403, 404, 503))
        list_op["responses"]["200"].setdefault("headers", {}).update(_INCOMPLETE_HEADERS)
        detail_op["parameters"] = [
            _expand(p) if p["name"] == "expand" else _path_uuid(p) for p in detail_op.get("parameters", [])
        ]
        detail_op["responses"].update(_errors(400, 401, 403, 404, 503))
        detail_op["responses"]["200"].setdefault("headers", {}).update(_STALE_HEADERS)
        on_list, on_detail = routed.get(resource.name, (["GET"], ["GET"]))
        document["paths"][list_path] = {"get": list_op, **_write_operations(upstream, list_path, on_list)}
        document["paths"][detail_path] = {"get": detail_op, **_write_operations(upstream, detail_path, on_detail)}
    if "POST" in routed.get("klantcontacten", ([], []))[0]:
        document["paths"]["/maak-klantcontact"] = _write_operations(upstream, "/maak-klantcontact", ["POST"])
    return document
