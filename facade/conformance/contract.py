"""Validate answers against the contract (Open Klant's 0.9.0 OpenAPI document).

With exactly one documented exception (docs/decisions/0003-empty-strings.md, the list is
`facade.api.openapi.EMPTY_STRING_FIELDS`): like a real Open Klant, we answer "" for the optional
strings whose pattern forbids "" (address `postcode`, `land`, `nummeraanduidingId`; digitaal
adres `referentie`; a medewerker's or eenheid's `telefoonnummer`/`emailadres`). The polymorphic
`oneOf`s become `anyOf`, because their branches overlap without a discriminator-aware validator.

Used by the conformance kit (every object an adapter maps, rendered as the façade serves it)
and by the façade's own tests (whole answers).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from facade.api.openapi import as_really_implemented, contract_document


@cache
def patched_contract() -> dict[str, Any]:
    """The contract as Open Klant (and the façade) really answers it (`as_really_implemented`)."""
    return as_really_implemented(copy.deepcopy(contract_document()))


@cache
def _registry() -> Registry:
    return Registry().with_resource(
        "contract", Resource.from_contents(patched_contract(), default_specification=DRAFT4)
    )


def response_schema(path: str, status: str = "200", method: str = "get") -> dict[str, Any]:
    """The response schema the contract declares for `<method> path` (path as in the spec)."""
    operation = patched_contract()["paths"][path][method]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    return {"$ref": "contract" + schema["$ref"]} if "$ref" in schema else schema


def contract_problems(body: Any, path: str, most: int = 10, method: str = "get", status: str = "200") -> list[str]:
    """Where `body` breaks the schema of `<method> path`, one line per problem (at most `most`)."""
    validator = OAS30Validator(response_schema(path, status, method), registry=_registry())
    errors = [_deepest(error) for error in validator.iter_errors(body)]
    return [f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:most]]


def _deepest(error: ValidationError) -> ValidationError:
    """The most relevant error inside an `anyOf`, not "... is not valid under any of the given schemas"."""
    error = best_match([error])
    while error.context:
        error = best_match(error.context)
    return error


def assert_valid(body: Any, path: str, method: str = "get", status: str = "200") -> None:
    problems = contract_problems(body, path, method=method, status=status)
    assert not problems, "\n".join(problems)
