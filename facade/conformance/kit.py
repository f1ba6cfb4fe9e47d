"""The kit's state for one adapter under test: how to build it, what it listed, how checks run.

A check is an async function of a `Check` context (the adapter, an engine over it, the records
read so far) that raises `CheckFailed` with a message naming what is wrong. The checks of one
test class share one event loop (its own, so no pytest-asyncio setting is needed) and one
adapter, as the façade shares one per source for its whole life; a check against a failing
application builds its own. What the adapter listed is kept for the class: every check
compares against it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, SecretStr

from adapters.protocol import Adapter, FilterValue, ListQuery, ResourceSupport, WriteValues
from adapters.registry import AdapterFactory, load_factory, validate_settings
from facade.conformance.engine import engine_over
from facade.engine.core import Engine, Request
from facade.engine.graph import Item
from facade.engine.sources import Source
from mapping.ki import KIObject, Ref

SOURCE = "kit"
"""The source name the adapter under test gets in the kit's engine (part of its façade UUIDs)."""
KIT_SECRET = b"conformance-kit-identity-secret"
MAX_RECORDS = 5_000
"""Most records the kit reads of one resource: it reads everything, so a dataset must be small."""
LIST_LIMIT = 100


class CheckFailed(Exception):
    """An adapter does not keep a promise; the message says which and where."""


@dataclass(frozen=True)
class Write:
    """One write round trip of a resource, in the values the engine hands an adapter
    (`adapters.api.WriteValues`: contract field names, references as `ki.Ref` of its own keys,
    value groups as dicts, dates parsed)."""

    create: WriteValues
    """The values of a create (for a resource that declares no creates: unused)."""
    update: WriteValues = field(default_factory=dict)
    """Changes then made to the created object (or to a listed one, without creates)."""


@dataclass(frozen=True)
class Dataset:
    """What the kit may expect of the data behind the adapter under test (all optional).

    The kit reads every record of every declared resource and checks the adapter against itself
    (a filter against the records it matches, paging against the whole list); this description
    adds what only the integrator knows.
    """

    records: Mapping[str, int] = field(default_factory=dict)
    """Resource -> how many records the application holds of it: catches records lost on the way.
    Without it, a resource must list at least one record (a check over nothing proves nothing)."""
    values: Mapping[str, Sequence[FilterValue]] = field(default_factory=dict)
    """``"resource?filter"`` -> values to try besides those the kit takes from the records, as the
    adapter receives them (text, bool, date, datetime; upstream keys for `__uuid` filters)."""
    bsns: Collection[str] = ()
    """BSNs in the data besides those on partij-identificatoren: they may not appear in any error text."""
    samples: int = 3
    """Values the kit takes from the records per pushed-down filter."""
    writes: Mapping[str, Write] = field(default_factory=dict)
    """Resource -> a write round trip, for the resources that declare writes: create, read back,
    update, read back, delete, gone."""


@dataclass
class Target:
    """How to build the adapter under test: its kind (as in a configuration) and its settings."""

    kind: str
    settings_for: Callable[[str | None], Mapping[str, Any]]
    """Upstream root URL (None: there is none) -> the source's `settings`, as in a configuration."""

    @property
    def factory(self) -> AdapterFactory:
        return load_factory(self.kind)

    def settings(self, upstream: str | None) -> BaseModel:
        return validate_settings(self.factory, self.settings_for(upstream))

    def build(self, upstream: str | None) -> Adapter:
        return self.factory(self.settings(upstream))

    def secrets(self, upstream: str | None) -> list[str]:
        """Every secret in the validated settings: none may appear in an error text."""
        return [value for value in _secret_values(self.settings(upstream)) if value]


def _secret_values(value: Any) -> list[str]:
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    if isinstance(value, BaseModel):
        return [found for name in type(value).model_fields for found in _secret_values(getattr(value, name))]
    if isinstance(value, Mapping):
        return [found for item in value.values() for found in _secret_values(item)]
    if isinstance(value, list | tuple):
        return [found for item in value for found in _secret_values(item)]
    return []


