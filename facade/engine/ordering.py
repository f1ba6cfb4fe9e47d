"""One page of a list across sources, each source asked only for what the page needs (ADR 14).

Three ways to page, chosen per request by `core.Engine`:

- **one source**: the source pages itself, in its own order: one call per page (`single_source`);
- **merged by time** (klantcontacten, internetaken): each source's newest `page x pageSize`
  records, merged (`merged_by_time`); a source that does not keep that order itself takes part
  when one page holds its whole answer (then sorted here), otherwise the list goes by source;
- **by source**: the sources one after another by priority, each in its own order: the page's
  window of each source, plus one count per source for pages after the first (`by_source`).

A plan whose filters the source does not all apply exactly (`Plan.exact` false) is read whole
and checked here, which costs what the request's budget allows; so is a source caught returning
a record that fails the engine's re-check of a filter it declared exact (ADR 7): its counts and
offsets cannot be trusted any more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from facade.engine.budget import gather
from facade.engine.fetching import Plan, SourceFailed
from facade.engine.graph import Item, Node
from facade.engine.params import Condition, ParsedQuery

if TYPE_CHECKING:
    from facade.engine.core import Request

log = logging.getLogger("facade.engine")

_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)
_TIE_STEP = 25
T = TypeVar("T")


@dataclass
class ListResult:
    count: int
    nodes: list[Node]


def page_of(query: ParsedQuery, count: int, page: list[Node]) -> ListResult:
    """One page of a list of `count` (`Engine.list` decides what a page past the end is)."""
    return ListResult(count, page)


async def each_source(
    request: Request, plans: list[Plan], work: Callable[[Plan], Awaitable[T]]
) -> list[tuple[Plan, T]]:
    """Run `work(plan)` for every source concurrently; a failed source drops out (recorded),
    or fails the request when it is strict."""

    async def one(plan: Plan) -> tuple[Plan, T | None]:
        try:
            return plan, await work(plan)
        except SourceFailed as failure:
            request.fail(failure)
            return plan, None

    done = await gather(request.context.budget, (one(plan) for plan in plans))
    return [(plan, result) for plan, result in done if result is not None]


async def verified(request: Request, items: list[Item], conditions: list[Condition]) -> list[Item]:
    """The items that meet every condition (the engine's own re-check of what a source did)."""
    request.loader.remember(items)
    if not conditions or not items:
        return items
    verdict = await request.matcher.matches(items, conditions)
    return [item for item, ok in zip(items, verdict, strict=True) if ok]


async def trusted(request: Request, plan: Plan, items: list[Item], conditions: list[Condition]) -> list[Item]:
    """A window of an exact plan, re-checked; a record that fails shows the source applies a
    filter loosely: `Untrusted`, and the plan is read whole instead."""
    kept = await verified(request, items, conditions)
    if len(kept) < len(items):
        log.warning("source %s applied a filter it declared exact loosely; reading it whole", plan.source.name)
        raise Untrusted(plan)
    return kept


class Untrusted(Exception):
    def __init__(self, plan: Plan):
        self.plan = plan

    def demote(self, plans: list[Plan]) -> list[Plan]:
        return [dataclasses.replace(p, exact=False) if p is self.plan else p for p in plans]


async def read_whole(request: Request, plan: Plan, conditions: list[Condition]) -> list[Item]:
    """Everything the source answers to its pushed-down filters, checked: for plans it cannot
    answer exactly (bounded by the request's budget)."""
    return await verified(request, await plan.everything(), conditions)


# --- one source ------------------------------------------------------------------------------


async def single_source(request: Request, query: ParsedQuery, plan: Plan, conditions: list[Condition]) -> ListResult:
    """The source pages itself, in its own order: one call for the page (two when it gives no
    count and the page is full: one record more tells whether a next page exists)."""
    start, size = (query.page - 1) * query.page_size, query.page_size
    try:
        if plan.exact:
            items, total = await plan.window(start, size)
            if total is None:
                total = start + len(items)
                if len(items) == size:
                    more, _ = await plan.window(start + size, 1)
                    total += len(more)
            return page_of(query, total, list(await trusted(request, plan, items, conditions)))
        items = await read_whole(request, plan, conditions)
    except Untrusted as untrusted:
        return await single_source(request, query, untrusted.demote([plan])[0], conditions)
    except SourceFailed as failure:
        request.fail(failure)  # a strict request fails; an ordinary one is an empty page that says so
        return ListResult(0, [])
    return page_of(query, len(items), list(items[start : start + size]))


# --- several sources, newest first -------------------------------------------------------------


class Unmergeable(Exception):
    """A source cannot give its records in the resource's time order, and has more than one
    page of them: the list goes by source instead."""


async def merged_by_time(request: Request, query: ParsedQuery, plans: list[Plan], conditions) -> ListResult:
    """Page p of size n: each source's newest p*n records (plus ties at the boundary), merged."""
    field = query.resource.order
    needed = query.page * query.page_size
    identities = request.identities

    def sort_key(item: Item) -> tuple:
        moment = getattr(item.obj, field) or _EPOCH
        return (-moment.timestamp(), identities.object_uuid(item.source, item.obj) or "")

    async def top(plan: Plan) -> tuple[list[Item], int]:
        if not plan.exact:
            items = await read_whole(request, plan, conditions)
            return sorted(items, key=sort_key), len(items)
        support = plan.source.support(plan.resource)
        if support is None or not support.ordered:  # sorted here, if one page holds them all
            items, total = await plan.window(0, plan.max_page)
            if total is None or total > len(items):
                raise Unmergeable
            return sorted(await trusted(request, plan, items, conditions), key=sort_key), total
        items, total = await plan.window(0, needed + 1)  # one more shows a tie at the boundary
        items = await _extend_ties(plan, items, field, needed)
        if total is None or not _is_sorted(items, field):
            log.warning("source %s broke its declared order or gave no count; reading it whole", plan.source.name)
            raise Untrusted(plan)
        return sorted(await trusted(request, plan, items, conditions), key=sort_key), total

    try:
        results = [result for _, result in await each_source(request, plans, top)]
    except Untrusted as untrusted:
        return await merged_by_time(request, query, untrusted.demote(plans), conditions)
    merged = sorted((item for items, _ in results for item in items), key=sort_key)
    start = (query.page - 1) * query.page_size
    return page_of(query, sum(total for _, total in results), list(merged[start : start + query.page_size]))


async def _extend_ties(plan: Plan, items: list[Item], field: str, needed: int) -> list[Item]:
    """Read on while records share the timestamp of the last one a page can need, so that the
    tie-break by UUID sees all of them."""
    if len(items) <= needed or needed == 0:
        return items
    boundary = getattr(items[needed - 1].obj, field)
    while getattr(items[-1].obj, field) == boundary:
        more, _ = await plan.window(len(items), _TIE_STEP)
        known = {item.obj.key for item in items}  # a record left out shifts offsets: no record twice
        items = items + [item for item in more if item.obj.key not in known]
        if len(more) < _TIE_STEP:
            break
    return items


def _is_sorted(items: list[Item], field: str) -> bool:
    moments = [getattr(item.obj, field) or _EPOCH for item in items]
    return all(a >= b for a, b in itertools.pairwise(moments))


# --- several sources, one after another ----------------------------------------------------------


async def by_source(request: Request, query: ParsedQuery, plans: list[Plan], conditions) -> ListResult:
    items, count = await page_in_source_order(request, query, plans, conditions)
    return page_of(query, count, list(items))


async def page_in_source_order(
    request: Request, query: ParsedQuery, plans: list[Plan], conditions: list[Condition]
) -> tuple[list[Item], int]:
    """The page's records of the sources one after another (priority, then each source's own
    order), and the sum of their counts. Page 1 costs each source one call; a later page one
    count call per source first (to know where the page falls), then the windows it needs."""
    start, end = (query.page - 1) * query.page_size, query.page * query.page_size
    first_limit = query.page_size if query.page == 1 else 1

    async def count_and_start(plan: Plan) -> tuple[list[Item], int, bool]:
        if not plan.exact:
            return await read_whole(request, plan, conditions), 0, True
        items, total = await plan.window(0, first_limit)
        if total is None:  # no count: read the source whole to know where the page falls
            return await read_whole(request, plan, conditions), 0, True
        return items, total, False

    answered = await each_source(request, plans, count_and_start)
    needed = []
    offset = 0
    for plan, (items, total, whole) in answered:
        count = len(items) if whole else total
        lo, hi = max(0, start - offset), min(count, end - offset)
        offset += count
        needed.append((plan, items, whole, lo, hi))

    async def page_part(entry: tuple[Plan, list[Item], bool, int, int]) -> list[Item]:
        plan, items, whole, lo, hi = entry
        if hi <= lo:
            return []
        if whole:
            return items[lo:hi]
        window = items[lo:hi] if hi <= len(items) else (await plan.window(lo, hi - lo))[0]
        return await trusted(request, plan, window, conditions)

    by_plan = {id(entry[0]): entry for entry in needed}
    try:
        parts = await each_source(request, [entry[0] for entry in needed], lambda plan: page_part(by_plan[id(plan)]))
    except Untrusted as untrusted:
        return await page_in_source_order(request, query, untrusted.demote(plans), conditions)
    if len(parts) < len(needed):  # a source failed between its count and its page: answer without it
        return await page_in_source_order(request, query, [plan for plan, _ in parts], conditions)
    return [item for _, part in parts for item in part], offset
