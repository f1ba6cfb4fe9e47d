"""A small in-memory adapter for engine tests: hand-written filters, a liar mode, call counts."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Collection, Mapping

from adapters.protocol import Adapter, ListPage, ListQuery, Pushdown, ResourceSupport
from mapping.ki import MODELS, KIObject

TIME_FIELDS = {"klantcontacten": "plaatsgevondenOp", "internetaken": "toegewezenOp"}


def _hand_filter(obj: KIObject, name: str, value) -> bool:
    """The few filters this adapter applies itself, written out by hand."""
    if name in ("kanaal", "soortPartij", "status", "nummer"):
        return getattr(obj, name) == value
    if name == "partijIdentificator__objectId":
        return any(i.partijIdentificator.objectId == value for i in obj.partijIdentificatoren)
    if name == "hadBetrokkene__uuid":
        return any(ref.key in value for ref in obj.hadBetrokkenen)
    raise AssertionError(f"memory adapter cannot apply {name}")


class MemoryAdapter(Adapter):
    def __init__(
        self,
        objects: Collection[KIObject],
        *,
        pushdown: Mapping[str, Mapping[str, Pushdown]] | None = None,
        ignore_filters: bool = False,
        ordered: bool = True,
        latency: float = 0.0,
        max_page: int = 500,
    ):
        self.by_resource: dict[str, list[KIObject]] = {}
        for obj in objects:
            self.by_resource.setdefault(obj.resource, []).append(obj)
        pushdown = pushdown or {}
        self.resources = {
            resource: ResourceSupport(pushdown=pushdown.get(resource, {}), ordered=ordered, max_page=max_page)
            for resource in MODELS
        }
        self.ignore_filters = ignore_filters
        self.latency = latency
        self.calls: Counter[str] = Counter()
        self.active = 0
        self.max_active = 0

    async def _tick(self, what: str) -> None:
        self.calls[what] += 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await asyncio.sleep(self.latency)
        finally:
            self.active -= 1

    def _ordered(self, resource: str) -> list[KIObject]:
        records = list(self.by_resource.get(resource, []))
        field = TIME_FIELDS.get(resource)
        if field:
            records.sort(key=lambda o: o.key)
            records.sort(key=lambda o: getattr(o, field), reverse=True)
        return records

    async def list(self, query: ListQuery) -> ListPage:
        await self._tick(f"list:{query.resource}")
        records = self._ordered(query.resource)
        if not self.ignore_filters:
            records = [r for r in records if all(_hand_filter(r, n, v) for n, v in query.filters.items())]
        return ListPage(records[query.offset : query.offset + query.limit], len(records))

    async def get_many(self, resource: str, keys: Collection[str]) -> Mapping[str, KIObject]:
        await self._tick(f"get:{resource}")
        wanted = set(keys)
        return {o.key: o for o in self.by_resource.get(resource, []) if o.key in wanted}
