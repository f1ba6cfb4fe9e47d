"""Asking one source for records: plans of pushdown, pages read lazily, errors translated."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from adapters.diagnostics import describe as describe_error
from adapters.protocol import FilterValue, ListPage, ListQuery, Pushdown, SourceError, SourceUnavailable
from facade.engine.budget import BudgetExhausted, gather
from facade.engine.filtering import convention_part
from facade.engine.graph import Item
from facade.engine.guard import CallContext
from facade.engine.params import Condition
from facade.engine.published import PublishedPartijen
from facade.engine.render import partij_refs
from facade.engine.sources import Source
from facade.errors import ProblemError
from mapping.ki import Partij

log = logging.getLogger("facade.engine")

_PAGE_CONCURRENCY = 4


class SourceFailed(Exception):
    """A source failed during a request; carries the configured name and a reason class."""

    def __init__(self, source: Source, reason: str):
        super().__init__(f"source {source.name!r} failed: {reason}")
        self.source = source
        self.reason = reason

    def problem(self) -> ProblemError:
        """503: the answer would be incomplete, so there is none (yet)."""
        if self.reason == BudgetExhausted.reason:
            return ProblemError(
                503,
                "request_budget",
                "Het verzoek vraagt te veel van de bronnen.",
                "Het antwoord zou meer verzoeken aan de bronapplicaties kosten dan een verzoek mag kosten; "
                "een onvolledig antwoord wordt voor dit verzoek niet gegeven. Verfijn de vraag.",
            )
        breaker = self.source.guard.breaker
        retry_after = breaker.retry_after() if breaker.opened_at is not None else 5
        return ProblemError(
            503,
            "source_unavailable",
            "Een bronapplicatie is niet beschikbaar.",
            f"De bron '{self.source.name}' kon niet worden bevraagd ({self.reason}); "
            "een onvolledig antwoord wordt voor dit verzoek niet gegeven.",
            headers={"Retry-After": str(retry_after)},
        )


async def call_source(source: Source, coroutine):
    """Await a guarded adapter call; anything it raises becomes a `SourceFailed` naming the source."""
    try:
        return await coroutine
    except SourceError as exc:
        log.warning("source %s failed: %s", source.name, exc.reason)
        raise SourceFailed(source, exc.reason) from exc
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        # an adapter bug or an unexpected library error: never a 500 for the client, and never its
        # text in the log (it can quote a record: a BSN)
        log.error("source %s raised an unexpected error: %s", source.name, describe_error(exc))
        raise SourceFailed(source, SourceUnavailable.reason) from exc


@dataclass(frozen=True)
class Plan:
    """What one source is asked for one resource and how far its answers can be trusted."""

    source: Source
    resource: str
    pushed: Mapping[str, FilterValue]
    exact: bool
    """Every condition is pushed down and declared exact: counts and offsets can be trusted."""
    max_page: int
    context: CallContext
    """The request's, for every call this plan makes."""
    expand: frozenset[str] = frozenset()
    remember: Callable[[list[Item]], None] | None = None
    """Where objects the source returned along with its records go (the request's loader), at
    once: re-checking filters and expanding then need not fetch them again."""
    identify: frozenset[str] = frozenset()
    """`expand` values that bring the partijen the expanded objects refer to: asked for only
    when a page refers to partijen whose published UUID the façade does not know (ADR 14)."""
    published: PublishedPartijen | None = None

    async def window(self, offset: int, limit: int) -> tuple[list[Item], int | None]:
        """Records [offset, offset+limit) in the source's order (less those that do not map),
        and its total if known. A window that reaches the end of the source's answer knows the
        total itself: what the source claims counts records left out here (no object, unusable)."""
        items, total, position = await self._read(offset, limit)
        if position < offset + limit:
            total = offset + len(items)
        return items, total

    async def _read(self, offset: int, limit: int) -> tuple[list[Item], int | None, int]:
        """`window`, and the position after the last record the source had (offset+limit at most)."""
        items: list[Item] = []
        total: int | None = None
        position, end = offset, offset + limit
        while position < end:
            want = min(end - position, self.max_page)
            query = ListQuery(self.resource, self.pushed, position, want, self.expand)
            page = await call_source(self.source, self.source.guard.list(self.context, query))
            if self.identify and self._refers_to_unknown_partijen(page):
                query = dataclasses.replace(query, expand=self.expand | self.identify)
                page = await call_source(self.source, self.source.guard.list(self.context, query))
            if page.related and self.remember is not None:
                self.remember([Item(self.source, r) for r in page.related if self.source.accepts(r)])
            total = page.total if page.total is not None else total
            accepted = [r for r in page.records if r.resource == self.resource and self.source.accepts(r)]
            if len(accepted) < len(page.records):
                log.warning(
                    "source %s: skipped %d %s records of another resource or with an unusable key",
                    self.source.name,
                    len(page.records) - len(accepted),
                    self.resource,
                )
            items.extend(Item(self.source, record) for record in accepted)
            # a record the adapter left out still had its place: only a short window is the end
            read = len(page.records) + max(0, page.skipped)
            position += read
            if read < want:
                break
        return _unique(items), total, position

    def _refers_to_unknown_partijen(self, page: ListPage) -> bool:
        """Do the objects that came along refer to a partij not among them, whose published UUID
        the façade does not know? Then the page is asked again with those partijen expanded."""
        if self.published is None:
            return False
        along = {obj.key for obj in page.related if isinstance(obj, Partij)}
        return any(
            ref.key not in along and self.published.get(self.source.name, ref.key) is None
            for obj in page.related
            for _, _, ref in partij_refs(self.source, obj)
        )

    async def everything(self) -> list[Item]:
        """All records matching the pushed filters: the first page, then the pages its total says
        exist, a few at a time (created as they are read: a source claiming a huge total costs
        what the request's budget allows, then fails it), then on until a short page."""
        first, total, position = await self._read(0, self.max_page)
        if position < self.max_page:
            return first
        pages: dict[int, tuple[list[Item], int]] = {0: (first, position)}
        wanted = range(position, total or 0, self.max_page)
        offsets = iter(wanted)

        async def reader() -> None:
            for offset in offsets:  # shared by the readers: each page is read once
                items, _, end = await self._read(offset, self.max_page)
                pages[offset] = (items, end)

        await gather(self.context.budget, (reader() for _ in range(min(_PAGE_CONCURRENCY, len(wanted)))))
        items = [item for offset in sorted(pages) for item in pages[offset][0]]
        last_start = max(pages)
        last_end = pages[last_start][1]
        if last_end - last_start == self.max_page:  # no total, or one too low: read on until a short page
            items += await self._sequential_from(last_end)
        return _unique(items)

    async def _sequential_from(self, offset: int) -> list[Item]:
        items: list[Item] = []
        position = offset
        while True:
            page, _, end = await self._read(position, self.max_page)
            items.extend(page)
            if end - position < self.max_page:
                return items
            position = end


