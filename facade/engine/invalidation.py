"""Which cached answers a write can make wrong: read-your-writes through one façade.

A source's cache holds, per resource, objects and list answers. A write of resource W changes
more than W's own answers: a new betrokkene appears in its klantcontact's `hadBetrokkenen` and
its partij's `betrokkenen`, and in every list filtered through betrokkenen
(`klantcontacten?hadBetrokkene__wasPartij__uuid=`). So after a write of W the engine forgets,
in the written source, W and every resource whose answers depend on W: through a reference
field (the source maintains the reverse lists), an embedded object, or a filter path. Computed
once from the contract's tables. A delete can take more with it (a klantcontact's betrokkenen),
so after a delete the source's whole cache is forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from facade.engine.paths import relation_target
from mapping.contract import EMBEDDED_RELATIONS, RESOURCES

_EMBEDDED_IN: dict[str, str] = {
    # a partij embeds its identificatoren; a klantcontact its actors, found through actorklantcontacten
    "partij-identificatoren": "partijen",
    "actoren": "klantcontacten",
    "actorklantcontacten": "klantcontacten",
}
"""An embedded object is part of its owner's answers: what depends on the owner depends on it."""


def _visited(resource: str, path: Iterable[str]) -> set[str]:
    """The resources a filter path passes through, from `resource` on."""
    current, subpath, seen = resource, (), set()
    for hop in path:
        if hop.startswith("~"):
            current, subpath = hop[1:].partition(":")[0], ()
            seen.add(current)
            continue
        subpath = (*subpath, hop)
        target = relation_target(current, subpath)
        if target:
            current, subpath = target, ()
            seen.add(current)
    return seen


@cache
def depends_on(resource: str) -> frozenset[str]:
    """The resources whose writes can change an answer about `resource`."""
    definition = RESOURCES[resource]
    found = set(definition.relations.values()) | set(EMBEDDED_RELATIONS.get(resource, {}).values())
    found |= {part for part, owner in _EMBEDDED_IN.items() if owner == resource}
    for condition in definition.filters.values():
        found |= _visited(resource, (*condition.prefix, *condition.attribute))
    return frozenset(found - {resource})


@cache
def affected_by(resource: str) -> frozenset[str]:
    """`resource` itself and every resource whose answers a write of it can change."""
    found = {resource, *(other for other in RESOURCES if resource in depends_on(other))}
    if resource in _EMBEDDED_IN:
        found |= affected_by(_EMBEDDED_IN[resource])
    return frozenset(found)
