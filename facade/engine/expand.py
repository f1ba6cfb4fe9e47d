"""`expand`: related objects under `_expand`, level by level, each level one batch per source."""

from __future__ import annotations

from typing import Any

from facade.engine.core import Request
from facade.engine.graph import Item, MergedPartij, Node
from facade.engine.paths import Pos, node_pos
from facade.engine.render import Renderer


def expand_tree(paths: frozenset[str]) -> dict[str, dict]:
    """{"hadBetrokkenen": {"wasPartij": {}}} from {"hadBetrokkenen", "hadBetrokkenen.wasPartij"}."""
    tree: dict[str, dict] = {}
    for path in sorted(paths):
        level = tree
        for part in path.split("."):
            level = level.setdefault(part, {})
    return tree


def _to_node(pos: Pos) -> Node | None:
    if isinstance(pos.value, MergedPartij):
        return pos.value
    if pos.source is not None and pos.subpath == ():
        return Item(pos.source, pos.value)
    return None


def _is_to_many(node: Node, relation: str) -> bool:
    obj = node.items[0].obj if isinstance(node, MergedPartij) else node.obj
    return isinstance(getattr(obj, relation, None), list)


async def expand(request: Request, renderer: Renderer, pairs: list[tuple[Node, dict[str, Any]]], tree: dict) -> None:
    """Fill `_expand` of each rendered object for every relation in `tree`, recursively."""
    if not tree or not pairs:
        return
    for relation, subtree in tree.items():
        groups = await request.walker.walk([[node_pos(node)] for node, _ in pairs], (relation,), load_last=True)
        targets = [[n for pos in group if (n := _to_node(pos)) is not None] for group in groups]
        found = [node for group in targets for node in group]
        for deeper in subtree:  # load what the next level expands first: rendering this level then knows it
            await request.walker.walk([[node_pos(node)] for node in found], (deeper,), load_last=True)
        await renderer.prepare(request.loader, found)
        next_pairs: list[tuple[Node, dict[str, Any]]] = []
        for (node, out), group in zip(pairs, targets, strict=True):
            rendered = [renderer.node(target) for target in group]
            next_pairs.extend(zip(group, rendered, strict=True))
            expanded = out.setdefault("_expand", {})
            expanded[relation] = rendered if _is_to_many(node, relation) else (rendered[0] if rendered else None)
        await expand(request, renderer, next_pairs, subtree)
