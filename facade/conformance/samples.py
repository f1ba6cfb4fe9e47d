"""Values to try a pushed-down filter with, and the engine's own condition for each.

Values come from the records themselves (what the filter's path reaches in them), so a
filter is tried with values that match something; the dataset description can add more; and
a value that matches nothing catches an adapter that ignores a filter it declares exact.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from adapters.protocol import FilterValue
from facade.conformance.kit import Check
from facade.engine.core import target_of
from facade.engine.params import Condition
from facade.engine.paths import node_pos
from mapping.contract import RESOURCES, FilterDef
from mapping.keys import TextKey, UuidKey
from mapping.ki import KIObject, Ref

NO_MATCH_TEXT = "kit-matches-nothing"


def filter_def(resource: str, name: str) -> FilterDef:
    return RESOURCES[resource].filters[name]


async def values_to_try(check: Check, resource: str, name: str) -> list[FilterValue]:
    """The dataset's values for this filter, values found in the records, and one matching nothing."""
    definition = filter_def(resource, name)
    given = [_as_pushed(definition, value) for value in check.run.dataset.values.get(f"{resource}?{name}", ())]
    found = await _found_values(check, resource, definition, check.run.dataset.samples)
    nothing = _matching_nothing(check, resource, definition)
    values: list[FilterValue] = []
    for value in [*given, *found, *nothing]:
        if value not in values:
            values.append(value)
    return values


def _as_pushed(definition: FilterDef, value: FilterValue) -> FilterValue:
    """A dataset value as the adapter receives it: an upstream key of an `is` filter as a set."""
    if definition.op == "is" and isinstance(value, str):
        return frozenset({value})
    return value


async def _found_values(check: Check, resource: str, definition: FilterDef, wanted: int) -> list[FilterValue]:
    """Values the filter's path reaches in the records (keys, for `is` filters)."""
    if definition.op in ("not_null", "non_empty"):
        return [True, False]
    records = await check.listing(resource)
    if not definition.prefix and not definition.attribute:  # the object itself (rekeningnummers?uuid)
        return [frozenset({record.key}) for record in records[:wanted]]
    request = await check.seeded_request()
    starts = [[node_pos(item)] for item in check.items(records)]
    path = (*definition.prefix, *definition.attribute)
    groups = await request.walker.walk(starts, path, load_last=definition.op != "is")
    values: list[FilterValue] = []
    for position in (pos for group in groups for pos in group):
        value = _pushed_value(definition, position.value)
        if value not in (None, "") and value not in values:
            values.append(value)
        if len(values) >= wanted:
            break
    return values


def _pushed_value(definition: FilterDef, value) -> FilterValue | None:
    if definition.op == "is":
        key = value.key if isinstance(value, Ref | KIObject) else None
        return frozenset({key}) if key else None
    if definition.op == "icontains":
        return value[1:4] if isinstance(value, str) and len(value) >= 3 else None
    return value


def _matching_nothing(check: Check, resource: str, definition: FilterDef) -> list[FilterValue]:
    """A value no record can match, where the filter's type allows one."""
    if definition.op == "is":
        target = target_of(resource, definition.attribute)
        support = check.adapter.resources.get(target)
        key = absent_key(support.key_formats) if support else None
        return [frozenset({key})] if key else []
    if definition.type == "string" and definition.enum is None and definition.op in ("exact", "icontains"):
        return [NO_MATCH_TEXT]
    if definition.type == "date" and definition.op == "exact":
        return [dt.date(1901, 1, 1)]
    return []


def absent_key(key_formats: Sequence) -> str | None:
    """A key of the first built-in format no application holds."""
    for key_format in key_formats:
        if isinstance(key_format, UuidKey):
            key = str(uuid.uuid4())
            return f"{key}#{key_format.suffix}" if key_format.suffix else key
        if isinstance(key_format, TextKey):
            return "kit-absent"
    return None


def condition_for(check: Check, resource: str, name: str, value: FilterValue) -> Condition:
    """The engine's own condition for a pushed-down value (an `is` filter compares façade UUIDs)."""
    definition = filter_def(resource, name)
    if definition.op == "is":
        target = target_of(resource, definition.attribute)
        (key,) = value  # type: ignore[misc]
        return Condition(definition, check.engine.identities.of(check.source, target, key) or "")  # type: ignore[arg-type]
    if definition.op == "any_of":
        return Condition(definition, tuple(str(value).split(",")))
    return Condition(definition, value)  # type: ignore[arg-type]
