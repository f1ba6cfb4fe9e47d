"""Request bodies of writes, checked against the 0.9.0 contract the way Open Klant checks them.

The schemas are the served OpenAPI document's own (`facade/contract/`): a POST or PUT body is
checked against the operation's request schema with its `required` fields, a PATCH body without
them. As Open Klant (Django REST framework) does:

- read-only fields (`uuid`, `url`, `betrokkenen`, `volledigeNaam`, ...) and fields the contract
  does not know (KISS's `medewerkerIdentificatie`, ITA's `klantnaam`, GZAC's misspelled keys) are
  ignored, at every depth;
- every problem is one `invalidParams` entry, named by its dotted camelCase path
  (`partijIdentificatoren.0.partijIdentificator.objectId`), with DRF's codes (`required`, `null`,
  `invalid`, `max_length`, `invalid_choice`, ...) and Dutch reasons that never quote the value;
- a polymorphic body (`soortPartij`, `soortActor`) is checked against the schema of its kind;
- an empty string is accepted for a string with a pattern or format (ADR 3: Open Klant stores
  and answers "" there), and a date-time without offset is read as Dutch local time.

The result is the body as checked: only known, writable fields; dates and date-times parsed;
references still `{"uuid": UUID}` (the engine resolves them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from facade.engine.params import parse_uuid
from facade.errors import InvalidParam, ProblemError, validation_error
from mapping.contract import MAAK_KLANTCONTACT

Mode = Literal["create", "replace", "partial"]
"""POST, PUT (all required fields) or PATCH (none required)."""

_LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://\S+$")

REQUIRED = "Dit veld is vereist."
_JSON_TYPES = {dict: "object", list: "lijst", str: "tekst", bool: "boolean", int: "getal", float: "getal"}


@dataclass
class _Check:
    schemas: Mapping[str, Any]
    partial: bool
    discriminators: Mapping[str, str] = field(default_factory=dict)
    """Kinds to assume where a PATCH body leaves the discriminator out (the stored object's)."""
    problems: list[InvalidParam] = field(default_factory=list)

    def fail(self, path: str, code: str, reason: str) -> None:
        self.problems.append(InvalidParam(path or "nonFieldErrors", code, reason))

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def value(self, schema: Mapping[str, Any], value: Any, path: str) -> Any:
        nullable = bool(schema.get("nullable"))
        if "allOf" in schema and "properties" not in schema:
            parts = [self.resolve(part) for part in schema["allOf"]]
            if len(parts) == 1:
                schema = {**parts[0], "nullable": nullable or parts[0].get("nullable", False)}
            else:
                schema = _merged(parts, nullable)
        schema = self.resolve(schema)
        nullable = nullable or bool(schema.get("nullable"))
        if value is None:
            if not nullable:
                self.fail(path, "null", "Dit veld mag niet leeg zijn.")
            return None
        if "oneOf" in schema:
            return self.polymorphic(schema, value, path)
        if "allOf" in schema:
            schema = _merged([self.resolve(part) for part in schema["allOf"]], nullable)
        kind = schema.get("type", "object" if "properties" in schema else None)
        if "enum" in schema:
            return self.choice(schema, value, path)
        check = {
            "object": self.object,
            "array": self.array,
            "string": self.string,
            "boolean": self.boolean,
            "integer": self.integer,
        }.get(kind or "")
        return check(schema, value, path) if check else value

    def polymorphic(self, schema: Mapping[str, Any], value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            return self.object({}, value, path)
        name = schema["discriminator"]["propertyName"]
        kind = value.get(name, self.discriminators.get(name))
        mapping = schema["discriminator"]["mapping"]
        where = f"{path}.{name}" if path else name
        if not isinstance(kind, str) or kind not in mapping:
            if kind is None:
                self.fail(where, "required", REQUIRED)
            else:
                self.fail(where, "invalid_choice", "Dit is geen geldige keuze.")
            # the fields every kind shares are still checked, so that one answer names all problems
            self.value({"$ref": next(iter(mapping.values()))}, {**value, name: next(iter(mapping))}, path)
            return {}
        checked = self.value({"$ref": mapping[kind]}, value, path)
        if isinstance(checked, dict) and name in value:
            checked[name] = kind
        return checked

    def object(self, schema: Mapping[str, Any], value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            self.fail(path, "invalid", f"Ongeldige data. Verwacht een object, maar kreeg {_type(value)}.")
            return {}
        properties = schema.get("properties")
        if properties is None:  # a free map (metadata): check the values only
            extra = schema.get("additionalProperties")
            if isinstance(extra, Mapping):
                return {key: self.value(extra, element, _join(path, key)) for key, element in value.items()}
            return dict(value)
        checked: dict[str, Any] = {}
        for name, element in value.items():
            definition = properties.get(name)
            if definition is None or definition.get("readOnly"):
                continue  # unknown and read-only fields are ignored, as Open Klant does
            checked[name] = self.value(definition, element, _join(path, name))
        if not self.partial:
            for name in schema.get("required", ()):
                definition = properties.get(name, {})
                if name not in value and not definition.get("readOnly"):
                    self.fail(_join(path, name), "required", REQUIRED)
        return checked

    def array(self, schema: Mapping[str, Any], value: Any, path: str) -> Any:
        if not isinstance(value, list):
            self.fail(path, "not_a_list", f"Verwacht een lijst met items, maar kreeg {_type(value)}.")
            return []
        return [self.value(schema.get("items", {}), element, f"{path}.{i}") for i, element in enumerate(value)]

    def choice(self, schema: Mapping[str, Any], value: Any, path: str) -> Any:
        if value not in schema["enum"]:
            self.fail(path, "invalid_choice", "Dit is geen geldige keuze.")
        return value

    def string(self, schema: Mapping[str, Any], value: Any, path: str) -> Any:
        if not isinstance(value, str):
            self.fail(path, "invalid", "Geen geldige tekst.")
            return value
        if (limit := schema.get("maxLength")) is not None and len(value) > limit:
            self.fail(path, "max_length", f"Zorg ervoor dat dit veld niet meer dan {limit} tekens bevat.")
            return value
        form, pattern = schema.get("format"), schema.get("pattern")
        if value == "" and (form or pattern) and form != "uuid":
            return value  # ADR 3: Open Klant accepts and answers "" for these (a reference's uuid excepted)
        if (limit := schema.get("minLength")) is not None and len(value) < limit:
            self.fail(path, "min_length", f"Zorg ervoor dat dit veld minimaal {limit} tekens bevat.")
            return value
        if pattern and not re.search(pattern, value):
            self.fail(path, "invalid", "Deze waarde heeft niet het vereiste formaat.")
            return value
        return _format(self, form, value, path)

    def boolean(self, schema: Mapping[str, Any], value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            self.fail(path, "invalid", "Moet een geldige boolean zijn.")
        return value

    def integer(self, schema: Mapping[str, Any], value: Any, path: str) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, "invalid", "Een geldig geheel getal is vereist.")
            return value
        if (top := schema.get("maximum")) is not None and value > top:
            self.fail(path, "max_value", f"Zorg ervoor dat deze waarde kleiner is dan of gelijk aan {top}.")
        if (bottom := schema.get("minimum")) is not None and value < bottom:
            self.fail(path, "min_value", f"Zorg ervoor dat deze waarde groter is dan of gelijk aan {bottom}.")
        return value


def _format(check: _Check, form: str | None, value: str, path: str) -> Any:
    """Parse a formatted string: dates and date-times become values, the rest is checked."""
    try:
        if form == "date":
            return dt.date.fromisoformat(value)
        if form == "date-time":
            moment = dt.datetime.fromisoformat(value.replace("z", "Z"))
            return moment if moment.tzinfo else moment.replace(tzinfo=_LOCAL_TIME)
        if form == "uuid":  # in its one spelling, as in paths and filters
            if (found := parse_uuid(value)) is None:
                raise ValueError
            return found
    except ValueError:
        reasons = {
            "date": "Datum heeft het verkeerde formaat. Gebruik het formaat YYYY-MM-DD.",
            "date-time": "Datetime heeft het verkeerde formaat. Gebruik YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|Z].",
            "uuid": "Moet een geldige UUID zijn.",
        }
        check.fail(path, "invalid", reasons[form])  # type: ignore[index]
        return value
    if form == "email" and not _EMAIL.match(value):
        check.fail(path, "invalid", "Voer een geldig e-mailadres in.")
    elif form == "uri" and not _URI.match(value):
        check.fail(path, "invalid", "Voer een geldige URL in.")
    return value


def _merged(parts: list[Mapping[str, Any]], nullable: bool) -> dict[str, Any]:
    """`allOf` of object schemas as one object schema."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in parts:
        properties.update(part.get("properties", {}))
        required.extend(part.get("required", ()))
    return {"type": "object", "properties": properties, "required": required, "nullable": nullable}


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "null" if value is None else "iets anders")


class BodySchemas:
    """The request schemas of the contract's write operations, from the served OpenAPI document."""

    def __init__(self, document: Mapping[str, Any]):
        self.schemas = document["components"]["schemas"]
        self.paths = document["paths"]

    def schema(self, resource: str, mode: Mode) -> Mapping[str, Any]:
        if resource == MAAK_KLANTCONTACT or mode == "create":
            operation = self.paths[f"/{resource}"]["post"]
        else:
            operation = self.paths[f"/{resource}/{{uuid}}"]["patch" if mode == "partial" else "put"]
        return operation["requestBody"]["content"]["application/json"]["schema"]

    def check(self, resource: str, mode: Mode, body: Any, discriminators: Mapping[str, str] | None = None) -> dict:
        """The body as checked, or a 400 Problem with every problem in `invalidParams`."""
        check = _Check(self.schemas, partial=mode == "partial", discriminators=discriminators or {})
        if not isinstance(body, dict):
            raise validation_error(
                InvalidParam(
                    "nonFieldErrors", "invalid", f"Ongeldige data. Verwacht een object, maar kreeg {_type(body)}."
                )
            )
        checked = check.value(self.schema(resource, mode), body, "")
        if check.problems:
            raise validation_error(*check.problems)
        return checked


def parse_error() -> ProblemError:
    return ProblemError(400, "parse_error", "Malformed request.", "De body is geen geldige JSON.")
