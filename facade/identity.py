"""Stable, reversible, keyed façade UUIDs (docs/decisions/0002-identity.md).

A façade UUID is a keyed permutation of an upstream key, under a *key space*: the pair
(source name, resource, key format). The permutation is a 4-round Feistel network over the
122 free bits of an RFC 4122 UUID, with keyed BLAKE2b as round function and round keys derived
from the configured identity secret and the key space. So:

- the same upstream object gets the same UUID on every request, restart and instance that
  shares the configuration (no state);
- a UUID can be turned back into (key space, upstream key) from a cold start: a detail GET
  tries each candidate key space of the resource (one round of upstream calls);
- different key spaces give unrelated UUIDs, so two sources never collide, and a UUID of one
  source presented as another's decodes to a key that does not exist;
- without the secret a UUID reveals nothing: not the upstream key and not a BSN inside a
  merged partij's key.

Version and variant bits are kept out of the permutation: a text key gets a version-4 UUID,
and a UUID key keeps its own version (a v4 upstream UUID stays a v4). How keys of one shape fit
the free bits is the key format's business (`mapping/keys.py`, declared by adapters).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from cachetools import LRUCache

from mapping.keys import FIXED_BITS, KeyFormat, free_bits, from_free_bits

_MASK61 = (1 << 61) - 1
_ROUNDS = 4


@dataclass(frozen=True)
class KeySpace:
    source: str
    resource: str
    format: KeyFormat


class IdentityCodec:
    """Encodes (key space, upstream key) to a façade UUID and back."""

    def __init__(self, secret: bytes, cache_size: int = 100_000):
        if len(secret) < 16:
            raise ValueError("the identity secret must be at least 16 bytes")
        self._secret = hashlib.blake2b(secret, digest_size=32, person=b"facade-id-v1").digest()
        self._round_keys: dict[tuple[str, str, str], tuple[bytes, ...]] = {}
        # Upstream keys are not personal data (adapters must not use a BSN as a key): remembered
        # as they are. Merged partij keys are (`encode(..., personal=True)`): remembered under a
        # keyed digest of the key only: no BSN is kept in plain text.
        self._encoded: LRUCache[tuple[str, str, str, str], str] = LRUCache(cache_size)
        self._encoded_personal: LRUCache[bytes, str] = LRUCache(cache_size)
        self._digest_key = hashlib.blake2b(self._secret, digest_size=32, person=b"facade-memo-v1").digest()

    def _keys(self, space: KeySpace) -> tuple[bytes, ...]:
        tweak = (space.source, space.resource, space.format.name)
        keys = self._round_keys.get(tweak)
        if keys is None:
            material = "\0".join(tweak).encode()
            keys = tuple(
                hashlib.blake2b(material + bytes([i]), key=self._secret, digest_size=16).digest()
                for i in range(_ROUNDS)
            )
            self._round_keys[tweak] = keys
        return keys

    @staticmethod
    def _round(key: bytes, half: int) -> int:
        digest = hashlib.blake2b(half.to_bytes(8, "big"), key=key, digest_size=8).digest()
        return int.from_bytes(digest, "big") & _MASK61

    def encode(self, space: KeySpace, key: str, *, personal: bool = False) -> str | None:
        """The façade UUID (canonical text form), or None if `key` does not fit the format.
        `personal`: the key holds personal data (a BSN): never remembered in plain text."""
        if personal:
            digest = hashlib.blake2b(
                "\0".join((space.source, space.resource, space.format.name, key)).encode(),
                key=self._digest_key,
                digest_size=16,
            ).digest()
            if (hit := self._encoded_personal.get(digest)) is None and (hit := self._permute(space, key)) is not None:
                self._encoded_personal[digest] = hit
            return hit
        memo_key = (space.source, space.resource, space.format.name, key)
        if (hit := self._encoded.get(memo_key)) is None:
            hit = self._permute(space, key)
            if hit is not None:
                self._encoded[memo_key] = hit
        return hit

    def _permute(self, space: KeySpace, key: str) -> str | None:
        packed = space.format.pack(key)
        if packed is None:
            return None
        payload, fixed = packed
        left, right = payload >> 61, payload & _MASK61
        for round_key in self._keys(space):
            left, right = right, left ^ self._round(round_key, right)
        return str(uuid.UUID(int=from_free_bits((left << 61) | right) | fixed))

    def decode(self, space: KeySpace, value: uuid.UUID) -> str | None:
        """The upstream key this UUID stands for in `space`, or None if it cannot be one."""
        as_int = value.int
        payload = free_bits(as_int)
        left, right = payload >> 61, payload & _MASK61
        for round_key in reversed(self._keys(space)):
            left, right = right ^ self._round(round_key, left), left
        return space.format.unpack((left << 61) | right, as_int & FIXED_BITS)
