"""Under which UUID each partij is published, remembered for a while (ADR 14).

A reference to a partij is published under the partij's own UUID, or under its merged UUID when
it shares a BSN, KvK number or vestigingsnummer with others (ADR 6): which of the two depends on
the partij's identificators, so publishing a reference needs the partij itself. The façade notes
the published UUID of every partij it reads, per (source, upstream key), in a bounded memory
with a time to live: a page that refers to partijen read shortly before costs nothing more. What
is kept is the UUID, which reveals no BSN; keys are the source's own keys (never a BSN, ADR 2).

Next to the UUID the table keeps a fingerprint of the identity it was derived from (the
process's salted `hash` of the partij's merge identity, or of "none"): a partij read again with
the same identity costs no new encoding (a merged UUID is never cached by the codec), one read
with another identity is noted again at once. A partij that gains or loses an identificator is
published under its new UUID everywhere at once, and in references as soon as the façade reads
it again, at most `partij_identity_ttl` seconds later.
"""

from __future__ import annotations

from collections.abc import Iterable

from cachetools import TTLCache

DEFAULT_TTL = 300.0
SIZE = 100_000
"""Partijen remembered at most (about 15 MB)."""


def fingerprint(identity: str | None) -> int:
    """What the table keeps of a partij's merge identity (None: not merged): enough to see that
    it changed, not to recover it."""
    return hash(("published", identity))


class PublishedPartijen:
    def __init__(self, ttl: float = DEFAULT_TTL, size: int = SIZE):
        self._uuids: TTLCache[tuple[str, str], tuple[int, str]] | None = (
            TTLCache(maxsize=size, ttl=ttl) if ttl > 0 else None
        )

    def note(self, published: Iterable[tuple[str, str, int, str | None]]) -> None:
        """(source name, partij key, fingerprint of its identity, the UUID it is published under)
        of partijen just read."""
        if self._uuids is None:
            return
        for source, key, identity, uuid in published:
            if uuid is not None:
                self._uuids[(source, key)] = (identity, uuid)

    def get(self, source: str, key: str) -> str | None:
        entry = None if self._uuids is None else self._uuids.get((source, key))
        return None if entry is None else entry[1]

    def knows(self, source: str, key: str, identity: int) -> bool:
        """Is this partij noted, with this identity?"""
        entry = None if self._uuids is None else self._uuids.get((source, key))
        return entry is not None and entry[0] == identity
