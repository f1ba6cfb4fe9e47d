"""Partijen merged across sources, at a cost bounded by the page (ADR 6, ADR 14).

- **A lookup** (`partijIdentificator__objectId`, with or without its kind): every source is
  asked once for that identificator, with the answer's `expand`; the partijen found are merged
  and every filter is checked on the merged partij. Exact and never partial. Only a partij whose
  merge identity is another identificator than the one looked up (a company looked up by KvK
  number that is merged by its vestigingsnummer) costs a second round.
- **Any other list**: the sources one after another, each paging itself (`ordering.
  page_in_source_order`); the page's partijen are merged with what the *other* sources hold for
  the same person or company (one identificator search per other source, for the page's
  identities: nothing with one source). A partij that a higher-priority source also lists for
  this query is shown there and left out here, so every partij is listed once over all pages;
  filters are checked on the merged partij. `count` is the number of partij records the sources
  count for the query: exact when no person or company is in two sources, else an upper bound
  (a page then holds fewer results than `pageSize`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from facade.engine.budget import gather
from facade.engine.fetching import Plan, SourceFailed, make_plan
from facade.engine.graph import Item, MergedPartij, Node, merged_partij
from facade.engine.ordering import ListResult, each_source, page_in_source_order, page_of
from facade.engine.params import Condition, ParsedQuery
from facade.engine.paths import source_expand
from facade.engine.sources import Source, merge_key, merge_key_parts

if TYPE_CHECKING:
    from facade.engine.core import Request

LOOKUP = "partijIdentificator__objectId"
_LOOKUP_GROUP = (LOOKUP, "partijIdentificator__codeSoortObjectId")


def lookup_of(conditions: list[Condition]) -> list[Condition] | None:
    """The identificator conditions of a lookup by number (with its kind, if given), or None."""
    found = [c for c in conditions if c.filter.name in _LOOKUP_GROUP and c.filter.op == "exact"]
    return found if any(c.filter.name == LOOKUP for c in found) else None


async def looked_up(
    request: Request, query: ParsedQuery, conditions: list[Condition], lookup: list[Condition], expand: frozenset[str]
) -> ListResult:
    """Every partij with this identificator, merged, checked, counted exactly."""
    sources = [source for source in request.engine.sources if source.support("partijen")]
    hint = source_expand("partijen", expand, request.identities.merge_partijen)  # one call either way
    plans = [make_plan(s, "partijen", lookup, {}, request.context, hint, request.loader.remember) for s in sources]
    answers = await each_source(request, plans, lambda plan: plan.everything())
    records = [item for _, items in answers for item in items]
    request.loader.remember(records)
    value = next(c.value for c in lookup if c.filter.name == LOOKUP)
    kind = next((c.value for c in lookup if c.filter.name != LOOKUP), None)
    grouped: dict[str, list[Item]] = defaultdict(list)
    order: list[str | Item] = []  # merge identities and partijen that merge with nobody, as answered
    for item in records:
        key = merge_key(item.obj)  # type: ignore[arg-type]
        if key is None:
            order.append(item)
        else:
            if key not in grouped:
                order.append(key)
            grouped[key].append(item)
    # every source was asked for this identificator: a partij merged by it is complete; one merged
    # by another identificator (a vestigingsnummer, for a KvK lookup) needs a search of its own
    complete = {
        key: merged_partij(request.identities, key, grouped[key]) for key in grouped if _merged_by(key, value, kind)
    }
    request.loader.adopt(complete.values())
    others = await request.loader.merged([key for key in grouped if key not in complete], expand)
    nodes: list[Node] = [
        entry
        if isinstance(entry, Item)
        else complete.get(entry) or others.get(entry) or merged_partij(request.identities, entry, grouped[entry])
        for entry in order
    ]
    if conditions:
        verdict = await request.matcher.matches(nodes, conditions)
        nodes = [node for node, ok in zip(nodes, verdict, strict=True) if ok]
    start = (query.page - 1) * query.page_size
    return page_of(query, len(nodes), nodes[start : start + query.page_size])


def _merged_by(key: str, value: object, kind: object) -> bool:
    parts = merge_key_parts(key)
    return parts is not None and parts[2] == value and kind in (None, parts[1])


async def listed(
    request: Request, query: ParsedQuery, plans: list[Plan], conditions: list[Condition], expand: frozenset[str]
) -> ListResult:
    """A page of partijen in source order, merged with the other sources' records of the same identities."""
    page, count = await page_in_source_order(request, query, plans, conditions)
    keyed = [(item, merge_key(item.obj)) for item in page]  # type: ignore[arg-type]
    holders = await _holders(request, keyed, expand)
    listed_higher = await _listed_higher_up(request, keyed, holders, conditions)
    nodes: list[Node] = []
    shown: set[str] = set()
    for item, key in keyed:
        if key is None:
            nodes.append(item)
        elif key not in shown and (item.source.name, key) not in listed_higher:
            shown.add(key)
            nodes.append(merged_partij(request.identities, key, holders[key]))
    request.loader.adopt(node for node in nodes if isinstance(node, MergedPartij))
    if conditions:
        verdict = await request.matcher.matches(nodes, conditions)
        nodes = [node for node, ok in zip(nodes, verdict, strict=True) if ok]
    return page_of(query, count, nodes)


