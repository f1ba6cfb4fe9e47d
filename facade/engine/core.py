"""The query engine: plan, fan out, verify, merge, page (docs/decisions/0007-engine.md).

    parse -> resolve identities -> plan per source -> fan out (concurrently)
          -> verify every filter -> merge in the resource's order -> page

The HTTP layer hands in a `ParsedQuery` and gets engine nodes back; rendering and expand work
on those nodes. Adapters never see paging across sources, other sources or façade UUIDs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from facade.engine.fetching import Plan, SourceFailed, call_source, make_plan
from facade.engine.filtering import Matcher
from facade.engine.graph import Item, Loader, MergedPartij, Node
from facade.engine.guard import CallContext
from facade.engine.params import Condition, ParsedQuery
from facade.engine.paths import Walker, relation_target
from facade.engine.sources import Identities, Source, merge_key
from facade.errors import not_found
from mapping.contract import RESOURCES, ResourceDef
from mapping.conventions import WELL_KNOWN, Conventions
from mapping.ki import Partij

log = logging.getLogger("facade.engine")

_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)
REVERSE_CHUNK = 10
"""Keys per query when the engine asks a source for the objects that refer to a set of objects."""


@dataclass
class ListResult:
    count: int
    nodes: list[Node]


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


class Request:
    """Everything one API request shares: its loader (memo), walker, matcher, failures, and the
    context of its calls to sources (deadline, cache bypass, sources asked)."""

    def __init__(
        self,
        engine: Engine,
        strict: bool = False,
        context: CallContext | None = None,
        conventions: Conventions = WELL_KNOWN,
    ):
        self.engine = engine
        self.identities = engine.identities
        self.strict = strict
        """No partial answer: a failing source fails the request (503)."""
        self.context = context if context is not None else CallContext()
        """Passed along with every call this request makes to a source."""
        self.failures: dict[str, str] = {}
        """Sources that failed in a partial answer, by name, with their reason class."""
        self.loader = Loader(engine.identities, self.find_partijen, self.get_many, self.fail)
        self.walker = Walker(self.loader, self.reverse_lookup)
        self.matcher = Matcher(self.walker, conventions)

    def fail(self, failure: Exception) -> None:
        """A source failed: a strict request fails too; an ordinary one goes on without it."""
        if not isinstance(failure, SourceFailed) or self.strict:
            raise failure
        self.failures.setdefault(failure.source.name, failure.reason)

    async def get_many(self, source: Source, resource: str, keys: list[str]) -> dict:
        return await call_source(source, source.guard.get_many(self.context, resource, keys))

    # --- helpers the loader and walker call back into ----------------------------------------

    async def find_partijen(self, source: Source, identificatoren: list[tuple[str, str]]) -> list[Partij]:
        if not identificatoren:
            return []
        batch = await call_source(source, source.guard.find_partijen(self.context, identificatoren))
        if batch is not None:
            return [p for p in batch if isinstance(p, Partij)]
        support = source.support("partijen")
        assert support is not None
        pushable = {
            "partijIdentificator__codeSoortObjectId",
            "partijIdentificator__objectId",
        } <= support.pushdown.keys()
        if not pushable:
            items = await Plan(source, "partijen", {}, False, support.max_page, self.context).everything()
            return [item.obj for item in items]  # type: ignore[misc]
        answers = await asyncio.gather(
            *(
                Plan(
                    source,
                    "partijen",
                    {"partijIdentificator__codeSoortObjectId": soort, "partijIdentificator__objectId": value},
                    False,
                    support.max_page,
                    self.context,
                ).everything()
                for soort, value in identificatoren
            )
        )
        return [item.obj for items in answers for item in items]  # type: ignore[misc]

    async def reverse_lookup(self, source: Source, resource: str, field: str, keys: frozenset[str]) -> list[Item]:
        support = source.support(resource)
        if support is None:
            return []
        name = f"{field}__uuid"
        if name not in support.pushdown:
            items = await Plan(source, resource, {}, False, support.max_page, self.context).everything()
        else:
            # a page of objects gives many keys; a source answers a few per query (one upstream
            # query per key, for a Klantinteracties register), so ask in bounded chunks
            ordered = sorted(keys)
            chunks = [frozenset(ordered[i : i + REVERSE_CHUNK]) for i in range(0, len(ordered), REVERSE_CHUNK)]
            answers = await asyncio.gather(
                *(
                    Plan(source, resource, {name: chunk}, False, support.max_page, self.context).everything()
                    for chunk in chunks
                )
            )
            items = [item for answer in answers for item in answer]
        self.loader.remember(items)
        return items

    # --- identities of filter values -----------------------------------------------------------

    async def keys_for(self, target: str, value: uuid.UUID) -> dict[str, frozenset[str]]:
        """Per source name: the upstream keys a façade UUID of `target` stands for there."""
        keys: dict[str, set[str]] = defaultdict(set)
        for source, key in self.identities.candidates(target, value):
            keys[source.name].add(key)
        merged_key = self.identities.merged_candidate(target, value)
        if merged_key is not None:
            merged = (await self.loader.merged([merged_key]))[merged_key]
            for item in merged.items if merged else ():
                keys[item.source.name].add(item.obj.key)
        return {name: frozenset(found) for name, found in keys.items()}


class Engine:
    def __init__(self, sources: Sequence[Source], identities: Identities):
        self.sources = list(sources)
        self.identities = identities

    def request(
        self, strict: bool = False, context: CallContext | None = None, conventions: Conventions = WELL_KNOWN
    ) -> Request:
        """A request's shared state; `conventions`: every identificator convention its filters are
        understood in (the well-known ones and those of the configured profiles)."""
        return Request(self, strict, context, conventions)

    @staticmethod
    async def _each_source(request: Request, plans: list[Plan], work):
        """Run `work(plan)` for every source concurrently; a failed source drops out (recorded),
        or fails the request when it is strict."""

        async def one(plan: Plan):
            try:
                return plan, await work(plan)
            except SourceFailed as failure:
                request.fail(failure)
                return plan, None

        done = await asyncio.gather(*(one(plan) for plan in plans))
        return [(plan, result) for plan, result in done if result is not None]

    def sources_for(self, resource: str) -> list[Source]:
        return [source for source in self.sources if source.support(resource)]

    # --- detail ------------------------------------------------------------------------------

    async def detail(self, request: Request, resource: ResourceDef, value: uuid.UUID) -> Node:
        """The object behind a UUID; never partial, and never a 404 while a source that might
        hold it failed (then 503)."""
        wanted = [(source, resource.name, key) for source, key in self.identities.candidates(resource.name, value)]
        merged_key = self.identities.merged_candidate(resource.name, value)
        request.strict = False  # a candidate source failing is only fatal if the object is not found
        loaded, merged = await asyncio.gather(
            request.loader.load(wanted),
            request.loader.merged([merged_key] if merged_key else []),
        )
        request.strict = True
        expected = str(value)
        found: Node | None = next(
            (i for i in loaded.values() if i is not None and self.identities.object_uuid(i.source, i.obj) == expected),
            None,
        )
        if found is None and merged_key:
            found = merged.get(merged_key)
        if found is None:
            found = await self.by_earlier_uuid(request, loaded.values(), expected)
        if request.failures and (found is None or isinstance(found, MergedPartij)):
            name, reason = next(iter(request.failures.items()))
            source = next(s for s in self.sources if s.name == name)
            raise SourceFailed(source, reason).problem()
        if found is None:
            raise not_found()
        return found

    async def by_earlier_uuid(self, request: Request, loaded, expected: str) -> Node | None:
        """A partij by the UUID it had before it got a BSN, KvK number or vestigingsnummer (its
        source's UUID): since then it is published under its merged UUID, but a client that
        created it and then added the identificator still holds the first one (ADR 19)."""
        for item in loaded:
            if item is None or not isinstance(item.obj, Partij) or not (key := merge_key(item.obj)):
                continue
            if self.identities.of(item.source, item.obj.resource, item.obj.key) == expected:
                merged = (await request.loader.merged([key]))[key]
                return merged or item
        return None

    # --- list --------------------------------------------------------------------------------

    async def list(self, request: Request, query: ParsedQuery) -> ListResult:
        if is_identity_lookup(query):
            request.strict = True  # a lookup by BSN/KvK/vestigingsnummer is never partial
        try:
            result = await self._list(request, query)
        except SourceFailed as failure:
            raise failure.problem() from failure
        if query.page > 1 and (query.page - 1) * query.page_size >= result.count:
            # past the end, as in Open Klant a 404; but the end of a partial answer is not known
            if request.failures:
                name, reason = sorted(request.failures.items())[0]
                raise SourceFailed(next(s for s in self.sources if s.name == name), reason).problem()
            raise not_found("Ongeldige pagina.")
        return result

    async def _list(self, request: Request, query: ParsedQuery) -> ListResult:
        resource = query.resource.name
        conditions = list(query.conditions)
        expand = source_expand(resource, query.expand, self.identities.merge_partijen)
        plans = await self._plans(request, resource, conditions, expand)
        if not plans:
            return ListResult(0, [])
        merging = resource == "partijen" and self.identities.merge_partijen
        if merging:
            nodes = await self._merged_partijen(request, plans, conditions)
            start = (query.page - 1) * query.page_size
            result = self._page(query, len(nodes), nodes[start : start + query.page_size])
        elif query.resource.order != "source":
            result = await self._time_ordered(request, query, plans, conditions)
        else:
            result = await self._source_ordered(request, query, plans, conditions)
        return result

    async def _plans(
        self, request: Request, resource: str, conditions: list[Condition], expand: frozenset[str] = frozenset()
    ) -> list[Plan]:
        identity_at = [i for i, c in enumerate(conditions) if c.filter.op == "is"]
        per_condition = await asyncio.gather(
            *(
                request.keys_for(target_of(resource, conditions[i].filter.attribute), conditions[i].value)
                for i in identity_at
            )
        )
        plans = []
        for source in self.sources_for(resource):
            keys = {i: found.get(source.name, frozenset()) for i, found in zip(identity_at, per_condition, strict=True)}
            if any(not k for k in keys.values()):
                continue  # the object named by a uuid/url filter cannot be in this source
            plans.append(
                make_plan(source, resource, conditions, keys, request.context, expand, request.loader.remember)
            )
        return plans

    async def _verified(self, request: Request, items: list[Item], conditions: list[Condition]) -> list[Item]:
        request.loader.remember(items)
        if not conditions or not items:
            return items
        verdict = await request.matcher.matches(items, conditions)
        return [item for item, ok in zip(items, verdict, strict=True) if ok]

    async def _all_verified(self, request: Request, plan: Plan, conditions: list[Condition]) -> list[Item]:
        items = await plan.everything()
        verified = await self._verified(request, items, conditions)
        if plan.exact and len(verified) < len(items):
            log.warning(
                "source %s returned %d records that do not match its filters",
                plan.source.name,
                len(items) - len(verified),
            )
        return verified

    # --- resources in source order -------------------------------------------------------------

    async def _source_ordered(self, request, query: ParsedQuery, plans: list[Plan], conditions) -> ListResult:
        start, end = (query.page - 1) * query.page_size, query.page * query.page_size
        first_limit = query.page_size if query.page == 1 else 1

        async def phase_one(plan: Plan) -> tuple[list[Item], int]:
            if plan.exact:
                items, total = await plan.window(0, first_limit)
                if total is not None:
                    return items, total
            return await self._all_verified(request, plan, conditions), -1  # -1: holds everything

        answered = await self._each_source(request, plans, phase_one)
        plans = [plan for plan, _ in answered]
        first = [result for _, result in answered]
        counts = [total if total >= 0 else len(items) for items, total in first]
        needed = []
        offset = 0
        for plan, (items, total), count in zip(plans, first, counts, strict=True):
            lo, hi = max(0, start - offset), min(count, end - offset)
            offset += count
            needed.append((plan, items, total, lo, hi))

        async def page_part(plan: Plan, items: list[Item], total: int, lo: int, hi: int) -> list[Item]:
            if hi <= lo:
                return []
            if total < 0:
                return items[lo:hi]
            window = items[lo:hi] if hi <= len(items) else (await plan.window(lo, hi - lo))[0]
            verified = await self._verified(request, window, conditions)
            if len(verified) == len(window):
                return verified
            raise _Untrusted(plan)

        by_plan = {id(entry[0]): entry for entry in needed}
        try:
            parts = await self._each_source(request, plans, lambda plan: page_part(*by_plan[id(plan)]))
        except _Untrusted as untrusted:
            log.warning(
                "source %s applied a filter it declared exact loosely; reading it whole", untrusted.plan.source.name
            )
            demoted = [dataclasses.replace(p, exact=False) if p is untrusted.plan else p for p in plans]
            return await self._source_ordered(request, query, demoted, conditions)
        if len(parts) < len(plans):  # a source failed between its count and its page: answer without it
            return await self._source_ordered(request, query, [plan for plan, _ in parts], conditions)
        nodes: list[Node] = [item for _, part in parts for item in part]
        return self._page(query, sum(counts), nodes)

    @staticmethod
    def _page(query: ParsedQuery, count: int, page: list[Node]) -> ListResult:
        """One page of a list of `count` (`list` decides what a page past the end is)."""
        return ListResult(count, page)

    # --- klantcontacten and internetaken: newest first across sources --------------------------

    async def _time_ordered(self, request, query: ParsedQuery, plans: list[Plan], conditions) -> ListResult:
        field = query.resource.order
        needed = query.page * query.page_size

        def sort_key(item: Item) -> tuple:
            moment = getattr(item.obj, field) or _EPOCH
            return (-moment.timestamp(), self.identities.object_uuid(item.source, item.obj) or "")

        async def top(plan: Plan) -> tuple[list[Item], int]:
            support = plan.source.support(plan.resource)
            if plan.exact and support is not None and support.ordered:
                items, total = await plan.window(0, needed + 1)  # one more shows a tie at the boundary
                items = await self._extend_ties(plan, items, field, needed)
                if total is not None and _is_sorted(items, field):
                    verified = await self._verified(request, items, conditions)
                    if len(verified) == len(items):
                        return verified, total
                log.warning("source %s broke its declared order or filters; reading it whole", plan.source.name)
            items = await self._all_verified(request, plan, conditions)
            return sorted(items, key=sort_key), len(items)

        results = [result for _, result in await self._each_source(request, plans, top)]
        merged = sorted((item for items, _ in results for item in items), key=sort_key)
        count = sum(total for _, total in results)
        start = (query.page - 1) * query.page_size
        return self._page(query, count, merged[start : start + query.page_size])

    @staticmethod
    async def _extend_ties(plan: Plan, items: list[Item], field: str, needed: int) -> list[Item]:
        """Read on while records share the timestamp of the last one a page can need, so that the
        tie-break by UUID sees all of them."""
        if len(items) <= needed or needed == 0:
            return items
        boundary = getattr(items[needed - 1].obj, field)
        while getattr(items[-1].obj, field) == boundary:
            more, _ = await plan.window(len(items), 25)
            known = {item.obj.key for item in items}  # a record left out shifts offsets: no record twice
            items = items + [item for item in more if item.obj.key not in known]
            if len(more) < 25:
                break
        return items

    # --- partijen merged across sources --------------------------------------------------------

    async def _merged_partijen(self, request, plans: list[Plan], conditions) -> list[Node]:
        answers = await self._each_source(request, plans, lambda plan: plan.everything())
        candidates = [item for _, items in answers for item in items]
        request.loader.remember(candidates)
        keys = [key for item in candidates if (key := merge_key(item.obj))]  # type: ignore[arg-type]
        merged = await request.loader.merged(keys)
        nodes: list[Node] = []
        seen: set[str] = set()
        for item in candidates:
            key = merge_key(item.obj)  # type: ignore[arg-type]
            node: Node = merged.get(key) or item if key else item  # type: ignore[assignment]
            identity = node.uuid if isinstance(node, MergedPartij) else f"{item.source.name}\0{item.obj.key}"
            if identity not in seen:
                seen.add(identity)
                nodes.append(node)
        if conditions:
            verdict = await request.matcher.matches(nodes, conditions)
            nodes = [node for node, ok in zip(nodes, verdict, strict=True) if ok]
        return nodes


def source_expand(resource: str, expand: frozenset[str], merge_partijen: bool) -> frozenset[str]:
    """The expand hint for sources: the client's `expand`, plus, when partijen are merged, the
    partijen that the expanded objects refer to (`hadBetrokkenen` -> `hadBetrokkenen.wasPartij`).

    Publishing a reference to a mergeable partij needs that partij's identificators; a source
    that sends the partijen along (a Klantinteracties upstream does) saves one read per partij.
    Only values the contract allows for the resource are added; the answer is the same either way.
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


def is_identity_lookup(query: ParsedQuery) -> bool:
    """Does this list look someone up by an identificator (BSN, KvK, vestigingsnummer), directly,
    through a relation, or by a partij's UUID? Such an answer is never partial."""
    for condition in query.conditions:
        name = condition.filter.name
        if "partijIdentificator" in name or name.startswith("subIdentificatorVan"):
            return True
        if condition.filter.op == "is" and target_of(query.resource.name, condition.filter.attribute) == "partijen":
            return True
    return False


class _Untrusted(Exception):
    def __init__(self, plan: Plan):
        self.plan = plan


def _is_sorted(items: list[Item], field: str) -> bool:
    moments = [getattr(item.obj, field) or _EPOCH for item in items]
    return all(a >= b for a, b in itertools.pairwise(moments))
