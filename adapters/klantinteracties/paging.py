"""Offset/limit windows as upstream `page`/`pageSize` requests: only the pages a window needs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PagePlan:
    size: int
    first: int
    """First upstream page (1-based) that holds part of the window."""
    last: int

    @property
    def pages(self) -> range:
        return range(self.first, self.last + 1)

    def skip(self, offset: int) -> int:
        """How many records of page `first` come before the window."""
        return offset - (self.first - 1) * self.size


def plan_pages(offset: int, limit: int, max_size: int) -> PagePlan:
    """The page size that covers [offset, offset+limit) with the fewest pages, then the fewest records.

    Aligned windows (offset a multiple of limit) get `pageSize=limit`, one page; otherwise e.g.
    offset 15, limit 10 is page 2 of size 13 (records 13..25) rather than pages 2 and 3 of 10.
    """
    if offset < 0 or limit < 1 or max_size < 1:
        raise ValueError("offset >= 0, limit >= 1 and max_size >= 1")
    best: tuple[tuple[int, int], PagePlan] | None = None
    for size in range(1, max_size + 1):
        first, last = offset // size, (offset + limit - 1) // size
        count = last - first + 1
        cost = (count, count * size)
        if best is None or cost < best[0]:
            best = (cost, PagePlan(size, first + 1, last + 1))
        if count == 1:
            break  # the smallest one-page size: larger ones only fetch more records
    assert best is not None
    return best[1]
