"""Walking the contract's filter paths over objects of several sources, in batches.

One walk handles a whole page of objects at once: at every hop it gathers the references of
all of them, loads those per (source, resource) in one batch, and goes on. The same walk serves
the filter re-check (is this klantcontact's betrokkene's partij the one with this BSN?) and
`expand`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from facade.engine.graph import Item, Loader, MergedPartij, Node
from facade.engine.sources import Source
from mapping.contract import EMBEDDED_RELATIONS, RESOURCES
from mapping.ki import KIObject, Ref

ReverseLookup = Callable[[Source, str, str, frozenset[str]], Awaitable[list[Item]]]
"""(source, resource, ref field, keys) -> objects of `resource` whose `field` refers to one of `keys`."""


@dataclass(frozen=True, slots=True)
class Pos:
    """A value reached by a walk, with what is needed to follow it further."""

    source: Source | None
    resource: str
    subpath: tuple[str, ...]
    value: Any


def node_pos(node: Node) -> Pos:
    if isinstance(node, MergedPartij):
        return Pos(None, "partijen", (), node)
    return Pos(node.source, node.obj.resource, (), node.obj)


@functools.cache
def relation_target(resource: str, subpath: tuple[str, ...]) -> str | None:
    """The resource a reference at `subpath` of a `resource` object points at (the contract's
    tables: cached, rendering asks it for every reference)."""
    dotted = ".".join(subpath)
    definition = RESOURCES.get(resource)
    if definition and dotted in definition.relations:
        return definition.relations[dotted]
    return EMBEDDED_RELATIONS.get(resource, {}).get(dotted)


def target_of(resource: str, definition_path: tuple[str, ...]) -> str:
    """The resource an identity (`is`) filter's value names, by walking the path's relations."""
    current, subpath = resource, ()
    for hop in definition_path:
        if hop.startswith("~"):
            current, subpath = hop[1:].partition(":")[0], ()
            continue
        subpath = (*subpath, hop)
        target = relation_target(current, subpath)
        if target:
            current, subpath = target, ()
    return current


def source_expand(resource: str, expand: frozenset[str], merge_partijen: bool) -> frozenset[str]:
    """The client's `expand`, plus, when partijen are merged, the partijen that the expanded
    objects refer to (`hadBetrokkenen` -> `hadBetrokkenen.wasPartij`).

    Publishing a reference to a mergeable partij needs that partij's identificators; a source
    that sends the partijen along (a Klantinteracties upstream does) saves one read per partij.
    The engine asks for them only when a page refers to partijen it has not read lately
    (`Plan.identify`), and for a detail or lookup, which is one call either way. Only values the
    contract allows for the resource are added; the answer is the same either way.
    """
    if not merge_partijen or not expand:
        return expand
    allowed = RESOURCES[resource].expand
    extra = {
        f"{path}.{relation}"
        for path in expand
        for relation, target in RESOURCES[target_of(resource, tuple(path.split(".")))].relations.items()
        if target == "partijen"
    }
    return expand | {path for path in extra if path in allowed}


def _children(pos: Pos, hop: str) -> list[Pos]:
    """One hop without loading: the raw values (references stay references)."""
    value = pos.value
    if isinstance(value, MergedPartij):
        return (
            [child for item in value.items for child in _children(Pos(item.source, "partijen", (), item.obj), hop)]
            if _is_list_field(value, hop)
            else _children(_first_pos(value, hop), hop)
        )
    if isinstance(value, Ref):
        if _carries(value, hop):
            return [Pos(pos.source, pos.resource, (), getattr(value, hop))]
        return []
    if isinstance(value, KIObject) and pos.subpath == () and value.resource != pos.resource:
        pos = Pos(pos.source, value.resource, (), value)
    if not hasattr(value, hop):
        return []
    raw = getattr(value, hop)
    subpath = (*pos.subpath, hop)
    target = relation_target(pos.resource, subpath)
    values = raw if isinstance(raw, list) else [raw]
    children = []
    for element in values:
        if element is None:
            continue
        if isinstance(element, Ref) and target:
            children.append(Pos(pos.source, target, (), element))
        elif isinstance(element, KIObject):
            children.append(Pos(pos.source, element.resource, (), element))
        else:
            children.append(Pos(pos.source, pos.resource, subpath, element))
    return children


def _carries(ref: Ref, field: str | None) -> bool:
    return field is not None and field in {f.name for f in dataclasses.fields(ref)} and field != "key"


def _is_list_field(merged: MergedPartij, hop: str) -> bool:
    return isinstance(getattr(merged.items[0].obj, hop, None), list)


def _first_pos(merged: MergedPartij, hop: str) -> Pos:
    """The item whose value of `hop` the merged partij shows."""
    chosen = merged.first(hop)
    for item in merged.items:
        if getattr(item.obj, hop) is chosen:
            return Pos(item.source, "partijen", (), item.obj)
    return Pos(merged.items[0].source, "partijen", (), merged.items[0].obj)


class Walker:
    def __init__(self, loader: Loader, reverse: ReverseLookup):
        self.loader = loader
        self.reverse = reverse

    async def walk(self, starts: Sequence[list[Pos]], hops: Sequence[str], *, load_last: bool) -> list[list[Pos]]:
        """Follow `hops` from each group of start positions; results stay grouped per start."""
        current = [list(group) for group in starts]
        for index, hop in enumerate(hops):
            load = load_last or index < len(hops) - 1
            if hop.startswith("~"):
                current = await self._reverse_hop(current, hop[1:])
                continue
            stepped = [[child for pos in group for child in _children(pos, hop)] for group in current]
            following = hops[index + 1] if index + 1 < len(hops) else None
            current = await self._load_refs(stepped, keep_field=following) if load else stepped
        return current

    async def _load_refs(self, groups: list[list[Pos]], keep_field: str | None = None) -> list[list[Pos]]:
        """Replace references by the objects they name; a reference that itself carries the next
        hop's field (`categorieNaam` on a categorie-relatie reference) is read as it is."""

        def to_load(pos: Pos) -> bool:
            return isinstance(pos.value, Ref) and pos.source is not None and not _carries(pos.value, keep_field)

        wanted = [(pos.source, pos.resource, pos.value) for group in groups for pos in group if to_load(pos)]
        if not wanted:
            return groups
        nodes = await self.loader.resolve(wanted)
        result = []
        for group in groups:
            loaded = []
            for pos in group:
                if to_load(pos):
                    node = nodes.get((pos.source.name, pos.resource, pos.value.key))
                    if node is not None:
                        loaded.append(node_pos(node))
                else:
                    loaded.append(pos)
            result.append(loaded)
        return result

    async def _reverse_hop(self, groups: list[list[Pos]], spec: str) -> list[list[Pos]]:
        resource, _, field = spec.partition(":")
        keys_by_source: dict[Source, set[str]] = defaultdict(set)
        for group in groups:
            for pos in group:
                for item in _items_of(pos):
                    keys_by_source[item.source].add(item.obj.key)
        found: dict[tuple[str, str], list[Pos]] = defaultdict(list)
        for source, keys in keys_by_source.items():
            for item in await self.reverse(source, resource, field, frozenset(keys)):
                ref = getattr(item.obj, field, None)
                if isinstance(ref, Ref) and ref.key in keys:  # re-checked, whatever the source did
                    found[(source.name, ref.key)].append(Pos(source, resource, (), item.obj))
        return [
            [child for pos in group for item in _items_of(pos) for child in found[(item.source.name, item.obj.key)]]
            for group in groups
        ]


def _items_of(pos: Pos) -> list[Item]:
    if isinstance(pos.value, MergedPartij):
        return list(pos.value.items)
    if isinstance(pos.value, KIObject) and pos.source is not None and pos.subpath == ():
        return [Item(pos.source, pos.value)]
    return []
