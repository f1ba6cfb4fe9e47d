"""The objects of one request and how they are loaded: batched, once each, across sources.

`Loader` is request-scoped. It batches lookups by (source, resource) into one `get_many` call
each, runs the batches of different sources concurrently, and remembers every answer for the
rest of the request, so an object needed twice in one response is fetched once.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from facade.engine.budget import Budget, gather
from facade.engine.published import fingerprint
from facade.engine.sources import Identities, Source, merge_key, merge_key_parts
from mapping.ki import KIObject, Partij, Ref

_SCALAR_EMPTY = (None, "", [], {})


@dataclass(frozen=True, slots=True)
class Item:
    """An upstream object as the engine handles it: with the source it came from."""

    source: Source
    obj: KIObject


@dataclass(frozen=True, slots=True)
class MergedPartij:
    """Partijen of several sources (or several records of one) that share a merge key.

    `items` are ordered by source priority; a field is taken from the first item that has a
    value, relation lists are the union over all items.
    """

    uuid: str
    merge_key: str
    items: tuple[Item, ...]

    def first(self, field: str):
        for item in self.items:
            value = getattr(item.obj, field)
            if value not in _SCALAR_EMPTY and not _is_empty_value(value):
                return value
        return getattr(self.items[0].obj, field)


def merged_partij(identities: Identities, key: str, items: Iterable[Item]) -> MergedPartij:
    """The partij of these records (one identity), ordered by their sources' priority."""
    return MergedPartij(identities.merged(key), key, tuple(sorted(items, key=lambda i: i.source.priority)))


def _is_empty_value(value) -> bool:
    """An address or name group with only empty fields counts as absent when merging."""
    dump = getattr(value, "model_dump", None)
    if dump is None:
        return False
    return all(v in _SCALAR_EMPTY for v in dump().values())


Node = Item | MergedPartij


def _done(value):
    future = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future


Finder = Callable[[Source, list[tuple[str, str]], frozenset[str]], Awaitable[list[Partij]]]
"""(source, identificatoren, expand hint) -> the source's partijen with one of those identificatoren."""
Fetcher = Callable[[Source, str, list[str]], Awaitable[dict]]
FailureHandler = Callable[[Exception], None]
"""Called with a `SourceFailed`: raises it again (a strict request) or records it (a partial answer)."""


