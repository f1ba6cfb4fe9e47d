"""The ZGW JWT: HS256 over the client's secret, minted fresh for every request.

Open Zaak rejects a token whose `iat` is more than its `JWT_EXPIRY` (default one hour) in the
past, so a token is never reused; signing one costs microseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import jwt


class ZgwJwt:
    """`auth` callable for `UpstreamClient`: returns a fresh `Authorization: Bearer` header."""

    def __init__(self, client_id: str, secret: str, user_id: str = "", user_representation: str = ""):
        self._client_id = client_id
        self._secret = secret
        self._user_id = user_id
        self._user_representation = user_representation

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
        return {"Authorization": f"Bearer {self.token()}"}

    def __repr__(self) -> str:  # never the secret
        return f"ZgwJwt(client_id={self._client_id!r})"


def bearer(token: str) -> Callable[[], Mapping[str, str]]:
    """For deployments that hand out a ready-made token instead of a client id and secret."""
    return lambda: {"Authorization": f"Bearer {token}"}
