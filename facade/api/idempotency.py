"""`Idempotency-Key` on POSTs: a client that retries after a timeout creates one object, not two.

A client sends any key it chose (printable ASCII, at most 255 characters) with a POST. The first
successful answer under that key (per client and route) is remembered for `idempotency.ttl`
seconds, at most `idempotency.max_keys` keys, in the memory of this instance, and with
`cache: {backend: redis}` in Redis too, so that a retry reaching another instance is recognised:

- the same key with the same body again: the same objects, read fresh, with the status of the
  first answer and `Idempotent-Replayed: true`, and nothing is written;
- while the first request is still running (on any instance), a retry waits for it, up to the
  request deadline (then 409), and answers the same way;
- the same key with another body: 422, nothing written;
- a first attempt that failed is not remembered: the retry runs as a new request.

What is kept: keyed hashes of the key and of the body, and the UUIDs of the objects made (never
a body value, so never a BSN; in Redis sealed as the cache's answers are). Without a key a
retried POST creates a second object, as in Open Klant. When Redis cannot be reached, keys are
kept per instance only (as without Redis).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from cachetools import TTLCache

from facade.cache.redis_store import RedisBackend
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


_RUNNING = "running"
_POLL = 0.1


class SharedSlots:
    """Outcomes in the shared Redis cache, so every instance knows them; None answers: Redis is down."""

    def __init__(self, backend: RedisBackend, ttl: float, running: float):
        self.backend, self.ttl, self.running = backend, ttl, running

    def _name(self, slot: bytes) -> str:
        return self.backend.key("-idempotency", slot.hex())  # "-": no source is named like that

    async def get(self, slot: bytes) -> _Entry | str | None:
        name = self._name(slot)
        blob = await self.backend.run("idempotency", lambda redis: redis.get(name))
        if blob is None or blob == _RUNNING.encode():
            return None if blob is None else _RUNNING
        plain = self.backend.sealer.open(blob, name.encode())
        if plain is None:
            return None  # not ours: as if nothing were known
        data = orjson.loads(plain)
        objects = tuple((part, tuple(found) if found else None) for part, found in data["o"])
        return _Entry(bytes.fromhex(data["f"]), Outcome(data["s"], objects))  # type: ignore[arg-type]

    async def claim(self, slot: bytes) -> bool | None:
        """Mark the slot as running here; False when another instance did so first."""
        name = self._name(slot)
        claimed = await self.backend.run(
            "idempotency", lambda redis: redis.set(name, _RUNNING, nx=True, px=int(self.running * 1000))
        )
        return None if claimed is None and self.backend.degraded else bool(claimed)

    async def put(self, slot: bytes, entry: _Entry) -> None:
        name = self._name(slot)
        data = {"f": entry.fingerprint.hex(), "s": entry.outcome.status, "o": entry.outcome.objects}
        blob = self.backend.sealer.seal(orjson.dumps(data), name.encode())
        await self.backend.run("idempotency", lambda redis: redis.set(name, blob, px=int(self.ttl * 1000)))

    async def release(self, slot: bytes) -> None:
        name = self._name(slot)
        await self.backend.run("idempotency", lambda redis: redis.delete(name))


class IdempotencyKeys:
    """Remembered outcomes of POSTs by idempotency key; bounded, expiring, per instance and shared."""

    def __init__(self, secret: bytes, ttl: float, max_keys: int, shared: SharedSlots | None = None, wait: float = 30):
        self._key = hashlib.blake2b(secret, digest_size=32, person=b"facade-idem-v1").digest()
        self._done: TTLCache[bytes, _Entry] = TTLCache(maxsize=max_keys, ttl=ttl)
        self._running: dict[bytes, asyncio.Future[_Entry | None]] = {}
        self.shared = shared
        self.wait = wait
        """Seconds a retry waits for a first attempt still running on another instance."""

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
        waited_until = time.monotonic() + self.wait
        while True:
            entry = self._done.get(slot)
            if entry is None and (running := self._running.get(slot)) is not None:
                entry = await asyncio.shield(running)
                if entry is None:
                    continue  # the first attempt failed: try again (it may be running anew already)
            if entry is None and self.shared is not None:
                found = await self.shared.get(slot)
                if found == _RUNNING:  # running on another instance: wait for its outcome
                    if time.monotonic() > waited_until:
                        raise _still_running()
                    await asyncio.sleep(_POLL)
                    continue
                entry = found if isinstance(found, _Entry) else None
            if entry is not None:
                if entry.fingerprint != fingerprint:
                    raise _reused()
                return entry.outcome, True
            future: asyncio.Future[_Entry | None] = asyncio.get_running_loop().create_future()
            self._running[slot] = future
            if self.shared is not None and await self.shared.claim(slot) is False:
                self._running.pop(slot, None)
                future.set_result(None)  # another instance started it just now: wait for that one
                continue
            break
        try:
            outcome = await run()
        except BaseException:
            future.set_result(None)
            if self.shared is not None:
                await self.shared.release(slot)
            raise
        finally:
            self._running.pop(slot, None)
        entry = _Entry(fingerprint, outcome)
        self._done[slot] = entry
        if self.shared is not None:
            await self.shared.put(slot, entry)
        future.set_result(entry)
        return outcome, False


def _still_running() -> ProblemError:
    return ProblemError(
        409,
        "idempotency_key_running",
        "Een verzoek met deze Idempotency-Key loopt nog.",
        "Het eerste verzoek met deze Idempotency-Key is nog niet klaar; probeer het zo opnieuw.",
    )


def _reused() -> ProblemError:
    return ProblemError(
        422,
        "idempotency_key_reused",
        "Deze Idempotency-Key is al gebruikt.",
        "Deze Idempotency-Key hoort bij een eerder verzoek met een andere inhoud; er is niets vastgelegd.",
    )
