"""`Idempotency-Key` on POSTs: a client that retries after a timeout creates one object, not two.

A client sends any key it chose (printable ASCII, at most 255 characters) with a POST. The first
successful answer under that key (per client and route) is remembered for `idempotency.ttl`
seconds, at most `idempotency.max_keys` keys, in the memory of this instance:

- the same key with the same body again: the same objects, read fresh, with the status of the
  first answer and `Idempotent-Replayed: true`, and nothing is written;
- while the first request is still running, a retry waits for it and then answers the same way;
- the same key with another body: 422, nothing written;
- a first attempt that failed is not remembered: the retry runs as a new request.

What is kept: keyed hashes of the key and of the body, and the UUIDs of the objects made (never
a body value, so never a BSN). Without a key a retried POST creates a second object, as in
Open Klant. With several instances a retry must reach the same instance to be recognised (see
docs/configuration.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from cachetools import TTLCache

from facade.errors import InvalidParam, ProblemError, validation_error

HEADER = "idempotency-key"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class Outcome:
    """What a successful POST made: its status and, per part, (resource, UUID) or None."""

    status: int
    objects: tuple[tuple[str, tuple[str, str] | None], ...]


@dataclass(frozen=True)
class _Entry:
    fingerprint: bytes
    outcome: Outcome


class IdempotencyKeys:
    """Remembered outcomes of POSTs by idempotency key; bounded, expiring, per instance."""

    def __init__(self, secret: bytes, ttl: float, max_keys: int):
        self._key = hashlib.blake2b(secret, digest_size=32, person=b"facade-idem-v1").digest()
        self._done: TTLCache[bytes, _Entry] = TTLCache(maxsize=max_keys, ttl=ttl)
        self._running: dict[bytes, asyncio.Future[_Entry | None]] = {}

    def _hash(self, *parts: bytes) -> bytes:
        return hashlib.blake2b(b"\0".join(parts), key=self._key, digest_size=20).digest()

    def slot(self, client: str, route: str, key: str) -> bytes:
        if not _VALID_KEY.match(key):
            raise validation_error(
                InvalidParam("Idempotency-Key", "invalid", "Geef 1 tot 255 afdrukbare ASCII-tekens zonder spaties.")
            )
        return self._hash(client.encode(), route.encode(), key.encode())

    def fingerprint(self, body: Any) -> bytes:
        return self._hash(orjson.dumps(body, option=orjson.OPT_SORT_KEYS))

    async def once(
        self, slot: bytes, fingerprint: bytes, run: Callable[[], Awaitable[Outcome]]
    ) -> tuple[Outcome, bool]:
        """The outcome under this slot: remembered (True) or from running `run` now (False)."""
        while True:
            entry = self._done.get(slot)
            if entry is None and (running := self._running.get(slot)) is not None:
                entry = await asyncio.shield(running)
                if entry is None:
                    continue  # the first attempt failed: try again (it may be running anew already)
            if entry is not None:
                if entry.fingerprint != fingerprint:
                    raise _reused()
                return entry.outcome, True
            break
        future: asyncio.Future[_Entry | None] = asyncio.get_running_loop().create_future()
        self._running[slot] = future
        try:
            outcome = await run()
        except BaseException:
            future.set_result(None)
            raise
        finally:
            self._running.pop(slot, None)
        entry = _Entry(fingerprint, outcome)
        self._done[slot] = entry
        future.set_result(entry)
        return outcome, False


def _reused() -> ProblemError:
    return ProblemError(
        422,
        "idempotency_key_reused",
        "Deze Idempotency-Key is al gebruikt.",
        "Deze Idempotency-Key hoort bij een eerder verzoek met een andere inhoud; er is niets vastgelegd.",
    )
