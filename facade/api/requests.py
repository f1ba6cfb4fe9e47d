"""Per-request facts the HTTP layer derives: the external base URL, the client, URL filter values."""

from __future__ import annotations

import hmac
import ipaddress
import re
import uuid
from dataclasses import dataclass

from starlette.requests import Request

from facade.config import Settings
from facade.contract.resources import API_PREFIX
from facade.engine.params import Condition, ParsedQuery
from facade.errors import InvalidParam, ProblemError, validation_error

_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


@dataclass(frozen=True)
class Client:
    name: str
    strict: bool = False


class BaseUrlPolicy:
    """The external base URL: configured, or the request's own host (forwarded only by trusted proxies)."""

    def __init__(self, settings: Settings):
        self.configured = settings.public_base_url
        self.trusted = [ipaddress.ip_network(entry, strict=False) for entry in settings.trusted_proxies]

    def _from_trusted_proxy(self, request: Request) -> bool:
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
        if self._from_trusted_proxy(request):
            scheme = request.headers.get("x-forwarded-proto", scheme).split(",")[0].strip() or scheme
            host = request.headers.get("x-forwarded-host", host).split(",")[0].strip() or host
        if scheme not in ("http", "https") or not _HOST.match(host):
            raise ProblemError(400, "invalid_host", "Ongeldige host.", "De Host-header is ongeldig.")
        return f"{scheme}://{host}"


class TokenAuth:
    """`Authorization: Token <token>`, compared in constant time with every configured client."""

    def __init__(self, settings: Settings):
        self.clients = [(Client(c.name, c.strict), c.token.get_secret_value().encode()) for c in settings.clients]

    def authenticate(self, request: Request) -> Client:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if not header:
            raise ProblemError(
                401,
                "not_authenticated",
                "Authenticatiegegevens zijn niet opgegeven.",
                "Authenticatiegegevens zijn niet opgegeven.",
                headers={"WWW-Authenticate": "Token"},
            )
        presented = credentials.strip().encode()
        matched = None
        for client, token in self.clients:
            if hmac.compare_digest(presented, token) and scheme.lower() == "token":
                matched = client
        if matched is None:
            raise ProblemError(
                401,
                "authentication_failed",
                "Ongeldige token.",
                "Ongeldige token.",
                headers={"WWW-Authenticate": "Token"},
            )
        return matched


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
        tail = value[len(prefix) :].rstrip("/") if value.startswith(prefix) else ""
        try:
            resolved.append(Condition(condition.filter, uuid.UUID(tail)))
        except ValueError:
            raise validation_error(
                InvalidParam(
                    condition.filter.name,
                    "invalid",
                    f"De URL moet verwijzen naar een object in {prefix}",
                )
            ) from None
    return ParsedQuery(query.resource, tuple(resolved), query.expand, query.page, query.page_size)
