"""Zaak UUID <-> identificatie (zaaknummer), through the Zaken API this source is configured with.

Links in the Contactmomenten and Zaken APIs name a zaak by URL; the mapping keeps the UUID at
its end (`mapping.zgw.zaak_facts`). Clients that show or search a zaak by its identificatie
(Open Inwoner) need the number too, so the adapter reads it: `GET zaken/{uuid}` on the
configured Zaken API (never the URL from the data), and `GET zaken?identificatie=` to find the
zaken a number names. A zaak's identificatie never changes, so what was read is remembered in a
bounded LRU cache (no personal data in it), and a page of contacts about the same few zaken
costs those reads once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

from cachetools import LRUCache

from adapters.api import SourceRejected, ki
from adapters.zgw.upstream import Record, ZgwApi
from mapping import zgw as m

log = logging.getLogger("adapters.zgw")

CACHE_SIZE = 10_000


def _identificatie(record: Record) -> str:
    value = m.text(record, "identificatie")
    return value if len(value) <= 200 else ""


class Zaaknummers:
    """The identificaties of zaken, read from one Zaken API (None: none configured, none known)."""

    def __init__(self, api: ZgwApi | None, size: int = CACHE_SIZE):
        self.api = api
        self._known: LRUCache[str, str] = LRUCache(size)
        self._refused = False
        """The Zaken API refused to show zaken (no read rights): the source goes on without numbers."""

    async def of(self, uuids: Collection[str]) -> dict[str, str]:
        """Identificatie per zaak UUID, for the zaken the Zaken API has."""
        missing = [u for u in dict.fromkeys(uuids) if u not in self._known]
        if missing and self.api is not None and not self._refused:
            try:
                found = await self.api.many("zaken", missing)
            except SourceRejected:
                log.warning("%s: the Zaken API refuses to show zaken; zaken are published by UUID only", self.api.api)
                self._refused = True
                found = {}
            for uuid, record in found.items():
                if m.record_uuid(record) == uuid and (identificatie := _identificatie(record)):
                    self._known[uuid] = identificatie
        return {u: self._known[u] for u in uuids if u in self._known}

    async def named(self, identificatie: str) -> set[str]:
        """The UUIDs of the zaken with this identificatie (one per bronorganisatie, usually one)."""
        if self.api is None or not self.api.accepts("zaken", "identificatie"):
            return set()
        found = set()
        for record in await self.api.all("zaken", {"identificatie": identificatie}):
            uuid = m.record_uuid(record)
            if uuid and _identificatie(record) == identificatie:  # the upstream's filter is checked here
                self._known[uuid] = identificatie
                found.add(uuid)
        return found

    async def complete(self, objects: Sequence[ki.KIObject]) -> list[ki.KIObject]:
        """These objects, each zaak onderwerpobject with its zaak's identificatie where known."""
        wanted = {
            o.zaak.uuid
            for o in objects
            if isinstance(o, ki.Onderwerpobject) and o.zaak and o.zaak.uuid and not o.zaak.identificatie
        }
        if not wanted:
            return list(objects)
        numbers = await self.of(wanted)
        return [_with_number(o, numbers) for o in objects]


def _with_number(obj: ki.KIObject, numbers: dict[str, str]) -> ki.KIObject:
    if not isinstance(obj, ki.Onderwerpobject) or obj.zaak is None or obj.zaak.uuid not in numbers:
        return obj
    zaak = obj.zaak.model_copy(update={"identificatie": numbers[obj.zaak.uuid]})
    return obj.model_copy(update={"zaak": zaak})
