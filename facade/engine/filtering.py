"""The engine's own evaluation of every filter: the re-check that makes pushdown safe.

An actor's or onderwerpobject's identificator group is matched against every form the object
can be found by (`mapping.conventions.forms`): the source's own identificator and each known
convention of the facts the source reports, so `mdw/msei/email/<e-mail>` and `mdw/obj/idf/<id>`
both find the medewerker, whatever codes the caller's profile publishes.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Sequence

from facade.engine.graph import MergedPartij, Node
from facade.engine.params import Condition
from facade.engine.paths import Pos, Walker, node_pos
from mapping.contract import FilterDef
from mapping.conventions import IDENTIFICATOR_FIELDS, WELL_KNOWN, Conventions, forms
from mapping.ki import KIObject, Ref

_CONVENTION_GROUPS = frozenset(IDENTIFICATOR_FIELDS.values())

_COMPARE = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def _scalar_matches(condition: Condition, value) -> bool:
    op, expected = condition.filter.op, condition.value
    if op == "exact":
        if isinstance(expected, dt.datetime):
            return isinstance(value, dt.datetime) and value == expected
        return value == expected and type(value) is type(expected)
    if op == "icontains":
        return isinstance(value, str) and str(expected).casefold() in value.casefold()
    if op == "any_of":
        return value in expected  # type: ignore[operator]
    if op in _COMPARE:
        return value is not None and _COMPARE[op](value, expected)
    raise AssertionError(f"not a scalar operator: {op}")


def convention_part(definition: FilterDef) -> str | None:
    """The part (`objectId`, `codeRegister`, ...) of an actor's or onderwerpobject's
    identificator this filter names; None for every other filter. Such a group is matched
    against every convention, so a source is asked by `objectId` only: it knows its own codes."""
    attribute = definition.attribute
    if definition.group and len(attribute) == 2 and attribute[0] in _CONVENTION_GROUPS:
        return attribute[1]
    return None


def group_conditions(conditions: Sequence[Condition]) -> list[list[Condition]]:
    """Conditions that must hold on one and the same element are evaluated together."""
    groups: dict[tuple, list[Condition]] = defaultdict(list)
    for condition in conditions:
        definition = condition.filter
        key = (definition.group, definition.prefix) if definition.group else (definition.name,)
        groups[key].append(condition)
    return list(groups.values())


class Matcher:
    def __init__(self, walker: Walker, conventions: Conventions = WELL_KNOWN):
        self.walker = walker
        self.loader = walker.loader
        self.conventions = conventions
        """Every convention an identificator filter is understood in (well-known and configured)."""

    async def matches(self, nodes: Sequence[Node], conditions: Sequence[Condition]) -> list[bool]:
        """For each node: does it satisfy all conditions?"""
        verdict = [True] * len(nodes)
        for group in group_conditions(conditions):
            starts = [[node_pos(node)] for index, node in enumerate(nodes) if verdict[index]]
            alive = [index for index in range(len(nodes)) if verdict[index]]
            if not alive:
                break
            prefix = group[0].filter.prefix
            elements = await self.walker.walk(starts, prefix, load_last=True) if prefix else starts
            flat = [
                (owner, element)
                for owner, group_elements in zip(alive, elements, strict=True)
                for element in group_elements
            ]
            if all(convention_part(c.filter) for c in group):
                ok = [self._in_some_form(element, group) for _, element in flat]
            else:
                ok = [True] * len(flat)
                for condition in group:
                    results = await self._check([element for _, element in flat], condition)
                    ok = [a and b for a, b in zip(ok, results, strict=True)]
            satisfied = {owner for (owner, _), good in zip(flat, ok, strict=True) if good}
            for index in alive:
                verdict[index] = index in satisfied
        return verdict

    async def _check(self, elements: list[Pos], condition: Condition) -> list[bool]:
        definition = condition.filter
        attribute = definition.attribute
        if definition.op in ("not_null", "non_empty"):
            parents = await self.walker.walk([[e] for e in elements], attribute[:-1], load_last=True)
            last = attribute[-1]
            result = []
            for group in parents:
                result.append(any(self._presence(pos, last, definition.op) == condition.value for pos in group))
            return result
        values = (
            await self.walker.walk([[e] for e in elements], attribute, load_last=False)
            if attribute
            else [[e] for e in elements]
        )
        if definition.op == "is":
            expected = str(condition.value)
            uuids = await self._uuids([pos for group in values for pos in group])
            return [any(uuids.get(id(pos)) == expected for pos in group) for group in values]
        return [any(_scalar_matches(condition, pos.value) for pos in group) for group in values]

    def _in_some_form(self, element: Pos, group: list[Condition]) -> bool:
        """Does one form of this actor's or onderwerpobject's identificator meet every part?"""
        if not isinstance(element.value, KIObject):
            return False
        return any(
            all(_scalar_matches(c, getattr(form, convention_part(c.filter) or "")) for c in group)
            for form in forms(element.value, self.conventions)
        )

    @staticmethod
    def _presence(pos: Pos, field: str, op: str) -> bool:
        value = pos.value
        if isinstance(value, MergedPartij):
            values = [getattr(item.obj, field, None) for item in value.items]
            return any(bool(v) if op == "non_empty" else v is not None for v in values)
        raw = getattr(value, field, None)
        return bool(raw) if op == "non_empty" else raw is not None

    async def _uuids(self, positions: list[Pos]) -> dict[int, str | None]:
        """Published UUIDs of referenced or reached objects, resolved in one batch."""
        refs = [(pos.source, pos.resource, pos.value) for pos in positions if isinstance(pos.value, Ref)]
        by_ref = await self.loader.ref_uuids(refs) if refs else {}
        result: dict[int, str | None] = {}
        for pos in positions:
            if isinstance(pos.value, Ref) and pos.source is not None:
                result[id(pos)] = by_ref.get((pos.source.name, pos.resource, pos.value.key))
            elif isinstance(pos.value, MergedPartij):
                result[id(pos)] = pos.value.uuid
            elif isinstance(pos.value, KIObject) and pos.source is not None:
                result[id(pos)] = self.loader.identities.object_uuid(pos.source, pos.value)
        return result