Keyed = list[tuple[Item, str | None]]
"""The page's partijen with their merge identities (`merge_key`, worked out once)."""


async def _holders(request: Request, keyed: Keyed, expand: frozenset[str]) -> dict[str, list[Item]]:
    """Per identity on the page: its records on the page and in the other sources (one search
    per other source for the identities the page shows of the others; none with one source)."""
    holders: dict[str, list[Item]] = defaultdict(list)
    for item, key in keyed:
        if key:
            holders[key].append(item)
    sources = [source for source in request.engine.sources if source.support("partijen")]
    wanted = {
        source: sorted({key for key, items in holders.items() if any(i.source is not source for i in items)})
        for source in sources
    }

    async def search(source: Source, keys: list[str]) -> list[Item]:
        pairs = [(parts[1], parts[2]) for key in keys if (parts := merge_key_parts(key))]
        try:
            found = await request.find_partijen(source, pairs, expand)
        except SourceFailed as failure:
            request.fail(failure)  # a strict request fails; else these partijen show without it
            return []
        return [Item(source, partij) for partij in found]

    answers = await gather(request.context.budget, (search(s, keys) for s, keys in wanted.items() if keys))
    seen = {(item.source.name, item.obj.key) for items in holders.values() for item in items}
    for item in (item for answer in answers for item in answer):
        key = merge_key(item.obj)  # type: ignore[arg-type]
        if key in holders and (item.source.name, item.obj.key) not in seen:  # re-checked: a source may answer loosely
            seen.add((item.source.name, item.obj.key))
            holders[key].append(item)
    request.loader.remember([item for items in holders.values() for item in items])
    return holders


async def _listed_higher_up(
    request: Request, keyed: Keyed, holders: dict[str, list[Item]], conditions: list[Condition]
) -> set[tuple[str, str]]:
    """(source, identity) of the page's partijen that a higher-priority source lists for this
    query too: they are shown there, with every source's records."""
    on_page = {(item.source.name, item.obj.key) for item, _ in keyed}
    candidates = {
        (holder.source.name, holder.obj.key): holder
        for item, key in keyed
        if key
        for holder in holders.get(key, ())
        if holder.source.priority < item.source.priority and (holder.source.name, holder.obj.key) not in on_page
    }
    found = list(candidates.values())
    matching = found
    if conditions and found:
        verdict = await request.matcher.matches(found, conditions)
        matching = [item for item, ok in zip(found, verdict, strict=True) if ok]
    # per identity: the highest priority (lowest number) of a source that lists it for this query
    highest: dict[str, int] = {}
    for item, key in [*((item, merge_key(item.obj)) for item in matching), *keyed]:  # type: ignore[arg-type]
        if key is not None and item.source.priority < highest.get(key, item.source.priority + 1):
            highest[key] = item.source.priority
    return {(item.source.name, key) for item, key in keyed if key and highest[key] < item.source.priority}
