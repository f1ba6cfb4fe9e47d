"""Validate responses against the contract (Open Klant's 0.9.0 OpenAPI document).

With exactly one documented exception (docs/decisions/0003-empty-strings.md): like a real
Open Klant, we answer "" for the optional strings whose pattern forbids "" (address
`postcode`, `land`, `nummeraanduidingId`; digitaal adres `referentie`; a medewerker's or
eenheid's `telefoonnummer`/`emailadres`). The polymorphic `oneOf`s become `anyOf`, because
their branches overlap without a discriminator-aware validator.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources as package_resources
from typing import Any

import yaml
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

_ADDRESS_SCHEMAS = ("PartijBezoekadres", "PartijCorrespondentieadres", "Bezoekadres", "BetrokkeneCorrespondentieadres")
_EMPTY_ALLOWED = {
    **{name: ("postcode", "nummeraanduidingId", "land") for name in _ADDRESS_SCHEMAS},
    "DigitaalAdres": ("referentie",),
    "Medewerker": ("telefoonnummer", "emailadres"),
    "OrganisatorischeEenheid": ("telefoonnummer", "emailadres"),
}


def contract_document() -> dict[str, Any]:
    text = package_resources.files("facade.contract").joinpath("openklant-0.9.0.openapi.yaml").read_text()
    return yaml.safe_load(text)


@cache
def _patched() -> dict[str, Any]:
    document = copy.deepcopy(contract_document())
    schemas = document["components"]["schemas"]
    for name, fields in _EMPTY_ALLOWED.items():
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
    """`{allOf: [$ref], nullable: true}` means "the referenced object or null" in OAS 3.0."""
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
def _registry() -> Registry:
    return Registry().with_resource("contract", Resource.from_contents(_patched(), default_specification=DRAFT4))


def response_schema(path: str, status: str = "200") -> dict[str, Any]:
    """The response schema the contract declares for `GET path` (path as in the spec)."""
    operation = _patched()["paths"][path]["get"]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    return {"$ref": "contract" + schema["$ref"]} if "$ref" in schema else schema


def assert_valid(body: Any, path: str) -> None:
    validator = OAS30Validator(response_schema(path), registry=_registry())
    errors = [best_match([error]) for error in validator.iter_errors(body)]
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])
