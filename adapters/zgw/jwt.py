"""The ZGW JWT: HS256 over the client's secret, minted afresh every `REUSE_SECONDS`.

Open Zaak rejects a token whose `iat` is more than its `JWT_EXPIRY` (default one hour) in the
past; zgw-upstreams §5 allows minting one per request or keeping it a few minutes. Signing one
costs ~0.1 ms, which a page of the ZGW chain (26 calls) paid 26 times; a token is now used for
at most 30 s, far inside any expiry a deployment sets, and the claims do not change meanwhile.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

import jwt

REUSE_SECONDS = 30.0
"""How long one token is sent before a new one is minted (its `iat` is then at most this old)."""


class ZgwJwt:
    """`auth` callable for `UpstreamClient`: an `Authorization: Bearer` header at most `REUSE_SECONDS` old."""

    def __init__(self, client_id: str, secret: str, user_id: str = "", user_representation: str = ""):
        self._client_id = client_id
        self._secret = secret
        self._user_id = user_id
        self._user_representation = user_representation
        self._header: Mapping[str, str] = {}
        self._minted = -math.inf
        """`time.monotonic()` when `_header` was minted."""

    def token(self, now: float | None = None) -> str:
        claims = {
            "iss": self._client_id,
            "iat": int(time.time() if now is None else now),
            "client_id": self._client_id,
            "user_id": self._user_id,
            "user_representation": self._user_representation,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256", headers={"typ": "JWT"})

    def __call__(self) -> Mapping[str, str]:
        now = time.monotonic()
        if now - self._minted >= REUSE_SECONDS:
            self._header = {"Authorization": f"Bearer {self.token()}"}
            self._minted = now
        return self._header

    def __repr__(self) -> str:  # never the secret
        return f"ZgwJwt(client_id={self._client_id!r})"


def bearer(token: str) -> Callable[[], Mapping[str, str]]:
    """For deployments that hand out a ready-made token instead of a client id and secret."""
    return lambda: {"Authorization": f"Bearer {token}"}