def _unique(items: list[Item]) -> list[Item]:
    """One item per record: an application can list a record twice (Open Klant does, for a
    filter through a to-many relation)."""
    seen: set[str] = set()
    unique = []
    for item in items:
        if item.obj.key not in seen:
            seen.add(item.obj.key)
            unique.append(item)
    return unique


def pushdown_name(condition: Condition) -> str:
    """`<x>__url` filters reach adapters as `<x>__uuid` (with upstream keys as values)."""
    name = condition.filter.name
    return name[:-5] + "__uuid" if name.endswith("__url") else name


def make_plan(
    source: Source,
    resource: str,
    conditions: list[Condition],
    identity_keys: Mapping[int, frozenset[str]],
    context: CallContext,
    expand: frozenset[str] = frozenset(),
    remember: Callable[[list[Item]], None] | None = None,
    identify: frozenset[str] = frozenset(),
    published: PublishedPartijen | None = None,
) -> Plan:
    """Which conditions this source applies itself; `identity_keys` holds the keys per `is` condition."""
    support = source.support(resource)
    assert support is not None
    pushed: dict[str, FilterValue] = {}
    exact = True
    for index, condition in enumerate(conditions):
        name = pushdown_name(condition)
        how = support.pushdown.get(name)
        part = convention_part(condition.filter)
        if part is not None:
            # an identificator in some client's convention: the source is asked by the value only
            # (it matches its own codes and its facts), the engine matches the codes (filtering.py)
            exact = False
            if part != "objectId":
                continue
        if how is None:
            exact = False
            continue
        if condition.filter.op == "is":
            pushed[name] = identity_keys[index]
        elif condition.filter.op == "any_of":
            pushed[name] = ",".join(condition.value)  # type: ignore[arg-type]
        else:
            pushed[name] = condition.value  # type: ignore[assignment]
        exact = exact and how is Pushdown.EXACT
    return Plan(source, resource, pushed, exact, support.max_page, context, expand, remember, identify, published)