class Loader:
    """Request-scoped, batched, memoized access to objects by key and to merged partijen."""

    def __init__(
        self, identities: Identities, find_partijen: Finder, fetch: Fetcher, on_failure: FailureHandler, budget: Budget
    ):
        self.identities = identities
        self.budget = budget
        self._find_partijen = find_partijen
        self._get_many = fetch
        self._on_failure = on_failure
        self._objects: dict[tuple[str, str, str], asyncio.Future[Item | None]] = {}
        self._merged: dict[str, asyncio.Future[MergedPartij | None]] = {}
        self._noted: set[tuple[str, str]] = set()

    async def load(self, wanted: Iterable[tuple[Source, str, str]]) -> dict[tuple[str, str, str], Item | None]:
        """Objects by (source, resource, key); missing ones map to None."""
        wanted = list(wanted)
        batches: dict[tuple[Source, str], list[str]] = defaultdict(list)
        for source, resource, key in wanted:
            memo_key = (source.name, resource, key)
            if memo_key not in self._objects:
                self._objects[memo_key] = asyncio.get_running_loop().create_future()
                batches[(source, resource)].append(key)
        if batches:
            await gather(
                self.budget, (self._fetch(source, resource, keys) for (source, resource), keys in batches.items())
            )
        results = {}
        for source, resource, key in wanted:
            memo_key = (source.name, resource, key)
            results[memo_key] = await self._objects[memo_key]
        return results

    async def _fetch(self, source: Source, resource: str, keys: list[str]) -> None:
        try:
            found = await self._get_many(source, resource, keys)
        except BaseException as exc:
            for key in keys:
                future = self._objects[(source.name, resource, key)]
                if not future.done():
                    future.set_exception(exc)
                    future.exception()  # retrieved below or by a concurrent waiter
            if isinstance(exc, Exception) and not isinstance(exc, asyncio.CancelledError):
                self._on_failure(exc)  # raises for a strict request
                for key in keys:  # recorded: these objects are missing from this answer
                    self._objects[(source.name, resource, key)] = _done(None)
                return
            raise
        loaded = []
        for key in keys:
            obj = found.get(key)
            # trust no source: an object answered under another key or resource is not it
            valid = obj is not None and obj.key == key and obj.resource == resource and source.accepts(obj)
            self._objects[(source.name, resource, key)].set_result(Item(source, obj) if valid else None)
            if valid:
                loaded.append(Item(source, obj))  # type: ignore[arg-type]
        self._note(loaded)

    def remember(self, items: Iterable[Item]) -> None:
        """Objects that arrived through a list query need no second fetch."""
        items = list(items)
        for item in items:
            memo_key = (item.source.name, item.obj.resource, item.obj.key)
            if memo_key not in self._objects:
                self._objects[memo_key] = _done(item)
        self._note(items)

    def _note(self, items: list[Item]) -> None:
        """Partijen just read: the UUIDs they are published under, for references to them later
        (once per request; encoded again only when the partij's identity changed)."""
        if not self.identities.merge_partijen:
            return
        published = self.identities.published
        fresh = []
        for item in items:
            seen = (item.source.name, item.obj.key)
            if not isinstance(item.obj, Partij) or seen in self._noted:
                continue
            self._noted.add(seen)
            identity = fingerprint(merge_key(item.obj))
            if not published.knows(*seen, identity):
                fresh.append((*seen, identity, self.identities.object_uuid(item.source, item.obj)))
        published.note(fresh)

    def adopt(self, merged: Iterable[MergedPartij]) -> None:
        """Merged partijen the engine assembled itself (a lookup read every source for them)."""
        for partij in merged:
            if partij.merge_key not in self._merged:
                self._merged[partij.merge_key] = _done(partij)

    async def merged(self, keys: Iterable[str], expand: frozenset[str] = frozenset()) -> dict[str, MergedPartij | None]:
        """Merged partijen by merge key: every partij of every source with that identity.

        `expand` is passed to the sources as a hint: what the answer will expand of these partijen."""
        keys = list(dict.fromkeys(keys))
        todo = [key for key in keys if key not in self._merged]
        if todo:
            loop = asyncio.get_running_loop()
            for key in todo:
                self._merged[key] = loop.create_future()
            try:
                assembled = await self._assemble(todo, expand)
            except BaseException as exc:
                for key in todo:
                    if not self._merged[key].done():
                        self._merged[key].set_exception(exc)
                raise
            for key in todo:
                self._merged[key].set_result(assembled.get(key))
        return {key: await self._merged[key] for key in keys}

    async def _assemble(self, keys: list[str], expand: frozenset[str]) -> dict[str, MergedPartij]:
        wanted = []
        for key in keys:
            parts = merge_key_parts(key)
            if parts:
                wanted.append((parts[1], parts[2]))
        sources = [s for s in self.identities.sources if s.support("partijen")]

        async def find(source: Source) -> list[Partij]:
            try:
                return await self._find_partijen(source, wanted, expand)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._on_failure(exc)  # raises for a strict request; else this source is missing
                return []

        answers = await gather(self.budget, (find(source) for source in sources))
        grouped: dict[str, list[Item]] = defaultdict(list)
        for source, partijen in zip(sources, answers, strict=True):
            items = [Item(source, partij) for partij in partijen]
            self.remember(items)
            for item in items:
                key = merge_key(item.obj)  # re-checked: a source may answer loosely
                if key in keys:
                    grouped[key].append(item)
        return {key: merged_partij(self.identities, key, items) for key, items in grouped.items()}

    async def resolve(self, refs: Iterable[tuple[Source, str, Ref]]) -> dict[tuple[str, str, str], Node | None]:
        """Load referenced objects; partijen that share a merge key come back merged."""
        refs = list(refs)
        loaded = await self.load((source, resource, ref.key) for source, resource, ref in refs)
        result: dict[tuple[str, str, str], Node | None] = dict(loaded)
        if self.identities.merge_partijen:
            merge_keys = {
                memo_key: key
                for memo_key, item in loaded.items()
                if item is not None and isinstance(item.obj, Partij) and (key := merge_key(item.obj))
            }
            merged = await self.merged(merge_keys.values())
            for memo_key, key in merge_keys.items():
                result[memo_key] = merged.get(key) or loaded[memo_key]
        return result

    def uuid_of(self, node: Node) -> str | None:
        if isinstance(node, MergedPartij):
            return node.uuid
        return self.identities.object_uuid(node.source, node.obj)

    async def ref_uuids(self, refs: Iterable[tuple[Source, str, Ref]]) -> dict[tuple[str, str, str], str | None]:
        """Published UUIDs of references. A reference to a partij needs its identificators (it may
        be published merged): known from a partij read lately, else the partij is read."""
        refs = list(refs)
        result: dict[tuple[str, str, str], str | None] = {}
        to_load = []
        for source, resource, ref in refs:
            memo_key = (source.name, resource, ref.key)
            if resource != "partijen" or not self.identities.merge_partijen:
                result[memo_key] = self.identities.of(source, resource, ref.key)
            elif (known := self.identities.published.get(source.name, ref.key)) is not None:
                result[memo_key] = known
            else:
                to_load.append((source, resource, ref.key))
        if to_load:
            loaded = await self.load(to_load)
            for memo_key, item in loaded.items():
                if item is None:
                    # a dangling reference: publish the source identity, a detail GET answers 404
                    source = next(s for s, r, k in to_load if (s.name, r, k) == memo_key)
                    result[memo_key] = self.identities.of(source, memo_key[1], memo_key[2])
                else:
                    result[memo_key] = self.identities.object_uuid(item.source, item.obj)
        return result