class KitRun:
    """One adapter under test, against its running upstream, for one test class."""

    def __init__(self, target: Target, upstream: str | None, dataset: Dataset):
        self.target = target
        self.upstream = upstream
        self.dataset = dataset
        self.listings: dict[str, list[KIObject]] = {}
        """Every record of a resource, in the adapter's order, read once (unfiltered, pages of 100)."""
        self.tried: dict[tuple[str, str], list[tuple[FilterValue, list[str], list[str]]]] = {}
        """(resource, filter) -> (value, keys matching it, keys the adapter answered) per value tried."""
        self.probe_keys: dict[str, str | None] = {}
        """Resource -> a listed key `get_many` gives back (None: none does), for the failure checks."""

        self._runner = asyncio.Runner()
        self._adapter: Adapter | None = None

    def run(self, check: Callable[..., Awaitable[None]], *arguments: Any, upstream: str | None = None) -> None:
        """Run one check on the class's adapter, or on one built for another `upstream` (closed after)."""
        self._runner.run(self._run(check, arguments, upstream))

    async def _run(self, check: Callable[..., Awaitable[None]], arguments: tuple, upstream: str | None) -> None:
        if upstream is None:
            if self._adapter is None:
                self._adapter = self.target.build(self.upstream)
            await check(Check(self, self._adapter, self.upstream), *arguments)
            return
        adapter = self.target.build(upstream)
        try:
            await check(Check(self, adapter, upstream), *arguments)
        finally:
            await adapter.aclose()

    def close(self) -> None:
        """Close the class's adapter and event loop."""
        if self._adapter is not None:
            self._runner.run(self._adapter.aclose())
        self._runner.close()


class Check:
    """What one check works with: the adapter, an engine over it (the contract's own filter
    evaluation and rendering), and the records the run has read."""

    def __init__(self, run: KitRun, adapter: Adapter, upstream: str | None):
        self.run = run
        self.adapter = adapter
        self.upstream = upstream
        self.kind = run.target.kind
        self.engine: Engine = engine_over([(SOURCE, adapter)], secret=KIT_SECRET, merge_partijen=False)
        self.source: Source = self.engine.sources[0]

    def support(self, resource: str) -> ResourceSupport:
        return self.adapter.resources[resource]

    def fail(self, message: str) -> CheckFailed:
        return CheckFailed(f"{self.kind}: {message}")

    async def listing(self, resource: str) -> list[KIObject]:
        """Every record of `resource`, read once per run."""
        if resource not in self.run.listings:
            self.run.listings[resource] = await self.read_all(resource, {})
        return self.run.listings[resource]

    async def everything(self) -> dict[str, list[KIObject]]:
        """Every record of every declared resource."""
        return {resource: await self.listing(resource) for resource in self.adapter.resources}

    async def read_all(
        self, resource: str, filters: Mapping[str, FilterValue], limit: int = LIST_LIMIT
    ) -> list[KIObject]:
        """All records `list` gives for these filters, page after page until a short one."""
        records, _ = await self.read_pages(resource, filters, limit)
        return records

    async def read_pages(
        self, resource: str, filters: Mapping[str, FilterValue], limit: int
    ) -> tuple[list[KIObject], list[int | None]]:
        """(records in order, the `total` each page gave), reading pages of `limit`."""
        limit = min(limit, self.support(resource).max_page)
        query = query_text(resource, filters)
        records: list[KIObject] = []
        totals: list[int | None] = []
        seen: set[str] = set()
        while len(records) <= MAX_RECORDS:
            page = await self.adapter.list(ListQuery(resource, dict(filters), len(records), limit))
            if len(page.records) > limit:
                raise self.fail(f"{query} answered {len(page.records)} records to limit {limit}")
            if page.records and all(record.key in seen for record in page.records):
                keys = [record.key for record in page.records][:5]
                raise self.fail(f"{query}: the page at offset {len(records)} repeats records read before {keys}")
            seen.update(record.key for record in page.records)
            records.extend(page.records)
            totals.append(page.total)
            if len(page.records) < limit:
                return records, totals
        raise self.fail(f"{resource} lists more than {MAX_RECORDS} records: give the kit a small dataset")

    def items(self, records: Sequence[KIObject]) -> list[Item]:
        return [Item(self.source, record) for record in records]

    async def seeded_request(self) -> Request:
        """An engine request that knows every listed record: the contract's paths, backwards
        relations too, are walked over what the adapter listed, without asking it again."""
        everything = await self.everything()
        request = self.engine.request()
        request.loader.remember(item for records in everything.values() for item in self.items(records))

        async def referring(source: Source, resource: str, field: str, keys: frozenset[str]) -> list[Item]:
            """The listed records of `resource` whose `field` refers to one of `keys`."""
            return [
                Item(source, record)
                for record in everything.get(resource, [])
                if isinstance(ref := getattr(record, field, None), Ref) and ref.key in keys
            ]

        request.walker.reverse = referring
        return request


def query_text(resource: str, filters: Mapping[str, FilterValue]) -> str:
    """`resource?name=value` as messages show a query."""
    if not filters:
        return resource
    return resource + "?" + "&".join(f"{name}={_shown(value)}" for name, value in filters.items())


def _shown(value: FilterValue) -> str:
    if isinstance(value, frozenset):
        return ",".join(sorted(value))
    return str(value)
