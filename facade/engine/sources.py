"""Configured sources and the identities of their objects."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from adapters.protocol import ResourceSupport
from facade.engine.guard import GuardedAdapter
from facade.engine.published import PublishedPartijen
from facade.identity import IdentityCodec, KeySpace
from mapping.keys import TextKey
from mapping.ki import KIObject, Partij

log = logging.getLogger("facade.engine")


@dataclass(eq=False)
class Source:
    """One configured application: its name (part of every identity), priority and guarded adapter."""

    name: str
    priority: int
    guard: GuardedAdapter
    """The only way to the source's adapter: deadline, circuit breaker and cache (guard.py)."""
    spaces: dict[str, tuple[KeySpace, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.spaces = {
            resource: tuple(KeySpace(self.name, resource, fmt) for fmt in support.key_formats)
            for resource, support in self.guard.resources.items()
        }

    def accepts(self, obj: KIObject) -> bool:
        """Is this a record of a resource we serve, with a key that fits one of its key formats?"""
        spaces = self.spaces.get(obj.resource, ())
        if isinstance(obj, Partij) and (kinds := unmergeable(obj)):
            # one bad record harms only itself: it is shown, not merged (its values are not logged)
            log.warning("source %s: partij %s has a %s that is no number: not merged", self.name, obj.key, kinds[0])
        return any(space.format.pack(obj.key) is not None for space in spaces)

    def support(self, resource: str) -> ResourceSupport | None:
        return self.guard.resources.get(resource)

    def __repr__(self) -> str:
        return f"Source({self.name!r})"


MERGED_SPACE = KeySpace("", "partijen", TextKey(name="merged"))
"""Key space of partijen merged across sources by identificator (no source has an empty name)."""

# Which identificator makes partijen "the same", most specific first (docs/decisions/0006).
_MERGE_KINDS: dict[tuple[str, str], str] = {
    ("organisatie", "vestigingsnummer"): "ov",
    ("persoon", "bsn"): "pb",
    ("organisatie", "kvk_nummer"): "ok",
}
_MERGE_ORDER = ("vestigingsnummer", "bsn", "kvk_nummer")
_MERGE_PARTS = {code: pair for pair, code in _MERGE_KINDS.items()}


_NUMBER_LENGTHS = {"bsn": range(9, 10), "kvk_nummer": range(8, 9), "vestigingsnummer": range(1, 13)}
"""The numbers partijen are merged by, in ASCII digits only: a value of another length or script
(a 20-digit "BSN", Arabic-Indic digits) is no such number, and its partij is shown unmerged."""


def _is_number(soort: str, value: str) -> bool:
    lengths = _NUMBER_LENGTHS.get(soort)
    return lengths is not None and len(value) in lengths and value.isascii() and value.isdigit()


def merge_key(partij: Partij) -> str | None:
    """The identity a partij shares with the same person or company in other sources.

    A partij is merged by the most specific of its identificators that fits its kind; a
    contactpersoon never is (a person acting for an organisation is a capacity of its own).
    """
    values = {
        ident.partijIdentificator.codeSoortObjectId: ident.partijIdentificator.objectId
        for ident in partij.partijIdentificatoren
        if _is_number(ident.partijIdentificator.codeSoortObjectId, ident.partijIdentificator.objectId)
    }
    for soort in _MERGE_ORDER:
        code = _MERGE_KINDS.get((partij.soortPartij, soort))
        if code and soort in values:
            return code + values[soort]
    return None


def unmergeable(partij: Partij) -> list[str]:
    """The kinds of this partij's merge identificators whose value is no valid number."""
    return [
        ident.partijIdentificator.codeSoortObjectId
        for ident in partij.partijIdentificatoren
        if ident.partijIdentificator.codeSoortObjectId in _NUMBER_LENGTHS
        and not _is_number(ident.partijIdentificator.codeSoortObjectId, ident.partijIdentificator.objectId)
    ]


def merge_key_parts(key: str) -> tuple[str, str, str] | None:
    """(soortPartij, codeSoortObjectId, objectId) of a merge key, or None if it is not one."""
    pair = _MERGE_PARTS.get(key[:2])
    if pair is None or not _is_number(pair[1], key[2:]):
        return None
    return pair[0], pair[1], key[2:]


_UNKNOWN = object()
_UUIDS_REMEMBERED = 100_000
"""Upstream objects whose UUID `Identities.of` remembers (about 20 MB at most)."""


class Identities:
    """Turns (source, resource, key) into façade UUIDs and back."""

    def __init__(
        self,
        codec: IdentityCodec,
        sources: Sequence[Source],
        merge_partijen: bool,
        published: PublishedPartijen | None = None,
    ):
        self.codec = codec
        self.sources = sources
        self.merge_partijen = merge_partijen
        self.published = published if published is not None else PublishedPartijen()
        """The UUIDs partijen read lately are published under (for references to them)."""
        self._published_uuids: dict[tuple[str, str, str], str | None] = {}

    def of(self, source: Source, resource: str, key: str) -> str | None:
        """The UUID of an upstream object (a page renders hundreds of references: remembered per
        source, resource and key, which are no personal data, in a dict that starts over when full)."""
        memo_key = (source.name, resource, key)
        found = self._published_uuids.get(memo_key, _UNKNOWN)
        if found is _UNKNOWN:
            found = next(
                (encoded for space in source.spaces.get(resource, ()) if (encoded := self.codec.encode(space, key))),
                None,
            )
            if len(self._published_uuids) >= _UUIDS_REMEMBERED:
                self._published_uuids.clear()
            self._published_uuids[memo_key] = found
        return found  # type: ignore[return-value]

    def merged(self, key: str) -> str:
        encoded = self.codec.encode(MERGED_SPACE, key, personal=True)
        assert encoded is not None  # merge keys are at most 14 ASCII characters (`merge_key`)
        return encoded

    def object_uuid(self, source: Source, obj: KIObject) -> str | None:
        """The UUID an object is published under (merged partijen: their shared one)."""
        if self.merge_partijen and isinstance(obj, Partij) and (key := merge_key(obj)):
            return self.merged(key)
        return self.of(source, obj.resource, obj.key)

    def candidates(self, resource: str, value: uuid.UUID) -> list[tuple[Source, str]]:
        """Every (source, upstream key) this UUID could stand for."""
        found = []
        for source in self.sources:
            for space in source.spaces.get(resource, ()):
                key = self.codec.decode(space, value)
                if key is not None:
                    found.append((source, key))
        return found

    def merged_candidate(self, resource: str, value: uuid.UUID) -> str | None:
        if resource != "partijen" or not self.merge_partijen:
            return None
        key = self.codec.decode(MERGED_SPACE, value)
        return key if key is not None and merge_key_parts(key) else None
