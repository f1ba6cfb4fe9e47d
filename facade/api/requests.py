"""Per-request facts the HTTP layer derives: the external base URL, the client, URL filter values."""

from __future__ import annotations

import hmac
import ipaddress
import re
import time
from dataclasses import dataclass

import jwt
from starlette.requests import Request

from facade.config import Permissions, Settings
from facade.engine.params import Condition, ParsedQuery, parse_uuid
from facade.errors import InvalidParam, ProblemError, validation_error
from mapping.contract import API_PREFIX

_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


@dataclass(frozen=True)
class Client:
    name: str
    permissions: Permissions
    strict: bool = False
    profile: str = "open-klant"
    """The name of the identificator conventions this client reads."""


class BaseUrlPolicy:
    """The external base URL: configured, or the request's own host (forwarded only by trusted proxies)."""

    def __init__(self, settings: Settings):
        self.configured = settings.public_base_url
        self.trusted = [ipaddress.ip_network(entry, strict=False) for entry in settings.trusted_proxies]

    def from_trusted_proxy(self, request: Request) -> bool:
        if not self.trusted or request.client is None:
            return False
        try:
            address = ipaddress.ip_address(request.client.host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def base_url(self, request: Request) -> str:
        if self.configured:
            return self.configured
        scheme = request.url.scheme
        host = request.headers.get("host", "")
        if self.from_trusted_proxy(request):
            scheme = request.headers.get("x-forwarded-proto", scheme).split(",")[0].strip() or scheme
            host = request.headers.get("x-forwarded-host", host).split(",")[0].strip() or host
        if scheme not in ("http", "https") or not _HOST.match(host):
            raise ProblemError(400, "invalid_host", "Ongeldige host.", "De Host-header is ongeldig.")
        return f"{scheme}://{host}"


class ClientAuth:
    """`Authorization: Token <token>`, or `Bearer <JWT>` (HS256 with a `client_id` claim, as KISS
    sends); secrets are compared in constant time, a JWT's signature and age are checked."""

    def __init__(self, settings: Settings):
        self.tokens: list[tuple[Client, bytes]] = []
        self.jwt_clients: dict[str, tuple[Client, bytes, float]] = {}
        for config in settings.clients:
            client = Client(config.name, config.permissions, config.strict, config.profile or settings.default_profile)
            if config.token is not None:
                self.tokens.append((client, config.token.get_secret_value().encode()))
            if config.jwt is not None:
                secret = config.jwt.secret.get_secret_value().encode()
                self.jwt_clients[config.jwt.client_id] = (client, secret, config.jwt.max_age)

    def authenticate(self, request: Request) -> Client:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if not header:
            raise _unauthenticated("not_authenticated", "Authenticatiegegevens zijn niet opgegeven.")
        if scheme.lower() == "bearer" and self.jwt_clients:
            return self._bearer(credentials.strip())
        presented = credentials.strip().encode()
        matched = None
        for client, token in self.tokens:
            if hmac.compare_digest(presented, token) and scheme.lower() == "token":
                matched = client
        if matched is None:
            raise _unauthenticated("authentication_failed", "Ongeldige token.")
        return matched

    def _bearer(self, token: str) -> Client:
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            client, secret, max_age = self.jwt_clients[str(claims.get("client_id"))]
            claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["iat"]}, leeway=60)
        except (jwt.PyJWTError, KeyError, TypeError):
            raise _unauthenticated("authentication_failed", "Ongeldige token.") from None
        if not isinstance(claims["iat"], int | float) or time.time() - claims["iat"] > max_age:
            raise _unauthenticated("authentication_failed", "Het token is verlopen.")
        return client


def _unauthenticated(code: str, message: str) -> ProblemError:
    return ProblemError(401, code, message, message, headers={"WWW-Authenticate": "Token"})


def resolve_url_filters(query: ParsedQuery, base_url: str, targets: dict[str, str]) -> ParsedQuery:
    """Turn `<x>__url` values into UUIDs, accepting only URLs of this API (never fetched).

    `targets` maps a filter name to the resource its value must name.
    """
    resolved = []
    for condition in query.conditions:
        if condition.filter.type != "uri":
            resolved.append(condition)
            continue
        resource = targets[condition.filter.name]
        prefix = f"{base_url}{API_PREFIX}/{resource}/"
        value = str(condition.value)
        tail = value[len(prefix) :] if value.startswith(prefix) else ""
        found = parse_uuid(tail[:-1] if tail.endswith("/") else tail)
        if found is None:
            raise validation_error(
                InvalidParam(condition.filter.name, "invalid", f"De URL moet verwijzen naar een object in {prefix}")
            )
        resolved.append(Condition(condition.filter, found))
    return ParsedQuery(query.resource, tuple(resolved), query.expand, query.page, query.page_size)
