"""Sealing of cache values that leave the process: AES-256-GCM under a key derived from the identity secret.

Answers hold BSNs; a shared cache (Redis, its snapshots, whoever can read it) must not hold
them in plain text (principle 4). Sealed values are also authenticated, together with the
name of the key they are stored under and their stamp: a value changed, swapped between keys
or written by anyone without the secret is refused, never served.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12


class Sealer:
    def __init__(self, secret: bytes):
        self._aead = AESGCM(hashlib.blake2b(secret, digest_size=32, person=b"facade-seal-v1").digest())

    def seal(self, plain: bytes, context: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, plain, context)

    def open(self, sealed: bytes, context: bytes) -> bytes | None:
        """The plain bytes, or None when the value was not sealed by us for this context."""
        if len(sealed) <= _NONCE:
            return None
        try:
            return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], context)
        except InvalidTag:
            return None
