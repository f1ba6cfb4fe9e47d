"""The query engine: plan, fan out, verify, merge, page (docs/decisions/0007-engine.md).

    parse -> resolve identities -> plan per source -> fan out (concurrently)
          -> verify every filter -> merge in the resource's order -> page

What a request costs the sources follows the page it asks for, not what the sources hold
(docs/decisions/0014-cost-follows-the-page.md): `ordering.py` pages across sources,
`partijen.py` merges partijen, and every call is paid from the request's budget (`budget.py`).
The HTTP layer hands in a `ParsedQuery` and gets engine nodes back; rendering and expand work
on those nodes. Adapters never see paging across sources, other sources or façade UUIDs.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import ParamSpec, TypeVar

from facade.engine import partijen
from facade.engine.budget import gather
from facade.engine.fetching import Plan, SourceFailed, call_source, make_plan
from facade.engine.filtering import Matcher
from facade.engine.graph import Item, Loader, MergedPartij, Node
from facade.engine.guard import CallContext
from facade.engine.ordering import ListResult, Unmergeable, by_source, merged_by_time, single_source
from facade.engine.params import Condition, ParsedQuery
from facade.engine.paths import Walker, source_expand, target_of
from facade.engine.sources import Identities, Source, merge_key
from facade.errors import not_found
from mapping.contract import ResourceDef
from mapping.conventions import WELL_KNOWN, Conventions
from mapping.ki import Partij

REVERSE_CHUNK = 10
"""Keys per query when the engine asks a source for the objects that refer to a set of objects."""
_IDENTIFICATOR_PARTS = ("partijIdentificator__codeSoortObjectId", "partijIdentificator__objectId")


P = ParamSpec("P")
R = TypeVar("R")


def _weak(method: Callable[P, R]) -> Callable[P, R]:
    """`method`, holding its object weakly (the object outlives every call it makes)."""
    reference = weakref.WeakMethod(method)  # type: ignore[arg-type]

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = reference()
        assert bound is not None, "a request's helper outlived the request"
        return bound(*args, **kwargs)

    return call


class Request:
    """Everything one API request shares: its loader (memo), walker, matcher, failures, and the
    context of its calls to sources (cache bypass, sources asked, budget)."""

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
        # the loader and walker call back into this request through weak references: strong ones
        # would make a cycle, and every object a request read (thousands a page) would then wait
        # for the cyclic garbage collector instead of being freed when the request ends
        self.loader = Loader(
            engine.identities, _weak(self.find_partijen), _weak(self.get_many), _weak(self.fail), self.context.budget
        )
        self.walker = Walker(self.loader, _weak(self.reverse_lookup))
        self.matcher = Matcher(self.walker, conventions)

    def fail(self, failure: Exception) -> None:
        """A source failed: a strict request fails too; an ordinary one goes on without it."""
        if not isinstance(failure, SourceFailed) or self.strict:
            raise failure
        self.failures.setdefault(failure.source.name, failure.reason)

    async def get_many(self, source: Source, resource: str, keys: list[str]) -> dict:
        return await call_source(source, source.guard.get_many(self.context, resource, keys))

    # --- helpers the loader and walker call back into ----------------------------------------

    async def find_partijen(
        self, source: Source, identificatoren: list[tuple[str, str]], expand: frozenset[str] = frozenset()
    ) -> list[Partij]:
        """The source's partijen with one of these identificatoren: its own batch search, else one
        list query per identificator (with `expand`, so what the answer expands comes along)."""
        if not identificatoren:
            return []
        batch = await call_source(source, source.guard.find_partijen(self.context, identificatoren))
        if batch is not None:
            return [p for p in batch if isinstance(p, Partij)]
        support = source.support("partijen")
        assert support is not None
        if not set(_IDENTIFICATOR_PARTS) <= support.pushdown.keys():
            items = await self._plan(source, "partijen", {}, expand).everything()
            return [item.obj for item in items]  # type: ignore[misc]
        answers = await gather(
            self.context.budget,
            (
                self._plan(source, "partijen", dict(zip(_IDENTIFICATOR_PARTS, pair, strict=True)), expand).everything()
                for pair in identificatoren
            ),
        )
        return [item.obj for items in answers for item in items]  # type: ignore[misc]

    def _plan(self, source: Source, resource: str, pushed: dict, expand: frozenset[str] = frozenset()) -> Plan:
        support = source.support(resource)
        assert support is not None
        return Plan(source, resource, pushed, False, support.max_page, self.context, expand, self.loader.remember)

    async def reverse_lookup(self, source: Source, resource: str, field: str, keys: frozenset[str]) -> list[Item]:
        support = source.support(resource)
        if support is None:
            return []
        name = f"{field}__uuid"
        if name not in support.pushdown:
            items = await self._plan(source, resource, {}).everything()
        else:
            # a page of objects gives many keys; a source answers a few per query (one upstream
            # query per key, for a Klantinteracties register), so ask in bounded chunks
            ordered = sorted(keys)
            chunks = [frozenset(ordered[i : i + REVERSE_CHUNK]) for i in range(0, len(ordered), REVERSE_CHUNK)]
            answers = await gather(
                self.context.budget, (self._plan(source, resource, {name: chunk}).everything() for chunk in chunks)
            )
            items = [item for answer in answers for item in answer]
        self.loader.remember(items)
        return items

    # --- identities of filter values -----------------------------------------------------------

    async def keys_for(self, target: str, value: uuid.UUID) -> dict[str, frozenset[str]]:
        """Per source name: the upstream keys a façade UUID of `target` stands for there."""
        keys: dict[str, set[str]] = defaultdict(set)
        merged_key = self.identities.merged_candidate(target, value)
        if merged_key is not None:  # a merged partij's UUID is no source's: ask only for the merged partij
            merged = (await self.loader.merged([merged_key]))[merged_key]
            for item in merged.items if merged else ():
                keys[item.source.name].add(item.obj.key)
        else:
            for source, key in self.identities.candidates(target, value):
                keys[source.name].add(key)
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

    def sources_for(self, resource: str) -> list[Source]:
        return [source for source in self.sources if source.support(resource)]

    # --- detail ------------------------------------------------------------------------------

    async def detail(
        self, request: Request, resource: ResourceDef, value: uuid.UUID, expand: frozenset[str] = frozenset()
    ) -> Node:
        """The object behind a UUID; never partial, and never a 404 while a source that might
        hold it failed (then 503). A merged partij's UUID lives in no source's key space: only
        the merged partij is looked up (with what the answer expands), no source is asked for a
        key the UUID only seems to decode to there."""
        merged_key = self.identities.merged_candidate(resource.name, value)
        hint = source_expand(resource.name, expand, self.identities.merge_partijen)
        request.strict = False  # a candidate source failing is only fatal if the object is not found
        if merged_key is not None:
            merged = await request.loader.merged([merged_key], hint)
            found: Node | None = merged.get(merged_key)
        else:
            found = await self._first_found(request, resource.name, value)
            if isinstance(found, Item) and (key := self._merged_since(found)) is not None:
                found = (await request.loader.merged([key], hint))[key] or found
        request.strict = True
        if request.failures and (found is None or isinstance(found, MergedPartij)):
            name, reason = next(iter(request.failures.items()))
            source = next(s for s in self.sources if s.name == name)
            raise SourceFailed(source, reason).problem()
        if found is None:
            raise not_found()
        return found

    async def _first_found(self, request: Request, resource: str, value: uuid.UUID) -> Item | None:
        """Ask every source whose key space the UUID decodes in, at once; the first that holds the
        object under this UUID answers, and the others are no longer waited for (a UUID is one
        object's). A partij is held under its source's UUID also when it is published merged
        since (`_merged_since`)."""
        wanted = str(value)
        candidates = self.identities.candidates(resource, value)
        request.context.budget.spend_tasks(len(candidates))
        pending = {asyncio.ensure_future(request.loader.load([(source, resource, key)])) for source, key in candidates}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    for item in task.result().values():
                        if item is not None and self.identities.of(item.source, resource, item.obj.key) == wanted:
                            return item
            return None
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def by_earlier_uuid(self, request: Request, loaded: Iterable[Item | None], expected: str) -> Node | None:
        """A partij among these, by the UUID it had before it got a BSN, KvK number or
        vestigingsnummer (its source's UUID), as the merged partij it is published as now."""
        for item in loaded:
            if item is None or (key := self._merged_since(item)) is None:
                continue
            if self.identities.of(item.source, item.obj.resource, item.obj.key) == expected:
                return (await request.loader.merged([key]))[key] or item
        return None

    def _merged_since(self, item: Item) -> str | None:
        """The merge identity of a partij found by its source's UUID that is published merged: it
        got a BSN, KvK number or vestigingsnummer after a client learnt that UUID (it created the
        partij, then added the identificator), and the UUID still finds it (ADR 19)."""
        if self.identities.merge_partijen and isinstance(item.obj, Partij):
            return merge_key(item.obj)
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
        """One page, planned by how many sources serve it and what order they keep (ADR 14)."""
        resource = query.resource.name
        conditions = list(query.conditions)
        expand = query.expand
        merging = resource == "partijen" and self.identities.merge_partijen
        if merging and (lookup := partijen.lookup_of(conditions)) is not None:
            return await partijen.looked_up(request, query, conditions, lookup, expand)
        plans = await self._plans(request, resource, conditions, expand)
        if not plans:
            return ListResult(0, [])
        if merging:
            return await partijen.listed(request, query, plans, conditions, expand)
        if len(plans) == 1:
            return await single_source(request, query, plans[0], conditions)
        if query.resource.order != "source":
            try:
                return await merged_by_time(request, query, plans, conditions)
            except Unmergeable:
                pass  # a source that cannot order its records has more than a page of them
        return await by_source(request, query, plans, conditions)

    async def _plans(
        self, request: Request, resource: str, conditions: list[Condition], expand: frozenset[str] = frozenset()
    ) -> list[Plan]:
        identity_at = [i for i, c in enumerate(conditions) if c.filter.op == "is"]
        per_condition = await gather(
            request.context.budget,
            (
                request.keys_for(target_of(resource, conditions[i].filter.attribute), conditions[i].value)
                for i in identity_at
            ),
        )
        plans = []
        for source in self.sources_for(resource):
            keys = {i: found.get(source.name, frozenset()) for i, found in zip(identity_at, per_condition, strict=True)}
            if any(not k for k in keys.values()):
                continue  # the object named by a uuid/url filter cannot be in this source
            plans.append(
                make_plan(
                    source,
                    resource,
                    conditions,
                    keys,
                    request.context,
                    expand,
                    request.loader.remember,
                    source_expand(resource, expand, self.identities.merge_partijen) - expand,
                    self.identities.published,
                )
            )
        return plans


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
