"""Key formats: how an upstream key of one shape is packed into the free bits of a UUID.

An adapter declares, per resource, the shapes of its upstream keys (`ResourceSupport.key_formats`);
the façade turns (key space, packed key) into a keyed, reversible façade UUID
(`facade/identity.py`, docs/decisions/0002-identity.md). A format packs a key into at most the
122 bits of an RFC 4122 UUID that are not version/variant, plus those fixed bits, and back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

FIXED_BITS = (0xF << 76) | (0x3 << 62)  # version nibble and variant bits of a UUID
V4_BITS = (0x4 << 76) | (0x2 << 62)


def free_bits(value: int) -> int:
    """The 122 bits of a UUID that are not version/variant, as one integer."""
    return (value & ((1 << 62) - 1)) | (((value >> 64) & 0xFFF) << 62) | ((value >> 80) << 74)


def from_free_bits(payload: int) -> int:
    """The inverse of `free_bits`: the 122 bits in their places in a UUID (version/variant zero)."""
    low = payload & ((1 << 62) - 1)
    mid = (payload >> 62) & 0xFFF
    high = payload >> 74
    return low | (mid << 64) | (high << 80)


class KeyFormat(Protocol):
    """How upstream keys of one shape are packed into the 122 bits of a UUID."""

    name: str

    def pack(self, key: str) -> tuple[int, int] | None:
        """(payload of at most 122 bits, fixed version/variant bits), or None if not this shape."""

    def unpack(self, payload: int, fixed: int) -> str | None:
        """The key back, or None when the bits cannot be a key of this shape."""


@dataclass(frozen=True)
class TextKey:
    """Keys of at most 15 UTF-8 bytes without NUL: customer numbers, short codes."""

    name: str = "text"
    MAX_BYTES = 15

    def pack(self, key: str) -> tuple[int, int] | None:
        raw = key.encode()
        if not raw or len(raw) > self.MAX_BYTES or b"\0" in raw:
            return None
        return int.from_bytes(raw.ljust(self.MAX_BYTES, b"\0"), "big"), V4_BITS

    def unpack(self, payload: int, fixed: int) -> str | None:
        if fixed != V4_BITS or payload >> (8 * self.MAX_BYTES):
            return None
        raw = payload.to_bytes(self.MAX_BYTES, "big").rstrip(b"\0")
        if not raw or b"\0" in raw:
            return None
        try:
            return raw.decode()
        except UnicodeDecodeError:
            return None


@dataclass(frozen=True)
class UuidKey:
    """Keys that are UUIDs, optionally with a fixed suffix for objects derived from one record.

    ``UuidKey(suffix="email")`` packs ``"<uuid>#email"``: an e-mail address derived from the
    customer record with that UUID gets a key space of its own.
    """

    suffix: str = ""

    @property
    def name(self) -> str:
        return f"uuid#{self.suffix}" if self.suffix else "uuid"

    def pack(self, key: str) -> tuple[int, int] | None:
        if self.suffix:
            head, sep, tail = key.rpartition("#")
            if not sep or tail != self.suffix:
                return None
            key = head
        elif "#" in key:
            return None
        try:
            value = uuid.UUID(key).int
        except ValueError:
            return None
        return free_bits(value), value & FIXED_BITS

    def unpack(self, payload: int, fixed: int) -> str | None:
        text = str(uuid.UUID(int=from_free_bits(payload) | fixed))
        return f"{text}#{self.suffix}" if self.suffix else text
